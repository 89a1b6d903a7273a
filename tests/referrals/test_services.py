"""Referral rules: the whole state machine (state x action x side x role), consent and override,
what crosses, withdrawal, deadlines with a frozen clock, escalation, duplicates, notifications."""
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from border_referral.audit import verify
from border_referral.audit.models import AuditRecord
from border_referral.crypto.errors import KeyUnavailable
from border_referral.crypto.vault import Vault
from border_referral.errors import Conflict, NotFound, PermissionDenied, ValidationError
from border_referral.cases import services as cases
from border_referral.cases.models import Case
from border_referral.referrals import services
from border_referral.notifications import services as notices
from border_referral.notifications.models import Notification
from border_referral.referrals.models import Escalation, Referral
from tests.conftest import principal
from tests.referrals.conftest import HEALTH_CANARY, PATHS, UNSHARED_CANARY, body, to_state

pytestmark = pytest.mark.usefixtures("demo")

# The specification, written out (not derived from the code): who may take each action, from which
# states, and where it leads.
SPEC = {
    "send": ("CR", {"draft"}, "sent"),
    "acknowledge": ("TL", {"sent"}, "acknowledged"),
    "accept": ("TL", {"acknowledged"}, "accepted"),
    "decline": ("TL", {"acknowledged"}, "declined"),
    "complete": ("CR", {"accepted"}, "completed"),
    "withdraw": ("CR", {"draft", "sent", "acknowledged", "accepted"}, "withdrawn"),
}
STATES = list(PATHS)


def expected(state, action, centre, role):
    side, sources, target = SPEC[action]
    if centre == "MS" or (centre == "TL" and state in ("draft", "withdrawn")):
        return NotFound
    if role in ("admin", "secretariat", "viewer"):
        return PermissionDenied
    if centre != side:
        return PermissionDenied
    if state == target:
        return "unchanged"
    if state not in sources:
        return Conflict
    return target


def test_the_whole_state_machine(db, make_case):
    checked = 0
    with db() as s:
        case_id = make_case()
        for state in STATES:
            for action in SPEC:
                for centre in ("CR", "TL", "MS"):
                    for role in ("case", "viewer", "admin", "secretariat"):
                        r = services.create_referral(s, principal(s, "case", "CR"), body(case_id))
                        to_state(s, r.id, state)
                        want = expected(state, action, centre, role)
                        actor = principal(s, role, centre)
                        if isinstance(want, type):
                            with pytest.raises(want):
                                services.perform(s, actor, r.id, action, {"reason": "Out of our area"})
                            assert s.get(Referral, r.id).state == state, (state, action, centre, role)
                        else:
                            services.perform(s, actor, r.id, action, {"reason": "Out of our area"})
                            assert s.get(Referral, r.id).state == (state if want == "unchanged" else want), \
                                (state, action, centre, role)
                        checked += 1
    assert checked == len(STATES) * len(SPEC) * 3 * 4


def test_repeating_an_action_is_harmless(db, referral):
    _c, rid = referral("sent")
    with db() as s:
        tl = principal(s, "case", "TL")
        first = services.perform(s, tl, rid, "acknowledge")
        at, version = first.acknowledged_at, first.version
        again = services.perform(s, tl, rid, "acknowledge")
        assert again.acknowledged_at == at and again.version == version
        assert len(s.execute(select(AuditRecord).where(AuditRecord.action == "referral.acknowledge")).all()) == 1


def test_allowed_actions_follow_the_side_the_state_and_the_role(db, referral):
    _c, draft = referral("draft")
    _c, sent = referral("sent")
    _c, done = referral("completed")
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        assert services.allowed_actions(cr, s.get(Referral, draft), "sender") == ["send", "withdraw"]
        assert services.allowed_actions(tl, s.get(Referral, sent), "receiver") == ["acknowledge"]
        assert services.allowed_actions(cr, s.get(Referral, sent), "sender") == ["withdraw"]
        assert services.allowed_actions(principal(s, "viewer", "TL"), s.get(Referral, sent), "receiver") == []
        assert services.allowed_actions(principal(s, "viewer", "CR"), s.get(Referral, draft), "sender") == []
        completed = s.get(Referral, done)
        assert services.allowed_actions(cr, completed, "sender") == []
        assert services.allowed_actions(tl, completed, "receiver") == []


