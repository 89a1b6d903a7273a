"""Security review of joint meetings (threat-model tests).

`test_finding_*` demonstrate defects found in the review: they FAIL until the defect is fixed.
Every other test is a guard for behaviour that was checked and found sound; it must keep passing.

Some defects are 500s only on PostgreSQL (NUL bytes, values longer than their VARCHAR column). On
SQLite the NUL ones are made visible by `pg_strict` (it refuses NUL like psycopg does); the length
ones are asserted on what is stored (SQLite keeps over-long values silently). Run the file with
BR_TEST_DATABASE=postgresql+psycopg://postgres@127.0.0.1:5432/test to see the real 500s."""
from __future__ import annotations

import io
import re
import threading
import zipfile

import pytest
from sqlalchemy import event, func, select, text

from border_referral.cases.models import Case
from border_referral.database import session_scope
from border_referral.errors import Conflict
from border_referral.meetings import services
from border_referral.meetings.models import ActionItem, AgendaItem, Meeting, Minutes, Participant
from border_referral.referrals.models import Referral
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import csrf_from, principal
from tests.referrals.conftest import referral  # noqa: F401  (a fixture)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------- helpers

@pytest.fixture
def pg_strict(demo):
    """On SQLite, refuse NUL in any bound string as psycopg does (PostgreSQL text cannot hold NUL)."""
    engine = demo.extensions["br_engine"]
    if engine.dialect.name != "sqlite":
        yield
        return

    def refuse_nul(_conn, _cursor, _statement, parameters, _context, _executemany):
        rows = parameters if isinstance(parameters, list) else [parameters]
        for row in rows:
            values = row.values() if isinstance(row, dict) else (row or ())
            if any(isinstance(v, str) and "\x00" in v for v in values):
                raise ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    event.listen(engine, "before_cursor_execute", refuse_nul)
    yield
    event.remove(engine, "before_cursor_execute", refuse_nul)


def new_meeting(client, partnership="CR-TL", **over):
    r = client.post("/api/v1/meetings", json={"partnership": partnership, "starts_at": "2026-12-10T09:00:00+07:00",
                                              "venue": "Chiang Rai Provincial Hall", **over})
    assert r.status_code == 201, r.json
    return r.json["id"]


def propose(client, mid, title="Joint patrols", kind="decision", **over):
    r = client.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": title, "type": kind, **over})
    assert r.status_code == 201, r.json
    return r.json["id"]


def count(demo, model, *where):
    with demo.app_context(), session_scope() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def stored(demo, model, key):
    with demo.app_context(), session_scope() as s:
        return s.get(model, key)


def adopted_series(api):
    """CR hosts meeting 1 (one item, minutes checked); TL hosts meeting 2 and adopts them there."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = new_meeting(cr)
    item = propose(cr, m1)
    assert cr.post(f"/api/v1/meetings/{m1}/close-agenda").status_code == 200
    assert cr.put(f"/api/v1/meetings/{m1}/minutes", json={
        "recorder": "Khun Dao", "checker": "Khun Lek",
        "items": {item: {"discussion": "Agreed", "resolution": "Patrol weekly"}}}).status_code == 200
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/check").status_code == 200
    m2 = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    assert tl.post(f"/api/v1/meetings/{m2}/close-agenda").status_code == 200
    r = tl.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2})
    assert r.status_code == 200 and r.json["state"] == "adopted"
    return cr, tl, m1, m2, item


def docx_text(data: bytes) -> str:
    from docx import Document
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def case_number(demo, case_id):
    return stored(demo, Case, case_id).case_number


def referral_reference(demo, rid):
    return stored(demo, Referral, rid).reference


def _once_after(demo, matches, action):
    """Run `action(connection)` on another connection, once, right after the first statement that
    `matches`: a competing request that commits between this request's read and its write."""
    engine = demo.extensions["br_engine"]
    fired = []

    def after(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not fired and matches(statement):
            fired.append(True)
            with engine.connect() as other:
                action(other)
                other.commit()

    event.listen(engine, "after_cursor_execute", after)
    return lambda: event.remove(engine, "after_cursor_execute", after)


# ================================================================ FINDINGS (fail until fixed)

# ---- references: an oracle over the partner's unsent referrals, and references outside the partnership

@pytest.mark.parametrize("state", ["draft", "withdrawn"])
def test_fixed_receiver_can_reference_partners_unsent_or_withdrawn_referral(api, referral, demo, state):
    """services._references accepts any referral whose to_centre is the caller, whatever its state.
    Referral references are sequential (CR-TL-2026-0001), so the receiver can probe which drafts the
    sender has prepared (or withdrawn) and publish them on the shared agenda; the referrals module
    answers "not found" to the receiver for exactly these states."""
    _c, rid = referral(state)
    ref = referral_reference(demo, rid)
    mid = new_meeting(api("secretariat", "CR"))
    tl = api("secretariat", "TL")
    r = tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Family tracing", "type": "decision",
                                                              "references": [ref]})
    missing = tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Family tracing", "type": "decision",
                                                                    "references": [ref[:-1] + "9"]})
    assert missing.status_code == 422
    assert r.status_code == 422, f"{state} referral {ref} accepted: the receiver learns it exists"
    assert count(demo, AgendaItem) == 0


def test_fixed_referral_outside_the_partnership_is_published_to_its_members(api, referral, demo):
    """A CR->HX referral (tri-country partnership) may be referenced on a CR-TL agenda, so TL reads
    the reference of a referral it is no party to. References should be limited to referrals between
    centres of the meeting's partnership."""
    _c, rid = referral("sent", to_centre="HX")
    ref = referral_reference(demo, rid)
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Tracing in Bokeo", "type": "information",
                                                              "references": [ref]})
    assert r.status_code == 422, "a CR-HX referral reference is shown to Tachileik"


# ---- adopted minutes change after adoption

def test_fixed_participants_and_attendance_change_after_adoption(api, demo):
    """add_participant and set_attendance have no state check: once the minutes are adopted (locked,
    corrections only), their Present/Absent lists, which minutes.pdf reads live from the
    participants, can still be changed."""
    cr, tl, m1, _m2, _i = adopted_series(api)
    pid = cr.post(f"/api/v1/meetings/{m1}/participants", json={"centre": "CR", "name": "Khun Dao"})
    added = tl.post(f"/api/v1/meetings/{m1}/participants", json={"centre": "TL", "name": "U Zaw", "attendance": "present"})
    assert added.status_code == 409, "a participant was added to adopted minutes"
    if pid.status_code == 201:
        assert cr.post(f"/api/v1/meetings/{m1}/participants/{pid.json['id']}",
                       json={"attendance": "absent"}).status_code == 409


