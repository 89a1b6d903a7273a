"""Security review of joint meetings (threat-model tests).

`test_finding_*` demonstrate defects found in the review: they FAIL until the defect is fixed.
Every other test is a guard for behaviour that was checked and found sound; it must keep passing.

Some defects are 500s only on PostgreSQL (NUL bytes, values longer than their VARCHAR column). On
SQLite the NUL ones are made visible by `pg_strict` (it refuses NUL like psycopg does); the length
ones are asserted on what is stored (SQLite keeps over-long values silently). Run the file with
BR_TEST_DATABASE=postgresql+psycopg://postgres@127.0.0.1:5432/test to see the real 500s."""
from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from datetime import date, timedelta

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

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
XSS = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------- helpers

@pytest.fixture
def api(demo, token_for):
    """Factory: a JSON client with the bearer token of a demo user."""
    tokens = {}

    def make(role="secretariat", centre="CR"):
        c = demo.test_client()
        if (role, centre) not in tokens:
            tokens[role, centre] = token_for(role, centre)
        h = {"Authorization": f"Bearer {tokens[role, centre]}"}

        class Api:
            def __getattr__(self, method):
                def call(path, **kw):
                    return getattr(c, method)(path, headers={**h, **kw.pop("headers", {})}, **kw)
                return call
        return Api()
    return make


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
def test_finding_receiver_can_reference_partners_unsent_or_withdrawn_referral(api, referral, demo, state):
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


def test_finding_referral_outside_the_partnership_is_published_to_its_members(api, referral, demo):
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

def test_finding_participants_and_attendance_change_after_adoption(api, demo):
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


def test_finding_adopted_minutes_lose_matters_arising_when_the_action_is_done(api, demo):
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
    assert cr.post(f"/api/v1/meetings/{m2}/minutes/adopt", json={"in_meeting": m3}).status_code == 200
    assert "Zqxj list half shared" in docx_text(tl.get(f"/api/v1/meetings/{m2}/minutes.docx").data)
    agenda_before = tl.get(f"/api/v1/meetings/{m2}/agenda").json
    assert tl.post(f"/api/v1/meeting-actions/{act}", json={"status": "done"}).status_code == 200
    assert tl.get(f"/api/v1/meetings/{m2}/agenda").json == agenda_before, "the closed agenda changed"
    assert "Zqxj list half shared" in docx_text(tl.get(f"/api/v1/meetings/{m2}/minutes.docx").data), \
        "adopted minutes lost their matters-arising record"


# ---- lost updates on the minutes

def test_finding_first_minutes_form_overwrites_a_draft_saved_meanwhile(signed_in, api, demo):
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


def test_finding_minutes_api_overwrites_without_a_version(api, demo):
    """PUT /minutes without `version` replaces existing minutes unconditionally (no lost-update guard)."""
    cr = api()
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    assert cr.put(f"/api/v1/meetings/{mid}/minutes", json={"recorder": "Khun Dao"}).status_code == 200
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"recorder": "Someone else"})
    assert r.status_code in (409, 422), "existing minutes replaced without a version"


def test_finding_concurrent_first_minutes_saves_are_a_500(api, demo):
    """Two first saves at once: both read "no minutes", both INSERT; the loser's IntegrityError is not
    caught (services._save catches StaleDataError only) -> 500 instead of 409."""
    cr = api()
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

def test_finding_meeting_number_race_on_the_form_is_a_500(signed_in, demo):
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

def test_finding_overlong_meeting_number_is_a_500(api, signed_in, demo):
    """create_meeting accepts any str.isdecimal() and calls int() on it: more than 4300 digits raise
    ValueError (Python's int-string limit) -> 500, via the API and the form."""
    r = api().post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                             "venue": "x", "number": "1" * 5000})
    assert r.status_code == 422, r.status_code
    r = signed_in("secretariat", "CR").post_form("/meetings/new", {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00",
                                                                  "venue": "x", "number": "1" * 5000})
    assert r.status_code == 422, r.status_code
    assert count(demo, Meeting) == 0


@pytest.mark.parametrize("value", ["²³:00", "09:⁵⁹"])
def test_finding_superscript_digits_in_minutes_times_are_a_500(api, value):
    """_hhmm checks str.isdigit() (true for superscripts) and then calls int() (which refuses them)."""
    cr = api()
    mid = new_meeting(cr)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"opened_at": value})
    assert r.status_code == 422, r.status_code