def test_decline_needs_a_reason(db, referral):
    _c, rid = referral("acknowledged")
    with db() as s:
        with pytest.raises(ValidationError):
            services.perform(s, principal(s, "case", "TL"), rid, "decline", {"reason": " "})
        assert s.get(Referral, rid).state == "acknowledged"


def test_only_partner_centres(db, make_case):
    case_id = make_case()
    with db() as s:
        for code in ("MS", "MW", "CR", "XX", None, ["TL"]):
            with pytest.raises(ValidationError) as err:
                services.create_referral(s, principal(s, "case", "CR"), body(case_id, to_centre=code))
            assert err.value.field == "to_centre"
        # Tachileik (CR-TL) and Huay Xai (through the tri-country CR-TL-HX) are partners of Chiang Rai
        for code in ("TL", "HX"):
            assert services.create_referral(s, principal(s, "case", "CR"), body(case_id, to_centre=code)).state == "draft"


def test_consent_and_the_supervisors_override(db, make_case):
    case_id = make_case(date_of_birth="1990-01-01")
    child_id = make_case(date_of_birth="2012-01-01")
    with db() as s:
        case = principal(s, "case", "CR")
        with pytest.raises(ValidationError) as err:
            services.create_referral(s, case, body(case_id, consent={}))
        assert err.value.field == "consent"
        no = {"given": False}
        with pytest.raises(ValidationError) as err:
            services.create_referral(s, principal(s, "supervisor", "CR"), body(case_id, consent=no))
        assert err.value.field == "override_reason"
        with pytest.raises(PermissionDenied):
            services.create_referral(s, case, body(case_id, consent={**no, "override_reason": "Life at risk"}))
        r = services.create_referral(s, principal(s, "supervisor", "CR"),
                                     body(case_id, consent={**no, "override_reason": "Life at risk"}))
        assert r.consent_given is False and r.override_by_id == principal(s, "supervisor", "CR").id
        assert s.execute(select(AuditRecord).where(AuditRecord.action == "referral.consent_override")).first()
        view = services.read_referral(s, case, r.id)
        assert view.consent["override_reason"] == "Life at risk"
        # a child's consent names the parent or guardian
        with pytest.raises(ValidationError) as err:
            services.create_referral(s, case, body(child_id, consent={"given": True}))
        assert err.value.field == "guardian"
        assert verify(s).ok


def test_only_the_chosen_fields_cross_under_the_receivers_key(db, referral):
    _c, rid = referral("sent")
    with db() as s:
        r = s.get(Referral, rid)
        from border_referral.crypto.models import DataKey
        assert s.get(DataKey, r.package_key_id).centre_code == "TL"
        tl = services.read_referral(s, principal(s, "viewer", "TL"), rid)
        assert set(tl.package) == {"full_name", "sex", "nationality", "home_address"}
        assert tl.package["home_address"]["village"] == "Wan Kat"
        blob = repr(tl.package) + repr(tl.messages) + repr(tl.consent)
        assert UNSHARED_CANARY not in blob and HEALTH_CANARY not in blob and "Daw Aye" not in blob
        assert tl.consent is None  # the sender's consent record stays with the sender
        assert tl.messages[0][1] == "Please trace the family in Tachileik."
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "referral.read")
                        .order_by(AuditRecord.seq.desc())).scalars().first()
        assert rec.actor_centre == "TL" and "full_name" in rec.details and "Canary" not in rec.details


def test_a_sender_cannot_share_what_they_may_not_see(db, make_case):
    case_id = make_case()
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.create_referral(s, principal(s, "case", "CR"), body(case_id, shared_fields=["sexual_exploitation"]))
        assert err.value.field == "shared_fields"
        with pytest.raises(ValidationError):
            services.create_referral(s, principal(s, "case", "CR"), body(case_id, shared_fields="full_name"))