def test_fixed_adopted_minutes_lose_matters_arising_when_the_action_is_done(api, demo):
    """Sections 2 and 3 of an agenda are computed on every read (open actions of earlier meetings),
    never frozen when the agenda closes or the minutes are adopted. Marking an action done removes it
    from every later agenda - and with it its discussion and resolution from adopted minutes."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{m1}/close-agenda")
    act = cr.post(f"/api/v1/meetings/{m1}/actions", json={"title": "Share the broker list", "owner_centre": "TL",
                                                          "due": "2027-01-31"}).json["id"]
    m2 = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    tl.post(f"/api/v1/meetings/{m2}/close-agenda")
    assert tl.put(f"/api/v1/meetings/{m2}/minutes", json={
        "recorder": "U Zaw", "checker": "Daw Mya",
        "items": {act: {"discussion": "Zqxj list half shared", "resolution": "Finish by March"}}}).status_code == 200
    tl.post(f"/api/v1/meetings/{m2}/minutes/check")
    m3 = new_meeting(cr, starts_at="2027-06-10T09:00:00+07:00")
    cr.post(f"/api/v1/meetings/{m3}/close-agenda")
    assert cr.post(f"/api/v1/meetings/{m2}/minutes/adopt", json={"in_meeting": m3}).status_code == 200
    assert "Zqxj list half shared" in docx_text(tl.get(f"/api/v1/meetings/{m2}/minutes.docx").data)
    agenda_before = tl.get(f"/api/v1/meetings/{m2}/agenda").json
    version = tl.get("/api/v1/meeting-actions", query_string={"open": "0"}).json["items"][0]["version"]
    assert tl.post(f"/api/v1/meeting-actions/{act}", json={"status": "done", "version": version}).status_code == 200
    assert "Zqxj list half shared" in docx_text(tl.get(f"/api/v1/meetings/{m2}/minutes.docx").data), \
        "adopted minutes lost their matters-arising record"
    assert tl.get(f"/api/v1/meetings/{m2}/agenda").json == agenda_before, "the closed agenda changed"


# ---- lost updates on the minutes

def test_fixed_first_minutes_form_overwrites_a_draft_saved_meanwhile(signed_in, api, demo):
    """The minutes form carries version "" until minutes exist, and save_minutes checks the version
    only when one is given: two secretaries who opened the empty form both 'win', the later one
    silently replaces the earlier one's minutes."""
    mid = new_meeting(api("secretariat", "CR"))
    api("secretariat", "CR").post(f"/api/v1/meetings/{mid}/close-agenda")
    url = f"/meetings/{mid}"
    a, b = signed_in("secretariat", "CR"), signed_in("secretariat", "CR")
    page_b = b.get(url).get_data(as_text=True)          # B opens the empty form
    assert 'name="version" value=""' in page_b
    r = a.post_form(f"{url}/minutes", {"version": "", "recorder": "Khun Dao", "checker": "Khun Lek",
                                       "others_attending": "Zqxj written by A"}, page=url)
    assert r.status_code == 302
    r = b.client.post(f"{url}/minutes", data={"csrf_token": csrf_from(page_b), "version": "", "recorder": "Khun Ploy",
                                              "checker": "", "others_attending": ""})
    assert stored(demo, Minutes, mid).others_attending == "Zqxj written by A", "A's minutes were overwritten"
    assert r.status_code == 409


def test_fixed_minutes_api_overwrites_without_a_version(api, demo):
    """PUT /minutes without `version` replaces existing minutes unconditionally (no lost-update guard)."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    assert cr.put(f"/api/v1/meetings/{mid}/minutes", json={"recorder": "Khun Dao"}).status_code == 200
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"recorder": "Someone else"})
    assert r.status_code in (409, 422), "existing minutes replaced without a version"


def test_fixed_concurrent_first_minutes_saves_are_a_500(api, demo):
    """Two first saves at once: both read "no minutes", both INSERT; the loser's IntegrityError is not
    caught (services._save catches StaleDataError only) -> 500 instead of 409."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")

    def other_request_saves(conn):
        conn.execute(text("INSERT INTO meeting_minutes (meeting_id, language, others_attending, recorder, checker, "
                          "items, state, corrections, version) VALUES (:m, 'en', '', 'Other', '', '{}', 'draft', '[]', 1)"),
                     {"m": mid})

    stop = _once_after(demo, lambda st: st.lstrip().startswith("SELECT") and "FROM meeting_minutes" in st,
                       other_request_saves)
    try:
        r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"recorder": "Khun Dao"})
    finally:
        stop()
    assert r.status_code == 409, r.status_code


# ---- a race on the meeting number turns into a 500 on the page

def test_fixed_meeting_number_race_on_the_form_is_a_500(signed_in, demo):
    """create_meeting turns the unique-constraint IntegrityError into Conflict, but views.new then
    renders the form again on a session that needs a rollback -> 500 (the API's 409 is fine)."""
    def other_request_takes_number_1(conn):
        conn.execute(text("INSERT INTO meeting (id, partnership_id, number, year, host_centre_id, starts_at, venue, "
                          "languages, state, agenda_version, created_at, version) SELECT 'raced-0000', p.id, 1, 2026, "
                          "c.id, '2026-12-01 02:00:00', 'x', 'th,my', 'agenda_open', 1, '2026-11-01 00:00:00', 1 "
                          "FROM partnership p, centre c WHERE p.code = 'CR-TL' AND c.code = 'CR'"))

    cr = signed_in("secretariat", "CR")
    page = cr.get("/meetings/new").get_data(as_text=True)
    stop = _once_after(demo, lambda st: "meeting.number =" in st, other_request_takes_number_1)
    try:
        r = cr.client.post("/meetings/new", data={"csrf_token": csrf_from(page), "partnership": "CR-TL",
                                                  "starts_at": "2026-12-10T09:00", "venue": "Chiang Rai"})
    finally:
        stop()
    assert r.status_code == 409, r.status_code


# ---- bad input that is a 500

def test_fixed_overlong_meeting_number_is_a_500(api, signed_in, demo):
    """create_meeting accepts any str.isdecimal() and calls int() on it: more than 4300 digits raise
    ValueError (Python's int-string limit) -> 500, via the API and the form."""
    r = api("secretariat", "CR").post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                             "venue": "x", "number": "1" * 5000})
    assert r.status_code == 422, r.status_code
    r = signed_in("secretariat", "CR").post_form("/meetings/new", {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00",
                                                                  "venue": "x", "number": "1" * 5000})
    assert r.status_code == 422, r.status_code
    assert count(demo, Meeting) == 0


@pytest.mark.parametrize("value", ["²³:00", "09:⁵⁹"])
def test_fixed_superscript_digits_in_minutes_times_are_a_500(api, value):
    """_hhmm checks str.isdigit() (true for superscripts) and then calls int() (which refuses them)."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"opened_at": value})
    assert r.status_code == 422, r.status_code


@pytest.mark.usefixtures("pg_strict")
def test_fixed_nul_in_references_and_partnership_filter_reaches_the_database(api, signed_in, demo):
    """_references queries with whatever string it gets, and actions(partnership=...) looks the code up
    without is_code(): a NUL byte is a DataError (500) on PostgreSQL."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "other", "references": ["CR-\x00"]})
    assert r.status_code == 422, r.status_code
    assert cr.get("/api/v1/meeting-actions?partnership=CR%00").status_code < 500
    assert signed_in("secretariat", "CR").get("/meetings/actions?partnership=CR%00").status_code < 500


