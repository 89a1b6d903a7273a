"""Issue 14: meeting records are sealed at rest under the meeting's key, and erasure reaches them.

What the attack review found: agendas, minutes, participants and actions sat in clear in the
database (and so in every backup) and kept naming erased cases."""
import json

import pytest
from sqlalchemy import text

from border_referral.crypto.errors import IntegrityFailure
from border_referral.crypto.models import DataKey
from border_referral.database import session_scope
from border_referral.meetings import services
from border_referral.meetings.models import ActionItem, AgendaItem, Meeting, Minutes, Participant
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")

TEXTS = {"venue": "Wat Phra Kaew hall, Zqv room", "chair": "Pol. Col. Zqvchai", "title": "Zqv brokers in Mong La",
         "description": "Zqv route by the river", "participant": "Daw Zqv Mya", "position": "Zqv director",
         "discussion": "Zqv discussion of the route", "action": "Zqv share the list", "note": "Zqv half done"}


def _scene(s):
    cr, tl = principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL")
    m = services.create_meeting(s, cr, {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00",
                                        "venue": TEXTS["venue"], "chair": {"name": TEXTS["chair"]}})
    item = services.propose_item(s, tl, m.id, {"title": TEXTS["title"], "description": TEXTS["description"],
                                               "type": "decision",
                                               "translations": {"th": {"title": "Zqv นายหน้า", "description": ""}}})
    p = services.add_participant(s, tl, m.id, {"centre": "TL", "name": TEXTS["participant"],
                                                "position": TEXTS["position"], "attendance": "present"})
    services.decide_item(s, cr, item.id, "accept")
    services.close_agenda(s, cr, m.id)
    services.save_minutes(s, cr, m.id, {"recorder": "Zqv recorder", "items": {item.id: {
        "discussion": TEXTS["discussion"], "resolution": "Zqv agreed"}}})
    a = services.add_action(s, cr, m.id, {"title": TEXTS["action"], "owner_centre": "CR", "due": "2027-01-31"})
    services.update_action(s, cr, a.id, {"status": "in_progress", "note": TEXTS["note"], "version": a.version})
    return m.id, item.id, p.id, a.id


def _raw(s) -> str:
    """Every text column of the meeting tables, as the database holds it."""
    out = []
    for table in ("meeting", "agenda_item", "meeting_participant", "meeting_minutes", "meeting_action"):
        for row in s.execute(text(f"SELECT * FROM {table}")):
            out += [bytes(v).decode("utf-8", "replace") if isinstance(v, (bytes, memoryview)) else str(v) for v in row]
    return "\n".join(out)


def test_meeting_records_are_ciphertext_in_the_database_and_plain_to_members(db):
    with db() as s:
        mid, item_id, pid, aid = _scene(s)
    with db() as s:
        raw = _raw(s)
        assert "Zqv" not in raw, "a meeting text is in clear in the database"
        m = s.get(Meeting, mid)
        key = s.get(DataKey, m.key_id)
        assert key.wrapped is not None and key.centre_code == "CR"   # the host centre's KEK wraps it
        assert {s.get(Model, ident).key_id for Model, ident in
                ((AgendaItem, item_id), (Participant, pid), (Minutes, mid), (ActionItem, aid))} == {m.key_id}
    with db() as s:  # a member of the partnership reads every text back
        tl = principal(s, "secretariat", "TL")
        m = services.meeting_for(s, tl, mid)
        assert (m.venue, m.chair_name) == (TEXTS["venue"], TEXTS["chair"])
        item = s.get(AgendaItem, item_id)
        assert (item.title, item.description) == (TEXTS["title"], TEXTS["description"])
        assert json.loads(item.translations)["th"]["title"] == "Zqv นายหน้า"
        (participant, _centre), = services.participants(s, tl, mid)
        assert (participant.name, participant.position) == (TEXTS["participant"], TEXTS["position"])
        minutes = services.minutes_of(s, mid)
        assert json.loads(minutes.items)[item_id]["discussion"] == TEXTS["discussion"]
        action = s.get(ActionItem, aid)
        assert action.title == TEXTS["action"] and json.loads(action.updates)[-1]["note"] == TEXTS["note"]