@pytest.mark.usefixtures("pg_strict")
def test_finding_nul_in_references_and_partnership_filter_reaches_the_database(api, signed_in, demo):
    """_references queries with whatever string it gets, and actions(partnership=...) looks the code up
    without is_code(): a NUL byte is a DataError (500) on PostgreSQL."""
    cr = api()
    mid = new_meeting(cr)
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "other", "references": ["CR-\x00"]})
    assert r.status_code == 422, r.status_code
    assert cr.get("/api/v1/meeting-actions?partnership=CR%00").status_code < 500
    assert signed_in("secretariat", "CR").get("/meetings/actions?partnership=CR%00").status_code < 500


def test_finding_translations_longer_than_their_column(api, demo):
    """Each translation may have a 500-character title and a 5000-character description, in four
    languages: the JSON exceeds agenda_item.translations VARCHAR(20000). PostgreSQL: 500; SQLite: stored
    beyond the declared size."""
    cr = api()
    mid = new_meeting(cr)
    tr = {lang: {"title": "T" * 500, "description": "D" * 5000} for lang in ("th", "my", "lo", "en")}
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "other", "translations": tr})
    assert r.status_code == 422, r.status_code


def test_finding_minutes_items_longer_than_their_column(api, demo):
    """Per item 20000 + 5000 characters plus four translations of the same: two items exceed
    meeting_minutes.items VARCHAR(200000)."""
    cr = api()
    mid = new_meeting(cr)
    items = [propose(cr, mid, title=f"Item {n}") for n in range(2)]
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    entry = {"discussion": "d" * 20000, "resolution": "r" * 5000,
             "translations": {lang: {"discussion": "d" * 20000, "resolution": "r" * 5000} for lang in ("th", "my", "lo")}}
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={"items": {i: entry for i in items}})
    assert r.status_code < 500
    mins = stored(demo, Minutes, mid)
    assert r.status_code == 422 or mins is None or len(mins.items) <= 200000, len(mins.items)


def test_finding_action_updates_grow_past_their_column(api, demo):
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


def test_finding_corrections_grow_past_their_column(api, demo):
    """correct_minutes appends 5000 + 2000 characters a time to meeting_minutes.corrections
    (VARCHAR(50000)) without bound: the eighth correction is a 500 on PostgreSQL."""
    cr, _tl, m1, _m2, item = adopted_series(api)
    for n in range(8):
        r = cr.post(f"/api/v1/meetings/{m1}/minutes/corrections", json={"item": item, "text": f"{n}" + "t" * 4990,
                                                                         "reason": "r" * 1990})
        assert r.status_code < 500, (n, r.status_code)
    assert len(stored(demo, Minutes, m1).corrections) <= 50000


@pytest.mark.parametrize("char", ["\uffff", "\ufffe"])
def test_finding_noncharacter_in_a_title_breaks_the_word_documents(api, demo, char):
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

def test_finding_host_adopts_its_own_minutes_at_a_meeting_it_just_created(api, demo):
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

def test_finding_merged_or_rejected_item_can_be_accepted_again(api, demo):
    """decide_item does not look at the item's status: a merged item is accepted again (keeping its
    merged_into), a rejected one is put back on an agenda that is already closed."""
    cr = api()
    mid = new_meeting(cr)
    a, b, c = (propose(cr, mid, title=t) for t in ("A", "B", "C"))
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{a}/merge", json={"into": b}).status_code == 200
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{c}/reject").status_code == 200
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    version = cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"]
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{a}/accept").status_code == 409, "merged item revived"
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{c}/accept").status_code == 409, "rejected item revived"
    assert cr.get(f"/api/v1/meetings/{mid}").json["agenda_version"] == version


def test_finding_item_deferred_after_the_next_meeting_exists_is_lost(api, demo):
    """Deferred items are copied only when the next meeting is created: an item deferred after that
    is 'Deferred to the next meeting' but appears at no meeting."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = new_meeting(cr)
    item = propose(tl, m1, title="Hotline numbers", kind="information")
    m2 = new_meeting(tl, starts_at="2027-03-10T09:00:00+06:30")
    assert cr.post(f"/api/v1/meetings/{m1}/agenda-items/{item}/defer").status_code == 200
    titles = [p["title"] for p in tl.get(f"/api/v1/meetings/{m2}").json["proposals"]]
    assert "Hotline numbers" in titles