def test_withdrawal_revokes_access_and_shreds_the_package(db, referral):
    _c, rid = referral("accepted")
    with db() as s:
        services.add_message(s, principal(s, "case", "TL"), rid, "ယနေ့ မိသားစုကို တွေ့ပါပြီ", "my")
        services.perform(s, principal(s, "case", "CR"), rid, "withdraw")
    with db() as s:
        with pytest.raises(NotFound):
            services.read_referral(s, principal(s, "case", "TL"), rid)
        r = s.get(Referral, rid)
        assert r.package is None and r.package_destroyed_at is not None
        with pytest.raises(KeyUnavailable):
            Vault.open(s, r.package_key_id)
        view = services.read_referral(s, principal(s, "case", "CR"), rid)
        assert view.referral.state == "withdrawn" and view.package is None


def test_deadlines_and_overdue_with_a_frozen_clock(db, referral, demo):
    _c, rid = referral("sent")
    with db() as s:
        r = s.get(Referral, rid)
        sent = r.sent_at if r.sent_at.tzinfo else r.sent_at.replace(tzinfo=timezone.utc)
        assert r.ack_due_at.replace(tzinfo=timezone.utc) == sent + timedelta(hours=48)
        assert r.response_due_at.replace(tzinfo=timezone.utc) == sent + timedelta(days=30)  # family tracing
        assert services.overdue_kinds(r, sent + timedelta(hours=47)) == []
        assert services.overdue_kinds(r, sent + timedelta(hours=49)) == ["acknowledge"]
        later = sent + timedelta(days=31)
        assert services.overdue_kinds(r, later) == ["acknowledge", "respond"]
        for centre in ("CR", "TL"):
            rows = services.box(s, principal(s, "case", centre), "outbox" if centre == "CR" else "inbox",
                                overdue=True, now=later)
            assert [row.referral.id for row in rows] == [rid]
            assert services.counts(s, principal(s, "case", centre), now=later)["overdue"] == 1


def test_escalate_records_once_and_notifies_both_centres(db, referral):
    _c, rid = referral("sent")
    with db() as s:
        r = s.get(Referral, rid)
        when = r.sent_at.replace(tzinfo=timezone.utc) + timedelta(hours=50)
        done = services.escalate(s, now=when)
        assert [(x.id, k) for x, k in done] == [(rid, "acknowledge")]
        assert services.escalate(s, now=when + timedelta(hours=1)) == []  # once only
        assert s.execute(select(Escalation)).scalars().one().kind == "acknowledge"
        tl_users = {principal(s, role, "TL").id for role in ("case", "supervisor")}
        cr_users = {principal(s, role, "CR").id for role in ("case", "supervisor")}
        notified = {n.user_id for n in s.execute(select(Notification).where(Notification.kind == "overdue_acknowledge")).scalars()}
        assert tl_users | cr_users <= notified
        assert principal(s, "viewer", "TL").id not in notified


def test_myanmar_time_zone_shows_the_same_deadline(db, referral, demo):
    _c, rid = referral("sent")
    with db() as s:
        r = s.get(Referral, rid)
        due = r.ack_due_at.replace(tzinfo=timezone.utc)
        from border_referral.i18n import format_datetime
        with demo.test_request_context():
            yangon = format_datetime(due, locale="en", tz="Asia/Yangon")
            bangkok = format_datetime(due, locale="en", tz="Asia/Bangkok")
        local_y = due.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Yangon"))
        assert f"{local_y.hour % 12 or 12}:{local_y.minute:02d}" in yangon and yangon != bangkok


def test_duplicate_hint_reveals_only_that_a_match_exists(db, make_case, referral):
    # Tachileik already knows the person (same Burmese name) under its own case.
    make_case(centre="TL")
    _c, rid = referral("sent")
    with db() as s:
        r = s.get(Referral, rid)
        assert r.duplicates == ["full_name"]
        view = services.read_referral(s, principal(s, "case", "TL"), rid)
        assert view.referral.duplicates == ["full_name"]
    _c2, rid2 = referral("sent", to_centre="TL", shared_fields=["sex"])
    with db() as s:
        assert s.get(Referral, rid2).duplicates == []