def test_a_changed_text_is_sealed_again_and_an_unchanged_one_is_left_alone(db):
    with db() as s:
        mid, item_id, _pid, aid = _scene(s)
        before = s.execute(text("SELECT title FROM meeting_action WHERE id = :id"), {"id": aid}).scalar_one()
        services.update_action(s, principal(s, "secretariat", "CR"), aid,
                               {"status": "done", "note": "Zqv all shared", "version": s.get(ActionItem, aid).version})
        s.flush()
        row = s.execute(text("SELECT title, updates FROM meeting_action WHERE id = :id"), {"id": aid}).one()
        assert bytes(row[0]) == bytes(before)           # the title did not change: same ciphertext
        assert b"Zqv" not in bytes(row[1])
        assert "Zqv all shared" in s.get(ActionItem, aid).updates  # and the object reads plain


def test_a_sealed_text_moved_to_another_record_does_not_open(db):
    """An attacker with the database cannot swap texts between rows: each is bound to its row and field."""
    with db() as s:
        _mid, item_id, _pid, aid = _scene(s)
        title = s.execute(text("SELECT title FROM agenda_item WHERE id = :id"), {"id": item_id}).scalar_one()
        s.execute(text("UPDATE meeting_action SET title = :t WHERE id = :id"), {"t": bytes(title), "id": aid})
    with db() as s, pytest.raises(IntegrityFailure):
        s.get(ActionItem, aid)


def test_a_destroyed_meeting_key_leaves_nothing_readable(db):
    """Crypto-shredding works for meetings as for cases: without the key the texts are gone."""
    from border_referral.crypto import envelope
    from border_referral.crypto.errors import KeyUnavailable

    with db() as s:
        mid, *_ = _scene(s)
        envelope.destroy(s.get(DataKey, s.get(Meeting, mid).key_id))
    with db() as s, pytest.raises(KeyUnavailable):
        s.get(Meeting, mid)


def test_erasure_blots_the_case_number_out_of_every_meeting_text(db, make_case):
    from border_referral.cases import services as cases
    from border_referral.cases.models import Case

    keep, gone = make_case(centre="TL"), make_case(centre="TL")
    with db() as s:
        numbers = {cid: s.get(Case, cid).case_number for cid in (keep, gone)}
        cr, tl = principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL")
        m = services.create_meeting(s, cr, {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00", "venue": "Hall"})
        n, k = numbers[gone], numbers[keep]
        item = services.propose_item(s, tl, m.id, {
            "title": f"Return of {n}", "description": f"{n} and {k} arrive together; not {n}0", "type": "decision",
            "references": [k, n], "translations": {"th": {"title": f"การส่งกลับ {n}", "description": ""}}})
        services.decide_item(s, cr, item.id, "accept")
        services.close_agenda(s, cr, m.id)
        services.save_minutes(s, cr, m.id, {"items": {item.id: {"discussion": f"{n} is in the shelter",
                                                                  "resolution": f"Return {k}"}}})
        a = services.add_action(s, cr, m.id, {"title": f"Travel document for {n}", "owner_centre": "CR",
                                              "due": "2027-01-31"})
        ids = (m.id, item.id, a.id)
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "TL"), gone, "data_subject_request")
    with db() as s:
        mid, item_id, aid = ids
        item, minutes, action = s.get(AgendaItem, item_id), s.get(Minutes, mid), s.get(ActionItem, aid)
        everything = " ".join([item.title, item.description, item.translations, item.references, minutes.items,
                               action.title])
        assert n not in everything.replace(f"{n}0", ""), "the erased case is still named"
        assert item.title == "Return of […]" and item.reference_list == [k]
        assert item.description == f"[…] and {k} arrive together; not {n}0"   # another number stays
        assert json.loads(minutes.items)[item_id] == {"discussion": "[…] is in the shelter",
                                                      "resolution": f"Return {k}", "translations": {}}
        assert action.title == "Travel document for […]"
        logged = s.execute(text("SELECT action, details FROM audit_record WHERE action LIKE '%.case_erased'")).all()
        assert {a for a, _d in logged} == {"agenda_item.case_erased", "meeting_minutes.case_erased",
                                           "meeting_action.case_erased"}
        assert all(n not in d for _a, d in logged)