def test_fixed_translations_longer_than_their_column(api, demo):
    """Each translation may have a 500-character title and a 5000-character description, in four
    languages: the JSON exceeds agenda_item.translations VARCHAR(20000). PostgreSQL: 500; SQLite: stored
    beyond the declared size."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    tr = {lang: {"title": "T" * 500, "description": "D" * 5000} for lang in ("th", "my", "lo", "en")}
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "other", "translations": tr})
    assert r.status_code == 422, r.status_code


def test_fixed_minutes_items_longer_than_their_column(api, demo):
    """Per item 20000 + 5000 characters plus four translations of the same: two items exceed
    meeting_minutes.items VARCHAR(200000) with a few items."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    items = [propose(cr, mid, title=f"Item {n}") for n in range(3)]
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    entry = {"discussion": "d" * 20000, "resolution": "r" * 5000,
             "translations": {lang: {"discussion": "d" * 20000, "resolution": "r" * 5000} for lang in ("th", "my", "lo")}}
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"items": {i: entry for i in items}})
    assert r.status_code < 500
    mins = stored(demo, Minutes, mid)
    assert r.status_code == 422 or mins is None or len(mins.items) <= 200000, len(mins.items)


def test_fixed_action_updates_grow_past_their_column(api, demo):
    """update_action appends to meeting_action.updates (VARCHAR(50000)) without bound: an action
    followed up some 25 times with long notes cannot be updated any more on PostgreSQL (500)."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    act = cr.post(f"/api/v1/meetings/{mid}/actions", json={"title": "Patrol", "owner_centre": "TL",
                                                           "due": "2027-01-31"}).json["id"]
    for n in range(26):
        r = tl.post(f"/api/v1/meeting-actions/{act}", json={"status": "in_progress", "note": f"{n} " + "n" * 1990})
        assert r.status_code < 500, (n, r.status_code)
    assert len(stored(demo, ActionItem, act).updates) <= 50000


def test_fixed_corrections_grow_past_their_column(api, demo):
    """correct_minutes appends 5000 + 2000 characters a time to meeting_minutes.corrections
    (VARCHAR(50000)) without bound: the eighth correction is a 500 on PostgreSQL."""
    cr, _tl, m1, _m2, item = adopted_series(api)
    for n in range(8):
        r = cr.post(f"/api/v1/meetings/{m1}/minutes/corrections", json={"item": item, "text": f"{n}" + "t" * 4990,
                                                                         "reason": "r" * 1990})
        assert r.status_code < 500, (n, r.status_code)
    assert len(stored(demo, Minutes, m1).corrections) <= 50000


@pytest.mark.parametrize("char", ["\uffff", "\ufffe"])
def test_fixed_noncharacter_in_a_title_breaks_the_word_documents(api, demo, char):
    """_plain lets U+FFFE/U+FFFF through (they encode to UTF-8) but they are not XML characters:
    python-docx refuses them, so one proposer's title makes agenda.docx and minutes.docx a 500 for
    every centre of the partnership."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = new_meeting(cr)
    r = tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": f"Patrols {char}", "type": "information"})
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    if r.status_code == 422:
        return
    for doc in ("agenda", "minutes"):
        assert cr.get(f"/api/v1/meetings/{mid}/{doc}.docx").status_code == 200, doc


# ---- adoption without the partner

def test_fixed_host_adopts_its_own_minutes_at_a_meeting_it_just_created(api, demo):
    """Any member secretariat may create a meeting with `host` set to any member (and any free
    `number`), and adopt_minutes only asks that the later meeting's host adopts, whatever its state.
    So Chiang Rai writes, checks and adopts its own minutes in one sitting, at a 'meeting' that has
    not taken place (agenda still open) and that Tachileik never saw."""
    cr = api("secretariat", "CR")
    m1 = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{m1}/close-agenda")
    cr.put(f"/api/v1/meetings/{m1}/minutes", json={"recorder": "Khun Dao", "checker": "Khun Lek"})
    cr.post(f"/api/v1/meetings/{m1}/minutes/check")
    m2 = new_meeting(cr, host="CR", starts_at="2027-03-10T09:00:00+07:00")   # out of turn: TL should host
    r = cr.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2})
    assert r.status_code in (403, 409, 422), "minutes adopted by their own writer at a meeting not yet held"
    assert stored(demo, Minutes, m1).state == "checked"


# ---- item decisions that revive settled items or lose deferred ones

def test_fixed_merged_or_rejected_item_can_be_accepted_again(api, demo):
    """decide_item does not look at the item's status: a merged item is accepted again (keeping its
    merged_into), a rejected one is put back on an agenda that is already closed."""
    cr = api("secretariat", "CR")
    mid = new_meeting(cr)
    a, b, c = (propose(cr, mid, title=t) for t in ("A", "B", "C"))
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{a}/merge", json={"into": b}).status_code == 200
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{c}/reject").status_code == 200
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    version = cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"]
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{a}/accept").status_code == 409, "merged item revived"
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{c}/accept").status_code == 409, "rejected item revived"
    assert cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"] == version


