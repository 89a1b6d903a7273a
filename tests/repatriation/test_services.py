"""Repatriation rules, both directions: steps and their sides, readiness, stops, the manifest, the
handover, reception, follow-ups, and the bad inputs of the issue."""
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from border_referral.audit import verify
from border_referral.database import session_scope
from border_referral.errors import Conflict, NotFound, PermissionDenied, ValidationError
from border_referral.repatriation import services
from border_referral.repatriation.models import Plan, PlanStep
from tests.cases.conftest import CANARY_MY
from tests.conftest import principal
from tests.repatriation.conftest import home_steps, host_steps

pytestmark = pytest.mark.usefixtures("demo")
HANDOVER = {"handed_over_at": datetime.now(timezone.utc).isoformat(), "crossing": "MSI-TCL",
            "officials": [{"name": "Pol. Col. Somsak", "position": "Superintendent", "side": "sending"},
                          {"name": "U Kyaw", "position": "Deputy Director, DSW", "side": "receiving"}]}


@pytest.mark.parametrize("host, home, direction", [("CR", "TL", "TH-MM"), ("TL", "CR", "MM-TH"), ("CK", "HX", "TH-LA"),
                                                   ("HX", "CK", "LA-TH")])
def test_plans_go_both_ways(db, plan, host, home, direction):
    pid, _ids = plan(host=host)
    with db() as s:
        p = s.get(Plan, pid)
        assert p.direction == direction and p.state == "planning"
        view = services.read_plan(s, principal(s, "viewer", home), pid)
        assert view.side == "home" and [st.key for st, _v, _w in view.steps] == [
            "family_tracing", "family_assessment", "nationality_verification", "consent", "legal_clearance", "arrangements"]


def test_steps_belong_to_their_side_and_the_plan_gets_ready(db, plan):
    pid, _ids = plan()
    with db() as s:
        with pytest.raises(PermissionDenied):  # the home side assesses the family
            services.record_step(s, principal(s, "case", "CR"), pid, "family_assessment", {"state": "done"})
        with pytest.raises(PermissionDenied):  # the host records the person's consent
            services.record_step(s, principal(s, "case", "TL"), pid, "consent", {"state": "done"})
        with pytest.raises(ValidationError):
            services.record_step(s, principal(s, "case", "TL"), pid, "family_tracing", {"state": "maybe"})
        host_steps(s, "CR", pid, "MSI-TCL")
        assert s.get(Plan, pid).state == "planning"
        assert services.open_steps(s, s.get(Plan, pid)) == ["family_tracing", "family_assessment", "nationality_verification"]
        with pytest.raises(Conflict):
            services.record_handover(s, principal(s, "case", "CR"), pid, HANDOVER)
        home_steps(s, "TL", pid)
        assert s.get(Plan, pid).state == "ready"
        view = services.read_plan(s, principal(s, "case", "CR"), pid)
        done_by = {st.key: st.done_by_centre_id for st, _v, _w in view.steps}
        assert done_by["consent"] != done_by["family_assessment"]  # every step says who did it
        assert verify(s).ok


def test_negative_family_assessment_stops_the_plan_with_an_alternative(db, plan):
    pid, ids = plan()
    with db() as s:
        tl = principal(s, "case", "TL")
        with pytest.raises(ValidationError) as err:
            services.record_step(s, tl, pid, "family_assessment", {"state": "failed", "note": "Family involved in the sale"})
        assert err.value.field == "alternative"
        services.record_step(s, tl, pid, "family_assessment", {"state": "failed", "note": "Family involved in the sale",
                                                              "alternative": "Long-term shelter in Thailand"})
        view = services.read_plan(s, principal(s, "case", "CR"), pid)
        assert view.plan.state == "stopped" and view.stop["alternative"] == "Long-term shelter in Thailand"
        with pytest.raises(Conflict):
            services.record_step(s, principal(s, "case", "CR"), pid, "consent", {"state": "done"})
    with db() as s:  # the person may go on a new plan now
        assert services.create_plan(s, principal(s, "case", "CR"), {"case_ids": ids, "to_centre": "TL"}).state == "planning"