def test_migration_0015_seals_the_meetings_of_the_release_before_and_the_downgrade_opens_them(old_release):
    from border_referral.cli import migrate
    from tests.conftest import _downgrade

    app, engine = old_release("0014")
    mid, iid = "0b6c3c1e-6f43-4d3e-9c55-1a2b3c4d5e6f", "1b6c3c1e-6f43-4d3e-9c55-1a2b3c4d5e6f"
    with app.app_context():
        with engine.connect() as conn:  # a meeting with its records as release 0014 wrote them
            ids = dict(conn.execute(text("SELECT code, id FROM centre WHERE code IN ('CR', 'TL')")).all())
            pid = conn.execute(text("SELECT id FROM partnership WHERE code = 'CR-TL'")).scalar_one()
            conn.execute(text(
                "INSERT INTO meeting (id, partnership_id, number, year, host_centre_id, chair_name, chair_centre_id, "
                "starts_at, venue, languages, state, agenda_version, created_at, version) VALUES (:id, :p, 13, 2019, "
                ":tl, 'U Zqv', :tl, CURRENT_TIMESTAMP, 'Zqv hall', 'th,my', 'agenda_closed', 1, CURRENT_TIMESTAMP, 1)"),
                {"id": mid, "p": pid, "tl": ids["TL"]})
            conn.execute(text(
                "INSERT INTO agenda_item (id, meeting_id, proposing_centre_id, title, description, language, "
                "translations, type, status, section, position, \"references\", created_at) VALUES (:id, :m, :tl, "
                "'Zqv title', 'Zqv description', 'my', '{}', 'decision', 'accepted', 5, 1, '', CURRENT_TIMESTAMP)"),
                {"id": iid, "m": mid, "tl": ids["TL"]})
            conn.execute(text(
                "INSERT INTO meeting_participant (meeting_id, centre_id, name, position, agency, attendance) "
                "VALUES (:m, :tl, 'Daw Zqv', 'Zqv officer', '', 'present')"), {"m": mid, "tl": ids["TL"]})
            conn.execute(text(
                "INSERT INTO meeting_minutes (meeting_id, language, others_attending, recorder, checker, items, state, "
                "corrections, version) VALUES (:m, 'my', '', 'Zqv recorder', '', :items, 'draft', '[]', 1)"),
                {"m": mid, "items": json.dumps({iid: {"discussion": "Zqv talk", "resolution": "", "translations": {}}})})
            conn.execute(text(
                "INSERT INTO meeting_action (id, meeting_id, partnership_id, title, owner_centre_id, due, status, "
                "updates, created_at, version) VALUES ('2b6c3c1e-6f43-4d3e-9c55-1a2b3c4d5e6f', :m, :p, 'Zqv action', "
                ":tl, '2027-01-31', 'open', '[]', CURRENT_TIMESTAMP, 1)"), {"m": mid, "p": pid, "tl": ids["TL"]})
            conn.commit()
        migrate(app, "head")
        with app.test_request_context(), session_scope() as s:
            assert "Zqv" not in _raw(s)
            tl = principal(s, "secretariat", "TL")
            m = services.meeting_for(s, tl, mid)
            assert (m.venue, m.chair_name) == ("Zqv hall", "U Zqv")
            assert s.get(AgendaItem, iid).title == "Zqv title"
            assert services.participants(s, tl, mid)[0][0].name == "Daw Zqv"
            assert "Zqv talk" in services.minutes_of(s, mid).items
            assert [r.action.title for r in services.actions(s, tl)] == ["Zqv action"]
        _downgrade(app, "0014")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT venue, chair_name FROM meeting")).one() == ("Zqv hall", "U Zqv")
            assert conn.execute(text("SELECT name FROM meeting_participant")).scalar_one() == "Daw Zqv"
            assert "Zqv talk" in conn.execute(text("SELECT items FROM meeting_minutes")).scalar_one()