def test_purge_after_the_retention_period(db, referral, demo):
    _c, rid = referral("completed")
    with db() as s:
        r = s.get(Referral, rid)
        closed = r.closed_at.replace(tzinfo=timezone.utc)
        assert services.purge(s, now=closed + timedelta(days=364)) == 0
        assert services.purge(s, now=closed + timedelta(days=366)) == 1
        assert s.get(Referral, rid).package_destroyed_at is not None
        view = services.read_referral(s, principal(s, "case", "TL"), rid)
        assert view.package is None


def test_thread_both_sides_with_languages_and_closed_threads(db, referral):
    _c, rid = referral("acknowledged")
    with db() as s:
        services.add_message(s, principal(s, "case", "TL"), rid, "မိသားစုကို ရှာဖွေနေပါသည်", "my")
        services.add_message(s, principal(s, "case", "CR"), rid, "ขอบคุณครับ", "th")
        view = services.read_referral(s, principal(s, "case", "CR"), rid)
        assert [(m.language, body) for m, body, _w in view.messages][-2:] == [("my", "မိသားစုကို ရှာဖွေနေပါသည်"), ("th", "ขอบคุณครับ")]
        with pytest.raises(PermissionDenied):
            services.add_message(s, principal(s, "viewer", "TL"), rid, "hi", "en")
        with pytest.raises(ValidationError):
            services.add_message(s, principal(s, "case", "TL"), rid, "hi", "fr")
        services.perform(s, principal(s, "case", "TL"), rid, "decline", {"reason": "Not in our province"})
        from border_referral.referrals.services import StateConflict
        with pytest.raises(StateConflict):
            services.add_message(s, principal(s, "case", "TL"), rid, "one more", "en")


def test_notifications_go_to_the_other_side_without_personal_data(db, referral):
    _c, rid = referral("sent")
    with db() as s:
        tl = principal(s, "case", "TL")
        assert notices.unread_count(s, tl) >= 1
        notes = notices.notifications(s, tl)
        assert notes and notes[0].row.kind == "send" and notes[0].row.reference.startswith("CR-TL-")
        assert notes[0].link == f"/referrals/{rid}"
        notices.notifications(s, tl, mark_read=True)
        assert notices.unread_count(s, tl) == 0
        assert services.counts(s, tl)["waiting"] == 1


def test_a_group_referral_shares_each_persons_fields(db, make_case):
    first = make_case(full_name="နန်းဆွေ", date_of_birth="1990-01-01")
    second = make_case(full_name="နန်းမြ", date_of_birth="1991-02-02")
    child = make_case(full_name="မောင်ကျော်", date_of_birth="2014-03-03")
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        with pytest.raises(ValidationError) as err:  # a child in the group: a guardian's consent is needed
            services.create_referral(s, cr, body(first, case_ids=[second, child], consent={"given": True}))
        assert err.value.field == "guardian"
        with pytest.raises(NotFound):  # only the caller's own cases
            services.create_referral(s, cr, body(first, case_ids=[make_case(centre="TL")]))
        r = services.create_referral(s, cr, body(first, case_ids=[second, child, first],
                                                 consent={"given": True, "guardian": "Daw Hla (mother)"}))
        services.perform(s, cr, r.id, "send")
        view = services.read_referral(s, tl, r.id)
        persons = view.package["persons"]
        assert [p["full_name"] for p in persons] == ["နန်းဆွေ", "နန်းမြ", "မောင်ကျော်"]
        assert all(set(p) <= {"case_number", "full_name", "sex", "nationality", "home_address"} for p in persons)
        assert view.package["full_name"] == "နန်းဆွေ"  # the first person stays at the top, as for one person
        assert {x.id for x in services.of_case(s, cr, s.get(Case, second))} == {r.id}
    # erasing one person of the group removes them from what the partner holds
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), second, "entered_in_error")
    with db() as s:
        persons = services.read_referral(s, principal(s, "case", "TL"), r.id).package["persons"]
        assert [p["full_name"] for p in persons] == ["နန်းဆွေ", "မောင်ကျော်"]