@pytest.mark.parametrize("data, field", [
    ({"planned_date": (date.today() - timedelta(days=1)).isoformat()}, "planned_date"),
    ({"crossing": "CKG-HXY"}, "crossing"),
    ({"to_centre": "MW"}, "to_centre"),
    ({"to_centre": "CR"}, "to_centre"),
    ({"case_ids": []}, "case_ids"),
    ({"case_ids": "x"}, "case_ids"),
])
def test_bad_plans_are_refused(db, make_case, data, field):
    cid = make_case()
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.create_plan(s, principal(s, "case", "CR"), {"case_ids": [cid], "to_centre": "TL", **data})
        assert err.value.field == field
        s.rollback()
        assert s.execute(select(Plan)).first() is None


def test_the_same_person_cannot_be_on_two_active_plans(db, plan):
    _pid, ids = plan()
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.create_plan(s, principal(s, "case", "CR"), {"case_ids": ids, "to_centre": "TL"})
        assert "CR-" in str(err.value.message)


def test_other_centres_do_not_see_a_plan(db, plan):
    pid, _ids = plan()
    with db() as s:
        for role in ("case", "viewer", "admin"):
            with pytest.raises(NotFound):
                services.read_plan(s, principal(s, role, "MS"), pid)
        with pytest.raises(PermissionDenied):
            services.read_plan(s, principal(s, "secretariat", "TL"), pid)


def test_manifest_needs_consent_and_shows_the_home_side_only_then(db, plan):
    pid, _ids = plan(n=3)
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        with pytest.raises(Conflict):
            services.send_manifest(s, cr, pid)
        assert all(pv.name is None for pv in services.read_plan(s, tl, pid).persons)
        host_steps(s, "CR", pid, "MSI-TCL")
        with pytest.raises(PermissionDenied):
            services.send_manifest(s, tl, pid)
        services.send_manifest(s, cr, pid)
        view = services.read_plan(s, tl, pid)
        assert [pv.name for pv in view.persons] == [CANARY_MY] * 3
        assert {row["sex"] for row in view.manifest["persons"]} == {"female"}
        assert view.manifest_late is False  # ten days ahead


def test_late_manifest_is_flagged(db, plan, demo):
    pid, _ids = plan()
    with db() as s:
        p = s.get(Plan, pid)
        p.planned_date = date.today() + timedelta(days=2)
        assert services.manifest_late(p) is True
        p.planned_date = date.today() + timedelta(days=3)
        assert services.manifest_late(p) is False


def test_handover_rules_minor_escort_and_travel_documents(db, plan):
    pid, ids = plan(ready=True, dob="2011-06-01")  # a child
    with db() as s:
        cr = principal(s, "case", "CR")
        with pytest.raises(ValidationError) as err:
            services.record_handover(s, cr, pid, HANDOVER)
        assert err.value.field == "persons"
        person = services.read_plan(s, cr, pid).persons[0].person
        services.set_escort(s, principal(s, "case", "TL"), pid, person.id, {"name": "Daw Mya (mother)", "relation": "mother"})
        with pytest.raises(ValidationError) as err:
            services.record_handover(s, cr, pid, {**HANDOVER, "crossing": "CKG-HXY"})
        assert err.value.field == "crossing"
        with pytest.raises(ValidationError) as err:
            services.record_handover(s, cr, pid, {**HANDOVER, "officials": HANDOVER["officials"][:1]})
        assert err.value.field == "officials"
        services.record_handover(s, cr, pid, HANDOVER)
        assert s.get(Plan, pid).state == "handed_over"


def test_without_a_travel_document_the_handover_is_recorded_with_a_warning(db, plan):
    pid, _ids = plan(ready=True, documents=False)
    with db() as s:
        services.record_handover(s, principal(s, "case", "CR"), pid, HANDOVER)
        view = services.read_plan(s, principal(s, "case", "TL"), pid)
        assert view.handover["without_travel_document"] == [view.persons[0].person.case_number]