def test_fixed_item_deferred_after_the_next_meeting_exists_is_lost(api, demo):
    """Deferred items are copied only when the next meeting is created: an item deferred after that
    is 'Deferred to the next meeting' but appears at no meeting."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = new_meeting(cr)
    item = propose(tl, m1, title="Hotline numbers", kind="information")
    m2 = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    assert cr.post(f"/api/v1/meetings/{m1}/agenda-items/{item}/defer").status_code == 200
    titles = [p["title"] for p in tl.get(f"/api/v1/meetings/{m2}").json["proposals"]]
    assert "Hotline numbers" in titles


# ================================================================ GUARDS (sound behaviour; must keep passing)

@pytest.fixture
def scene(api, demo):
    """CR-TL: `open` (agenda open; items by TL and CR, a TL participant) and `closed` (hosted by CR,
    agenda closed; an item, a TL-owned action, draft minutes); CR-TL-HX: `tri` with an item."""
    cr, tl, hx = api("secretariat", "CR"), api("secretariat", "TL"), api("secretariat", "HX")
    closed = new_meeting(cr, starts_at="2026-10-01T09:00:00+07:00")
    citem = propose(cr, closed, title="Repatriation at Mae Sai")
    cr.post(f"/api/v1/meetings/{closed}/close-agenda")
    action = cr.post(f"/api/v1/meetings/{closed}/actions", json={"title": "Share the broker list", "owner_centre": "TL",
                                                                 "due": "2027-01-31"}).json["id"]
    assert cr.put(f"/api/v1/meetings/{closed}/minutes", json={"recorder": "Khun Dao", "checker": "Khun Lek"}).status_code == 200
    opened = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    assert tl.post(f"/api/v1/meetings/{opened}/close-agenda").status_code == 200  # TL hosts this one: reopen a 3rd
    open_ = new_meeting(cr, starts_at="2027-06-10T09:00:00+07:00")
    item = propose(tl, open_, title="Workplace rules", kind="information")
    item2 = propose(cr, open_, title="Joint surveillance")
    participant = tl.post(f"/api/v1/meetings/{open_}/participants", json={"centre": "TL", "name": "U Zaw"}).json["id"]
    tri = new_meeting(hx, partnership="CR-TL-HX", starts_at="2026-12-12T09:00:00+07:00")
    tri_item = propose(hx, tri, title="Mekong crossings", kind="information")
    return {"cr": cr, "tl": tl, "hx": hx, "closed": closed, "citem": citem, "action": action, "open": open_,
            "item": item, "item2": item2, "participant": participant, "tri": tri, "tri_item": tri_item}


def snapshot(demo):
    """Everything a refused request must leave as it was."""
    with demo.app_context(), session_scope() as s:
        rows = lambda model, *cols: sorted(tuple(str(getattr(r, c)) for c in cols)
                                           for r in s.execute(select(model)).scalars())
        return (rows(Meeting, "id", "state", "version", "agenda_version"),
                rows(AgendaItem, "id", "status", "section", "position", "references", "translations", "merged_into_id"),
                rows(Participant, "id", "attendance", "name"), rows(ActionItem, "id", "status", "version", "updates"),
                rows(Minutes, "meeting_id", "state", "version", "items", "opened_at", "recorder", "corrections"))


def member_routes(sc):
    """Every meeting route, filled with ids of CR-TL records."""
    m, c, i, a, p = sc["open"], sc["closed"], sc["item"], sc["action"], sc["participant"]
    return [
        ("get", f"/api/v1/meetings/{m}", None), ("get", f"/api/v1/meetings/{m}/agenda", None),
        ("get", f"/api/v1/meetings/{c}/agenda.docx", None), ("get", f"/api/v1/meetings/{c}/minutes.docx", None),
        ("get", f"/api/v1/meetings/{c}/agenda.pdf", None), ("get", f"/api/v1/meetings/{c}/minutes.pdf", None),
        ("post", f"/api/v1/meetings/{m}/agenda-items", {"title": "x", "type": "other"}),
        ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/accept", {}),
        ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/reject", {}),
        ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/merge", {"into": sc["item2"]}),
        ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/order", {"section": 4}),
        ("post", f"/api/v1/meetings/{m}/close-agenda", None),
        ("post", f"/api/v1/meetings/{m}/participants", {"centre": "TL", "name": "X"}),
        ("post", f"/api/v1/meetings/{m}/participants/{p}", {"attendance": "present"}),
        ("put", f"/api/v1/meetings/{c}/minutes", {"recorder": "X"}),
        ("post", f"/api/v1/meetings/{c}/minutes/check", None),
        ("post", f"/api/v1/meetings/{c}/minutes/adopt", {"in_meeting": m}),
        ("post", f"/api/v1/meetings/{c}/minutes/corrections", {"text": "x", "reason": "y"}),
        ("post", f"/api/v1/meetings/{c}/actions", {"title": "x", "owner_centre": "TL", "due": "2027-01-01"}),
        ("post", f"/api/v1/meeting-actions/{a}", {"status": "done"}),
    ]


@pytest.mark.parametrize("who", [("secretariat", "HX"), ("admin", "HX"), ("viewer", "HX"), ("secretariat", "MS")])
def test_non_members_get_404_on_every_meeting_route(api, demo, scene, who):
    """Huay Xai is in CR-TL-HX, not in CR-TL: for it a CR-TL meeting does not exist (nor for Mae Sot)."""
    outsider = api(*who)
    before = snapshot(demo)
    for method, path, payload in member_routes(scene):
        kw = {"json": payload} if payload is not None else {}
        r = getattr(outsider, method)(path, **kw)
        assert r.status_code == 404, (who, method, path, r.status_code)
        assert r.json["error"]["code"] == "not_found"
    assert snapshot(demo) == before


def test_non_member_pages_are_404(signed_in, demo, scene):
    hx = signed_in("secretariat", "HX")
    token = csrf_from(hx.get("/meetings/new").get_data(as_text=True))
    m, c, i, a, p = scene["open"], scene["closed"], scene["item"], scene["action"], scene["participant"]
    before = snapshot(demo)
    for path in (f"/meetings/{m}", f"/meetings/{c}/agenda.docx", f"/meetings/{c}/minutes.pdf"):
        assert hx.get(path).status_code == 404, path
    for path, data in ((f"/meetings/{m}/items", {"title": "x", "type": "other"}), (f"/meetings/{m}/items/{i}/accept", {}),
                       (f"/meetings/{m}/items/{i}/order", {"section": "4"}), (f"/meetings/{m}/state/close-agenda", {}),
                       (f"/meetings/{m}/participants", {"centre": "TL", "name": "x"}),
                       (f"/meetings/{m}/participants/{p}", {"attendance": "absent"}),
                       (f"/meetings/{c}/minutes", {"recorder": "x"}), (f"/meetings/{c}/minutes/check", {}),
                       (f"/meetings/{m}/adopt-previous", {}), (f"/meetings/{c}/actions", {"title": "x"}),
                       (f"/meetings/{c}/actions/{a}", {"status": "done"})):
        assert hx.client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert snapshot(demo) == before


def test_lists_show_only_the_callers_partnerships(api, signed_in, scene):
    hx = scene["hx"]
    ids = {m["id"] for m in hx.get("/api/v1/meetings").json["items"]}
    assert ids == {scene["tri"]}
    for query in ("", "?open=0", "?partnership=CR-TL&open=0", "?mine=1"):
        assert hx.get(f"/api/v1/meeting-actions{query}").json["items"] == [], query
    page = signed_in("secretariat", "HX")
    for path in ("/meetings/", "/meetings/actions?all=1", "/meetings/actions?partnership=CR-TL&all=1"):
        html = page.get(path).get_data(as_text=True)
        assert scene["open"] not in html and scene["closed"] not in html and "Share the broker list" not in html, path


def test_ids_of_another_meeting_are_refused(api, demo, scene):
    """An item, participant or minutes of one meeting cannot be reached through another, even by a
    centre that is a member of both partnerships (CR is in CR-TL and CR-TL-HX)."""
    cr, hx = scene["cr"], scene["hx"]
    tri, item, tri_item = scene["tri"], scene["item"], scene["tri_item"]
    before = snapshot(demo)
    assert hx.post(f"/api/v1/meetings/{tri}/agenda-items/{item}/reject").status_code == 404
    assert cr.post(f"/api/v1/meetings/{scene['open']}/agenda-items/{tri_item}/reject").status_code == 404
    assert cr.post(f"/api/v1/meetings/{scene['open']}/agenda-items/{item}/merge", json={"into": tri_item}).status_code == 422
    assert hx.post(f"/api/v1/meetings/{tri}/participants/{scene['participant']}", json={"attendance": "absent"}).status_code == 404
    assert cr.post(f"/api/v1/meetings/{scene['closed']}/actions", json={
        "title": "x", "owner_centre": "TL", "due": "2027-01-01", "agenda_item": tri_item}).status_code == 422
    assert cr.put(f"/api/v1/meetings/{scene['closed']}/minutes", json={
        "items": {tri_item: {"discussion": "x"}}}).status_code == 422
    assert cr.post(f"/api/v1/meetings/{scene['closed']}/actions", json={
        "title": "x", "owner_centre": "HX", "due": "2027-01-01"}).status_code == 422
    assert snapshot(demo) == before


def test_only_the_host_secretariat_runs_the_agenda_and_the_minutes(api, demo, scene):
    tl = scene["tl"]
    m, c, i, i2 = scene["open"], scene["closed"], scene["item"], scene["item2"]
    before = snapshot(demo)
    for method, path, payload in (
            ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/accept", {}),
            ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/defer", {}),
            ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/reject", {}),
            ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/merge", {"into": i2}),
            ("post", f"/api/v1/meetings/{m}/agenda-items/{i}/order", {"section": 4}),
            ("post", f"/api/v1/meetings/{m}/close-agenda", None),
            ("put", f"/api/v1/meetings/{c}/minutes", {"recorder": "U Zaw"}),
            ("post", f"/api/v1/meetings/{c}/minutes/check", None)):
        r = getattr(tl, method)(path, **({"json": payload} if payload is not None else {}))
        assert r.status_code == 403, (path, r.status_code)
    for role in ("admin", "case", "viewer"):   # the host centre, but not its secretariat
        other = api(role, "CR")
        assert other.get(f"/api/v1/meetings/{m}").status_code == 200
        assert other.get(f"/api/v1/meetings/{m}/agenda").status_code == 200
        assert other.post(f"/api/v1/meetings/{m}/agenda-items", json={"title": "x", "type": "other"}).status_code == 403
        assert other.post(f"/api/v1/meetings/{m}/close-agenda").status_code == 403
        assert other.put(f"/api/v1/meetings/{c}/minutes", json={"recorder": "x"}).status_code == 403
        assert other.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-01-01T09:00",
                                                    "venue": "x"}).status_code == 403
    assert snapshot(demo) == before


def test_delegations_list_their_own_participants_and_owners_update_their_actions(api, demo, scene):
    cr, tl = scene["cr"], scene["tl"]
    m, p = scene["open"], scene["participant"]
    assert tl.post(f"/api/v1/meetings/{m}/participants", json={"centre": "CR", "name": "Khun Dao"}).status_code == 403
    assert tl.post(f"/api/v1/meetings/{m}/participants", json={"centre": "MS", "name": "Someone"}).status_code == 422
    own = cr.post(f"/api/v1/meetings/{m}/participants", json={"centre": "CR", "name": "Khun Dao"}).json["id"]
    assert tl.post(f"/api/v1/meetings/{m}/participants/{own}", json={"attendance": "absent"}).status_code == 403
    assert cr.post(f"/api/v1/meetings/{m}/participants", json={"centre": "TL", "name": "Daw Mya"}).status_code == 201
    assert cr.post(f"/api/v1/meetings/{m}/participants/{p}", json={"attendance": "present"}).status_code == 200  # host
    a = scene["action"]
    assert cr.post(f"/api/v1/meeting-actions/{a}", json={"status": "done"}).status_code == 403
    assert api("viewer", "TL").post(f"/api/v1/meeting-actions/{a}", json={"status": "done"}).status_code == 403
    assert tl.post(f"/api/v1/meeting-actions/{a}", json={"status": "in_progress", "note": "Half done"}).status_code == 409  # which version?
    version = [i for i in tl.get("/api/v1/meeting-actions").json["items"] if i["id"] == a][0]["version"]
    assert tl.post(f"/api/v1/meeting-actions/{a}", json={"status": "in_progress", "note": "Half done",
                                                         "version": version}).status_code == 200


def test_state_machine_refusals(api, demo):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = new_meeting(cr)
    item = propose(tl, m1)
    assert cr.post(f"/api/v1/meetings/{m1}/actions", json={"title": "x", "owner_centre": "TL", "due": "2027-01-01"}).status_code == 409
    assert cr.put(f"/api/v1/meetings/{m1}/minutes", json={"recorder": "x"}).status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/check").status_code == 409
    cr.post(f"/api/v1/meetings/{m1}/close-agenda")
    for who in (cr, tl):
        assert who.post(f"/api/v1/meetings/{m1}/agenda-items", json={"title": "Late", "type": "other"}).status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/corrections", json={"text": "x", "reason": "y"}).status_code == 409
    assert cr.put(f"/api/v1/meetings/{m1}/minutes", json={"recorder": "Khun Dao", "checker": "Khun Lek"}).status_code == 200
    for action, payload in (("order", {"section": 5}), ("defer", {}), ("accept", {})):  # minutes are being written
        assert cr.post(f"/api/v1/meetings/{m1}/agenda-items/{item}/{action}", json=payload).status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m1}).status_code == 422   # at itself
    m2 = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    assert tl.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2}).status_code == 409   # still a draft
    cr.post(f"/api/v1/meetings/{m1}/minutes/check")
    assert tl.post(f"/api/v1/meetings/{m2}/minutes/adopt", json={"in_meeting": m1}).status_code in (403, 422)  # earlier
    assert tl.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2}).status_code == 409   # m2 not closed
    tl.post(f"/api/v1/meetings/{m2}/close-agenda")
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2}).status_code == 403      # not m2's host
    tri = new_meeting(cr, partnership="CR-TL-HX")
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": tri}).status_code == 422     # other series
    assert tl.post(f"/api/v1/meetings/{m1}/minutes/adopt", json={"in_meeting": m2}).status_code == 200
    locked = stored(demo, Minutes, m1).items
    assert cr.put(f"/api/v1/meetings/{m1}/minutes", json={"recorder": "x", "version": stored(demo, Minutes, m1).version}).status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/check").status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/actions", json={"title": "x", "owner_centre": "TL", "due": "2027-01-01"}).status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/agenda-items/{item}/accept").status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/close-agenda").status_code == 409
    assert cr.post(f"/api/v1/meetings/{m1}/minutes/corrections", json={"item": item, "text": "Return on the 16th",
                                                                      "reason": "Typo"}).status_code == 200
    assert stored(demo, Minutes, m1).items == locked and stored(demo, Minutes, m1).state == "adopted"


def test_adopted_minutes_are_locked_on_the_pages_too(signed_in, api, demo):
    _cr, _tl, m1, _m2, item = adopted_series(api)
    page = signed_in("secretariat", "CR")
    html = page.get(f"/meetings/{m1}").get_data(as_text=True)
    assert 'data-testid="minutes-form"' not in html
    before = snapshot(demo)
    r = page.client.post(f"/meetings/{m1}/minutes", data={"csrf_token": csrf_from(html), "entries": item,
                                                          f"discussion-{item}": "Rewritten", "version": ""})
    assert r.status_code == 409
    assert page.client.post(f"/meetings/{m1}/minutes/check", data={"csrf_token": csrf_from(html)}).status_code == 409
    assert snapshot(demo) == before


def test_stale_versions_are_conflicts(api, signed_in, demo, scene):
    cr, tl, c, a = scene["cr"], scene["tl"], scene["closed"], scene["action"]
    v = stored(demo, Minutes, c).version
    assert cr.put(f"/api/v1/meetings/{c}/minutes", json={"recorder": "A", "version": v}).status_code == 200
    assert cr.put(f"/api/v1/meetings/{c}/minutes", json={"recorder": "B", "version": v}).status_code == 409
    assert stored(demo, Minutes, c).recorder == "A"
    va = stored(demo, ActionItem, a).version
    assert tl.post(f"/api/v1/meeting-actions/{a}", json={"status": "in_progress", "version": va}).status_code == 200
    assert tl.post(f"/api/v1/meeting-actions/{a}", json={"status": "dropped", "version": va}).status_code == 409
    page = signed_in("secretariat", "TL")
    html = page.get(f"/meetings/{c}").get_data(as_text=True)
    r = page.client.post(f"/meetings/{c}/actions/{a}", data={"csrf_token": csrf_from(html), "status": "done",
                                                              "version": str(va)})
    assert r.status_code == 409 and stored(demo, ActionItem, a).status == "in_progress"


def _in_threads(demo, jobs):
    results = [None] * len(jobs)

    def run(i, job):
        try:
            with demo.test_request_context(), session_scope() as s:
                results[i] = job(s)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each one got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_minutes_saves_one_is_a_conflict(api, demo, scene, monkeypatch):
    c = scene["closed"]
    version = stored(demo, Minutes, c).version
    barrier = threading.Barrier(2, timeout=10)
    real_save = services.minutes._save

    def save_together(session, obj):
        if isinstance(obj, Minutes):
            barrier.wait()   # both have read the minutes at the same version
        return real_save(session, obj)

    monkeypatch.setattr(services.minutes, "_save", save_together)
    results = _in_threads(demo, [
        (lambda s, who=who: services.save_minutes(s, principal(s, "secretariat", "CR"), c,
                                                  {"recorder": who, "version": version}).recorder) for who in ("A", "B")])
    assert sorted("conflict" if isinstance(x, Conflict) else "saved" for x in results) == ["conflict", "saved"], results
    assert stored(demo, Minutes, c).recorder in ("A", "B")


def test_concurrent_meeting_creation_gives_one_meeting_and_one_conflict(demo, monkeypatch):
    barrier = threading.Barrier(2, timeout=10)
    real_when = services.series._when

    def when_together(data, key, tz):
        barrier.wait()   # both have read the last number of the series
        return real_when(data, key, tz)

    monkeypatch.setattr(services.series, "_when", when_together)
    results = _in_threads(demo, [
        (lambda s, c=c: services.create_meeting(s, principal(s, "secretariat", c), {
            "partnership": "CR-TL", "starts_at": "2026-12-10T09:00", "venue": "x"}).number) for c in ("CR", "TL")])
    assert sorted(type(x).__name__ for x in results) == ["Conflict", "int"], results
    assert count(demo, Meeting) == 1


def test_references_are_only_the_proposers_own_numbers(api, demo, make_case, referral):
    cr_case = case_number(demo, make_case())
    tl_case = case_number(demo, make_case(centre="TL"))
    erased_id = make_case()
    erased = case_number(demo, erased_id)
    assert api("admin", "CR").post(f"/api/v1/cases/{erased_id}/erase", json={"reason": "duplicate"}).status_code == 200
    _c, rid = referral("sent")
    sent_ref = referral_reference(demo, rid)
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = new_meeting(cr)
    before = snapshot(demo)
    refused = []
    for who, ref in ((tl, cr_case), (tl, "CR-2569-9999"), (cr, tl_case), (cr, erased), (api("secretariat", "HX"), cr_case)):
        r = who.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "decision", "references": [ref]})
        assert r.status_code in (404, 422), (ref, r.status_code)   # HX: the meeting itself is not found
        refused.append(r.json["error"]["message"].replace(ref, "<ref>"))
    # another centre's real number is refused exactly like a number that does not exist: no oracle
    assert refused[0] == refused[1]
    assert snapshot(demo) == before
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Cases", "type": "decision",
                                                              "references": f" {cr_case.lower()} ; {sent_ref}"})
    assert r.status_code == 201 and r.json["references"] == [cr_case, sent_ref]
    assert tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Reply", "type": "decision",
                                                                 "references": [sent_ref]}).status_code == 201


# ---- odd input: a clear 4xx and nothing written

CREATE = {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00", "venue": "Chiang Rai"}


def _odd(client, demo, method, path, payloads, base=None):
    before = snapshot(demo)
    wrong = []
    for p in payloads:
        if isinstance(p, str):     # raw body
            r = getattr(client, method)(path, data=p, content_type="application/json")
        else:
            r = getattr(client, method)(path, json={**(base or {}), **p})
        if not 400 <= r.status_code < 500 or "error" not in (r.json or {}):
            wrong.append((p if len(repr(p)) < 80 else repr(p)[:80], r.status_code))
    assert wrong == []
    assert snapshot(demo) == before


def test_odd_json_on_create_meeting(api, demo):
    cr = api("secretariat", "CR")
    _odd(cr, demo, "post", "/api/v1/meetings", [
        "[]", '"text"', "NaN", "{", "",
        {"partnership": ["CR-TL"]}, {"partnership": 5}, {"partnership": "CK-HX"}, {"partnership": "CR-TL\x00"},
        {"partnership": "x" * 10000}, {"starts_at": 20261210}, {"starts_at": []}, {"starts_at": {"y": 2026}},
        {"starts_at": "2026-02-30T09:00"}, {"starts_at": "1999-12-31T09:00"}, {"starts_at": "2101-01-01T00:00"},
        {"starts_at": "tomorrow"}, {"starts_at": "2026-12-10T09:00+25:00"}, {"starts_at": "9" * 5000},
        {"starts_at": "0001-01-01T00:00+14:00"}, {"starts_at": None},
        {"venue": None}, {"venue": " "}, {"venue": 5}, {"venue": ["x"]}, {"venue": "v" * 301},
        {"venue": "a\x00b"}, {"venue": "a\ud800b"}, {"number": -1}, {"number": 0}, {"number": 10000},
        {"number": 1.5}, {"number": True}, {"number": "abc"}, {"number": [1]}, {"number": {}}, {"number": "1e3"},
        {"number": "²"}, {"host": "MS"}, {"host": ["CR"]}, {"host": 5},
    ], base=CREATE)


def test_odd_json_on_proposals(api, demo, scene):
    tl = scene["tl"]
    _odd(tl, demo, "post", f"/api/v1/meetings/{scene['open']}/agenda-items", [
        "[]", "NaN", {"title": None}, {"title": 5}, {"title": []}, {"title": {}}, {"title": "t" * 501},
        {"title": "a\x00b"}, {"title": "a\ud800"}, {"title": "  "}, {"type": ["decision"]}, {"type": {"a": 1}},
        {"type": None}, {"type": "DECISION"}, {"language": ["th"]}, {"language": "xx"}, {"language": 5},
        {"description": 5}, {"description": "d" * 5001}, {"translations": []}, {"translations": "th"},
        {"translations": {"xx": {"title": "x"}}}, {"translations": {"th": "x"}}, {"translations": {"th": {"title": 5}}},
        {"translations": {"th": {"title": "t" * 501}}}, {"translations": {"th": {"title": "a\x00"}}},
        {"references": 5}, {"references": {"a": 1}}, {"references": [1]}, {"references": [["x"]]},
        {"references": ["x"] * 21}, {"references": "CR-2569-9999"}, {"references": ["r" * 100000]},
        {"references": "a," * 5000},
    ], base={"title": "Border passes", "type": "information"})


def test_odd_json_on_decisions_and_ordering(api, demo, scene):
    cr, m, i = scene["cr"], scene["open"], scene["item"]
    base = f"/api/v1/meetings/{m}/agenda-items/{i}"
    _odd(cr, demo, "post", f"{base}/order", [
        {"section": "abc"}, {"section": []}, {"section": {}}, {"section": None}, {"section": 9}, {"section": 2},
        {"section": 3}, {"section": 5}, {"section": -1}, {"section": "4.5"}, '{"section": 1e400}',
        '{"section": NaN}', '{"section": -Infinity}', {"section": 4, "position": "x"}, {"section": 4, "position": []},
        {"section": 4, "position": {}}, '{"section": 4, "position": 1e400}', {"section": 4, "position": "9" * 5000},
        "[]", "{",
    ])
    _odd(cr, demo, "post", f"{base}/merge", [
        {"into": None}, {"into": 5}, {"into": []}, {"into": "x" * 40}, {"into": i}, {"into": "0" * 36},
        {"into": scene["tri_item"]}, {"into": scene["citem"]}, {"into": "a\x00"},
    ])
    _odd(cr, demo, "post", f"{base}/bogus", [{}])


def test_odd_json_on_participants_and_attendance(api, demo, scene):
    cr, m, p = scene["cr"], scene["open"], scene["participant"]
    _odd(cr, demo, "post", f"/api/v1/meetings/{m}/participants", [
        {"centre": "MS"}, {"centre": ["TL"]}, {"centre": None}, {"centre": 5}, {"centre": "TL\x00"}, {"name": None},
        {"name": []}, {"name": "n" * 201}, {"name": "a\x00"}, {"attendance": "maybe"}, {"attendance": ["present"]},
        {"attendance": 5}, {"position": 5}, {"agency": ["x"]}, {"position": "p" * 201},
    ], base={"centre": "TL", "name": "U Zaw"})
    _odd(cr, demo, "post", f"/api/v1/meetings/{m}/participants/{p}", [
        {"attendance": "maybe"}, {"attendance": []}, {"attendance": None}, {"attendance": 5}, "[]"])
    for pid in ("abc", "-1", "0", "99999999999", "１", "1.0", "%00", "9" * 5000):
        assert cr.post(f"/api/v1/meetings/{m}/participants/{pid}", json={"attendance": "present"}).status_code == 404, pid


def test_odd_json_on_minutes(api, demo, scene):
    cr, c, i = scene["cr"], scene["closed"], scene["citem"]
    _odd(cr, demo, "put", f"/api/v1/meetings/{c}/minutes", [
        "[]", {"items": "x"}, {"items": {"bogus": {}}}, {"items": {i: "text"}},
        {"items": {i: {"discussion": 5}}}, {"items": {i: {"translations": {"xx": {}}}}},
        {"items": {i: {"translations": {"th": "x"}}}}, {"items": {i: {"discussion": "d" * 20001}}},
        {"items": {i: {"resolution": "a\x00"}}}, {"opened_at": "25:00"}, {"opened_at": "9:00"}, {"opened_at": 900},
        {"opened_at": ["09:00"]}, {"opened_at": "09:60"}, {"opened_at": "0900 "}, {"opened_at": "-1:00"},
        {"opened_at": "10:00", "closed_at": "09:00"}, {"version": "abc"}, {"version": []}, {"version": {}},
        {"version": "9" * 5000}, {"version": 99}, {"version": '{"a": 1e400}'}, {"language": ["th"]},
        {"language": "xx"}, {"language": 5}, {"recorder": 5}, {"recorder": "r" * 201}, {"others_attending": []},
    ])


def test_odd_json_on_actions(api, demo, scene):
    cr, tl, c, a = scene["cr"], scene["tl"], scene["closed"], scene["action"]
    _odd(cr, demo, "post", f"/api/v1/meetings/{c}/actions", [
        {"due": "2027-02-30"}, {"due": []}, {"due": None}, {"due": "1999-01-01"}, {"due": "2101-01-01"}, {"due": 5},
        {"due": {"y": 1}}, {"due": "9" * 5000}, {"due": "2027-01-01T09:00"}, {"owner_centre": "MS"},
        {"owner_centre": ["TL"]}, {"owner_centre": None}, {"title": None}, {"title": []}, {"title": "t" * 1001},
        {"agenda_item": "x" * 40}, {"agenda_item": []}, {"agenda_item": scene["tri_item"]}, {"agenda_item": 5},
        {"agenda_item": True},
    ], base={"title": "Patrol", "owner_centre": "TL", "due": "2027-01-31"})
    _odd(tl, demo, "post", f"/api/v1/meeting-actions/{a}", [
        {"status": "bogus"}, {"status": []}, {"status": None}, {"version": "x"}, {"version": []},
        {"version": "9" * 5000}, {"version": 99}, {"note": 5}, {"note": "n" * 2001}, {"note": "a\x00"}, "[]",
    ], base={"status": "in_progress"})
    _odd(tl, demo, "post", f"/api/v1/meetings/{c}/minutes/adopt", [
        {"in_meeting": []}, {"in_meeting": 5}, {"in_meeting": None}, {"in_meeting": "x" * 40}, {"in_meeting": "%00"},
        {"in_meeting": c}, "[]"])


@pytest.mark.parametrize("path", ["/api/v1/meetings/%00", "/api/v1/meetings/" + "a" * 37, "/api/v1/meetings/..%2F",
                                  "/api/v1/meetings/x/agenda", "/api/v1/meetings/x/agenda.docx",
                                  "/api/v1/meetings/x/secret.pdf", "/api/v1/meeting-actions/%00"])
def test_odd_ids_are_404(api, path):
    cr = api("secretariat", "CR")
    method = "post" if "meeting-actions" in path else "get"
    r = getattr(cr, method)(path, json={"status": "done"}) if method == "post" else cr.get(path)
    assert r.status_code == 404, r.status_code


def test_odd_form_input_on_the_pages(signed_in, demo, scene):
    """The forms reach the same services: odd values are refused with the page and a message."""
    page = signed_in("secretariat", "CR")
    m, c, i = scene["open"], scene["closed"], scene["item"]
    token = csrf_from(page.get(f"/meetings/{m}").get_data(as_text=True))
    before = snapshot(demo)
    for path, data in ((f"/meetings/{m}/items", {"title": "", "type": "other"}),
                       (f"/meetings/{m}/items", {"title": "x", "type": "other", "references": "CR-2569-9999"}),
                       (f"/meetings/{m}/items/{i}/order", {"section": "2"}),
                       (f"/meetings/{m}/items/{i}/order", {"section": "4", "position": "x"}),
                       (f"/meetings/{m}/items/{i}/merge", {"into": "nope"}),
                       (f"/meetings/{m}/participants", {"centre": "MS", "name": "x"}),
                       (f"/meetings/{c}/minutes", {"opened_at": "99:99", "version": "x"}),
                       (f"/meetings/{c}/actions", {"title": "x", "owner_centre": "TL", "due": "2027-02-30"}),
                       ("/meetings/new", {"partnership": "CK-HX", "starts_at": "2026-12-10T09:00", "venue": "x"}),
                       ("/meetings/new", {"partnership": "CR-TL", "starts_at": "soon", "venue": "x"})):
        r = page.client.post(path, data={"csrf_token": token, **data})
        assert r.status_code in (400, 409, 422), (path, data, r.status_code)
    assert snapshot(demo) == before


# ---- CSRF, CSP, XSS, documents

def test_every_meeting_form_needs_the_csrf_token(signed_in, demo, scene):
    page = signed_in("secretariat", "CR")
    m, c, i, a = scene["open"], scene["closed"], scene["item"], scene["action"]
    before = snapshot(demo)
    for path, data in (("/meetings/new", {"partnership": "CR-TL", "starts_at": "2027-01-01T09:00", "venue": "x"}),
                       (f"/meetings/{m}/items", {"title": "x", "type": "other"}), (f"/meetings/{m}/items/{i}/accept", {}),
                       (f"/meetings/{m}/items/{i}/order", {"section": "4"}), (f"/meetings/{m}/state/close-agenda", {}),
                       (f"/meetings/{m}/participants", {"centre": "CR", "name": "x"}),
                       (f"/meetings/{m}/participants/{scene['participant']}", {"attendance": "absent"}),
                       (f"/meetings/{c}/minutes", {"recorder": "x"}), (f"/meetings/{c}/minutes/check", {}),
                       (f"/meetings/{m}/adopt-previous", {}),
                       (f"/meetings/{c}/actions", {"title": "x", "owner_centre": "TL", "due": "2027-01-01"}),
                       (f"/meetings/{c}/actions/{a}", {"status": "done"})):
        assert page.client.post(path, data=data).status_code == 400, path
        assert page.client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    assert snapshot(demo) == before
    html = page.get(f"/meetings/{m}").get_data(as_text=True)
    assert html.count('name="csrf_token"') >= html.count('method="post"')


def test_meeting_pages_have_a_strict_csp_and_no_inline_script(signed_in, scene):
    page = signed_in("secretariat", "CR")
    for path in (f"/meetings/{scene['open']}", f"/meetings/{scene['closed']}", "/meetings/", "/meetings/new",
                 "/meetings/actions?all=1"):
        r = page.get(path)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        html = r.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert not re.search(r"\son[a-z]+=", html, re.IGNORECASE) and " style=" not in html, path


def _xss_meeting(api):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = new_meeting(cr, venue=f"Hall{XSS}")
    item = propose(tl, mid, title=f"Title{XSS}", kind="information", description=f"Desc{XSS}",
                   translations={"th": {"title": f"แปล{XSS}"}, "en": {"title": f"</w:t></w:r><w:r><w:t>{XSS}"}})
    cr.post(f"/api/v1/meetings/{mid}/participants", json={"centre": "TL", "name": f"U Zaw{XSS}", "position": f"P{XSS}",
                                                          "attendance": "present"})
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    cr.post(f"/api/v1/meetings/{mid}/actions", json={"title": f"Act{XSS}", "owner_centre": "TL", "due": "2027-01-31"})
    assert cr.put(f"/api/v1/meetings/{mid}/minutes", json={
        "others_attending": f"Obs{XSS}", "recorder": f"Rec{XSS}", "checker": "Khun Lek",
        "items": {item: {"discussion": f"Disc{XSS}", "resolution": f"Res{XSS}",
                         "translations": {"th": {"discussion": f"อภิปราย{XSS}"}}}}}).status_code == 200
    return cr, mid


def test_user_text_is_escaped_on_the_pages(api, signed_in):
    _cr, mid = _xss_meeting(api)
    for who in ("CR", "TL"):
        html = signed_in("secretariat", who).get(f"/meetings/{mid}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    html = signed_in("secretariat", "TL").get("/meetings/actions").get_data(as_text=True)
    assert "<script>alert" not in html and "Act&#34;&gt;&lt;script&gt;" in html


def test_documents_show_markup_as_text(api, tmp_path):
    import subprocess
    cr, mid = _xss_meeting(api)
    for doc in ("agenda", "minutes"):
        r = cr.get(f"/api/v1/meetings/{mid}/{doc}.docx")
        assert r.status_code == 200
        text_ = docx_text(r.data)
        assert f"Title{XSS}" in text_ and f"</w:t></w:r><w:r><w:t>{XSS}" in text_
        xml = zipfile.ZipFile(io.BytesIO(r.data)).read("word/document.xml").decode()
        assert "<script>" not in xml and "&lt;/w:t&gt;" in xml
    r = cr.get(f"/api/v1/meetings/{mid}/minutes.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    path = tmp_path / "minutes.pdf"
    path.write_bytes(r.data)
    text_ = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    text_ = text_.replace("\u200b", "").replace("\n", "")
    assert "Disc\"><script>alert(1)</script>" in text_ and "U Zaw\"><script>" in text_
    assert "<img src=x onerror=alert(1)>" in text_