def test_reception_by_the_home_side_and_follow_ups(db, plan):
    pid, _ids = plan(ready=True)
    with db() as s:
        services.record_handover(s, principal(s, "case", "CR"), pid, HANDOVER)
        with pytest.raises(PermissionDenied):
            services.confirm_reception(s, principal(s, "case", "CR"), pid, {})
        tl = principal(s, "case", "TL")
        services.confirm_reception(s, tl, pid, {"facility": "DSW temporary shelter, Tachileik"})
        services.confirm_reception(s, tl, pid, {})  # again: harmless
        view = services.read_plan(s, principal(s, "case", "CR"), pid)
        assert view.plan.state == "received"
        assert [f.months for f, _r, _l in view.follow_ups] == [1, 3, 6]
        first = view.follow_ups[0][0]
        assert first.due_on > date.today() and (first.due_on - date.today()).days in range(28, 32)
        with pytest.raises(PermissionDenied):
            services.submit_follow_up(s, principal(s, "case", "CR"), pid, first.id, "x")
        services.submit_follow_up(s, tl, pid, first.id, "Back with her family; attending school.")
        assert services.read_plan(s, principal(s, "case", "CR"), pid).follow_ups[0][1].startswith("Back with her family")


def test_lao_transit_centre_stay_is_at_most_seven_days(db, plan):
    pid, _ids = plan(host="CK", ready=True)
    with db() as s:
        services.record_handover(s, principal(s, "case", "CK"), pid, {**HANDOVER, "crossing": "CKG-HXY"})
        hx = principal(s, "case", "HX")
        today = datetime.now(ZoneInfo("Asia/Vientiane")).date()  # the receiving centre's own day
        with pytest.raises(ValidationError) as err:
            services.confirm_reception(s, hx, pid, {"stay_until": (today + timedelta(days=8)).isoformat()})
        assert err.value.field == "stay_until"
        services.confirm_reception(s, hx, pid, {"facility": "Transit centre, Vientiane",
                                               "stay_until": (today + timedelta(days=7)).isoformat()})


def test_two_officials_confirming_the_same_step_one_wins(app, db, plan):
    pid, _ids = plan()
    with db() as s:
        version = s.execute(select(PlanStep).where(PlanStep.plan_id == pid, PlanStep.key == "family_tracing")).scalar_one().version
    results = []

    def confirm(note):
        with app.test_request_context():
            try:
                with session_scope() as s:
                    services.record_step(s, principal(s, "case", "TL"), pid, "family_tracing",
                                         {"state": "done", "note": note, "version": version})
                results.append("ok")
            except Conflict:
                results.append("conflict")
            except Exception as exc:  # a database lock on SQLite shows as an error: count it as refused
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=confirm, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    with db() as s:
        step = s.execute(select(PlanStep).where(PlanStep.plan_id == pid, PlanStep.key == "family_tracing")).scalar_one()
        assert step.version == version + 1
        # and a later confirmation without the version read is a conflict, not an overwrite
        with pytest.raises(Conflict):
            services.record_step(s, principal(s, "case", "TL"), pid, "family_tracing", {"state": "not_required"})


def test_each_side_is_told_what_the_other_did_by_reference_only(db, plan):
    from border_referral.notifications.models import Notification

    pid, _ids = plan(ready=True)
    with db() as s:
        services.send_manifest(s, principal(s, "case", "CR"), pid)
        services.record_handover(s, principal(s, "case", "CR"), pid, HANDOVER)
        services.confirm_reception(s, principal(s, "case", "TL"), pid, {})
        reference = s.get(Plan, pid).reference

        def kinds(role, centre):
            user = principal(s, role, centre)
            return {n.kind for n in s.execute(select(Notification).where(Notification.user_id == user.id,
                                                                         Notification.subject_id == pid)).scalars()}
        assert {"plan_create", "plan_step", "plan_manifest", "plan_handover"} <= kinds("case", "TL")
        assert {"plan_step", "plan_reception"} <= kinds("supervisor", "CR")
        assert kinds("viewer", "TL") == set()
        notes = s.execute(select(Notification).where(Notification.subject_id == pid)).scalars().all()
        assert {n.reference for n in notes} == {reference}


def test_the_plan_list_asks_the_database_as_often_for_six_plans_as_for_one(db, plan, demo):
    from sqlalchemy import event

    def statements_for_the_list():
        seen = []
        engine = demo.extensions["br_engine"]

        def count(*_args):
            seen.append(1)
        with db() as s:
            actor = principal(s, "case", "CR")
            event.listen(engine, "before_cursor_execute", count)
            try:
                rows = services.list_plans(s, actor)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return len(rows), len(seen)

    plan()
    one = statements_for_the_list()
    for _ in range(5):
        plan()
    six = statements_for_the_list()
    assert (one[0], six[0]) == (1, 6) and six[1] == one[1]
