"""Identification rules: the clocks (with frozen clocks and two time zones), the child rule, the
members rule, decision history, encryption, auditing and centre scoping."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from border_referral.audit import verify
from border_referral.audit.models import AuditRecord
from border_referral.cases import services as cases
from border_referral.crypto.fields import Sealed
from border_referral.errors import Conflict, NotFound, PermissionDenied, ValidationError
from border_referral.screening import clocks, services
from border_referral.screening.models import Screening, ScreeningDecision
from tests.conftest import principal
from tests.screening.conftest import INTERVIEW, MEMBERS

pytestmark = pytest.mark.usefixtures("demo")
UTC = timezone.utc


def test_custody_deadline_is_24_hours_after_the_start(db, screen):
    _c, sid = screen(custody_started_at="2026-11-20T09:00+07:00")
    with db() as s:
        sc = s.get(Screening, sid)
        assert sc.custody_deadline == datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("centre, utc_hour", [("CR", 16), ("TL", 17)])
def test_custody_starting_at_2330_local_time_in_each_time_zone(db, screen, centre, utc_hour):
    # A form sends local time without an offset: 23:30 in Chiang Rai is 16:30 UTC, in Tachileik 17:00 UTC.
    _c, sid = screen(centre=centre, custody_started_at="2026-11-20T23:30")
    with db() as s:
        sc = s.get(Screening, sid)
        minute = 30 if centre == "CR" else 0
        assert sc.custody_started_at == datetime(2026, 11, 20, utc_hour, minute, tzinfo=UTC)
        if centre == "TL":  # Myanmar law sets no custody limit: the time is kept, no Thai clock runs
            assert sc.custody_deadline is None
            return
        assert sc.custody_deadline == datetime(2026, 11, 21, utc_hour, minute, tzinfo=UTC)
        tz = ZoneInfo("Asia/Bangkok")
        assert sc.custody_deadline.astimezone(tz).strftime("%d %H:%M") == "21 23:30"


def test_court_extension_up_to_seven_days_with_an_order_number(db, screen):
    _c, sid = screen(custody_started_at="2026-11-10T08:00+07:00", court_extension_until="2026-11-17T08:00+07:00",
                     court_order_number="Kor.123/2569")
    with db() as s:
        assert s.get(Screening, sid).custody_deadline == datetime(2026, 11, 17, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("data, field", [
    ({"custody_started_at": "2026-11-10T08:00+07:00", "court_extension_until": "2026-11-17T08:01+07:00",
      "court_order_number": "1/2569"}, "court_extension_until"),
    ({"custody_started_at": "2026-11-10T08:00+07:00", "court_extension_until": "2026-11-12T08:00+07:00"},
     "court_order_number"),
    ({"custody_started_at": "2026-11-10T08:00+07:00", "court_extension_until": "2026-11-10T20:00+07:00",
      "court_order_number": "1/2569"}, "court_extension_until"),
    ({"court_extension_until": "2026-11-12T08:00+07:00", "court_order_number": "1/2569"}, "court_extension_until"),
    ({"custody_started_at": "2026-11-10T08:00+07:00", "custody_ended_at": "2026-11-10T07:00+07:00"}, "custody_ended_at"),
    ({"custody_started_at": "2999-01-01T08:00+07:00"}, "custody_started_at"),
    ({"custody_started_at": "yesterday"}, "custody_started_at"),
])
def test_bad_custody_input_is_refused_and_writes_nothing(db, make_case, data, field):
    cid = make_case()
    with db() as s:
        with pytest.raises(ValidationError) as err:
            services.create_screening(s, principal(s, "case", "CR"), cid, data)
        assert err.value.field == field
        s.rollback()
        assert s.execute(select(Screening)).first() is None


def test_interview_end_before_start_is_refused(db, screen):
    _c, sid = screen()
    with db() as s:
        sc = s.get(Screening, sid)
        with pytest.raises(ValidationError) as err:
            services.record_interview(s, principal(s, "case", "CR"), sid,
                                      {**INTERVIEW, "interview_ended_at": "2026-11-20T09:00"}, sc.version)
        assert err.value.field == "interview_ended_at"


def test_personal_content_is_encrypted_and_reading_is_audited(db, screen):
    _c, sid = screen(interview={}, first_account="I came to work at a restaurant")
    with db() as s:
        sc = s.get(Screening, sid)
        assert isinstance(sc.narrative, Sealed) and b"restaurant" not in bytes(sc.narrative)
        assert b"30,000" not in bytes(sc.indicator_notes)
        v = services.read_screening(s, principal(s, "case", "CR"), sid)
        assert v.values["indicators"]["debt_bondage"] == "observed"
        assert v.values["indicator_notes"]["debt_bondage"] == "Owed 30,000 baht to the broker"
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "screening.read")).scalars().all()[-1]
        assert rec.target_id == sid and "narrative" in rec.details and "restaurant" not in rec.details
        assert verify(s).ok


def test_viewers_do_not_see_the_interview_narrative_or_notes(db, screen):
    _c, sid = screen(interview={}, first_account="first words")
    with db() as s:
        v = services.read_screening(s, principal(s, "viewer", "CR"), sid)
        assert v.values["indicators"]["deception"] == "observed"
        assert not {"narrative", "indicator_notes", "first_account"} & set(v.values)
        with pytest.raises(PermissionDenied):
            services.decide(s, principal(s, "viewer", "CR"), sid, {"outcome": "victim", "reasons": "x", "members": MEMBERS})
        with pytest.raises(PermissionDenied):
            services.read_screening(s, principal(s, "secretariat", "CR"), sid)


@pytest.mark.parametrize("role", ["case", "viewer", "admin", "secretariat"])
def test_another_centre_gets_not_found(db, screen, role):
    _c, sid = screen(interview={})
    with db() as s:
        actor = principal(s, role, "TL")
        with pytest.raises(NotFound):
            services.read_screening(s, actor, sid)
        with pytest.raises(NotFound):
            services.decide(s, actor, sid, {"outcome": "victim", "reasons": "x", "members": MEMBERS})
        with pytest.raises(NotFound):
            services.update_custody(s, actor, sid, {"custody_ended_at": "2026-11-20T10:00+07:00"}, 1)


def test_decision_needs_the_required_members(db, screen):
    _c, sid = screen(interview={})
    with db() as s:
        actor = principal(s, "case", "CR")
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, {"outcome": "victim", "reasons": "Indicators observed",
                                            "members": MEMBERS[:1]})
        assert err.value.field == "members" and err.value.details["missing"] == ["social_development"]
        assert "Social development officer" in str(err.value.message)
        # the centre may require more members
        services.set_required_agencies(s, principal(s, "admin", "CR"), ["police", "social_development", "labour"])
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, {"outcome": "victim", "reasons": "x", "members": MEMBERS})
        assert err.value.details["missing"] == ["labour"]


def test_adult_victim_needs_the_means_a_child_does_not(db, screen, make_case):
    no_means = {"means": [], "interview_at": "2026-11-20T10:00"}
    case_id, sid = screen(interview=no_means)
    decision = {"outcome": "victim", "reasons": "Act and purpose established", "members": MEMBERS,
                "decided_at": "2026-11-21T10:00+07:00"}
    with db() as s:
        actor = principal(s, "case", "CR")
        assert services.read_screening(s, actor, sid).elements.met is False
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, decision)
        assert err.value.field == "outcome"
    # The person's age is corrected to 16: the means are no longer needed.
    with db() as s:
        actor = principal(s, "case", "CR")
        case, _v = cases.read_case(s, actor, case_id)
        cases.update_case(s, actor, case_id, {"date_of_birth": None, "age_estimate": 16}, case.version)
    with db() as s:
        actor = principal(s, "case", "CR")
        view = services.read_screening(s, actor, sid)
        assert view.elements.child is True and view.elements.met is True
        d = services.decide(s, actor, sid, decision)
        assert d.outcome == "victim"


def test_victim_decision_starts_the_reflection_period_from_the_local_date(db, screen):
    # 00:30 in Chiang Rai on 21 Nov is still 20 Nov in UTC: the period counts from the local date.
    _c, sid = screen(interview={}, pre_shelter_from="2026-11-19")
    with db() as s:
        d = services.decide(s, principal(s, "case", "CR"), sid, {
            "outcome": "victim", "reasons": "All elements", "members": MEMBERS, "decided_at": "2026-11-21T00:30+07:00"})
        assert d.decided_on == date(2026, 11, 21)
        assert d.reflection_ends == date(2027, 1, 5)  # 21 Nov + 45 days
        assert d.pre_shelter_ends == date(2026, 12, 4)  # 19 Nov + 15 days
        assert s.get(Screening, sid).outcome == "victim"


def test_not_victim_needs_the_outcome_and_has_no_reflection_period(db, screen):
    _c, sid = screen(interview={})
    with db() as s:
        actor = principal(s, "case", "CR")
        base = {"outcome": "not_victim", "reasons": "No indicators", "members": MEMBERS}
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, base)
        assert err.value.field == "not_victim_outcome"
        d = services.decide(s, actor, sid, {**base, "not_victim_outcome": "immigration"})
        assert d.reflection_ends is None and d.not_victim_outcome == "immigration"


def test_a_decision_is_changed_only_by_a_new_audited_one(db, screen):
    _c, sid = screen(interview={}, custody_started_at="2026-11-20T08:00+07:00")
    with db() as s:
        actor = principal(s, "case", "CR")
        first = services.decide(s, actor, sid, {"outcome": "at_risk", "reasons": "Unclear", "members": MEMBERS,
                                                "decided_at": "2026-11-20T18:00+07:00"})
        assert s.get(Screening, sid).custody_ended_at == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, {"outcome": "victim", "reasons": "Debt bondage", "members": MEMBERS})
        assert err.value.field == "change_reason"
        second = services.decide(s, actor, sid, {"outcome": "victim", "reasons": "Debt bondage", "members": MEMBERS,
                                                 "change_reason": "Employer's records found"})
        assert second.supersedes_id == first.id
        view = services.read_screening(s, actor, sid)
        assert [d.outcome for d, _v in view.decisions] == ["victim", "at_risk"]
        assert view.decisions[1][0].superseded and view.current_decision[0].id == second.id
        assert view.decisions[1][1]["reasons"] == "Unclear"  # history kept, unchanged
        actions = [r.action for r in s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()]
        assert "screening.decide" in actions and "screening.redecide" in actions
        assert s.execute(select(ScreeningDecision)).scalars().all().__len__() == 2


def test_stale_custody_edit_is_a_conflict(db, screen):
    _c, sid = screen(custody_started_at="2026-11-20T08:00+07:00")
    with db() as s:
        actor = principal(s, "case", "CR")
        services.update_custody(s, actor, sid, {"custody_ended_at": "2026-11-20T20:00+07:00"}, 1)
        with pytest.raises(Conflict):
            services.update_custody(s, actor, sid, {"custody_ended_at": "2026-11-20T21:00+07:00"}, 1)


def test_dashboard_clocks_with_a_frozen_clock(db, screen):
    _c1, held = screen(custody_started_at="2026-11-20T08:00+07:00")       # deadline 21 Nov 08:00 local
    _c2, late = screen(custody_started_at="2026-11-19T08:00+07:00")       # deadline 20 Nov 08:00 local
    _c3, victim = screen(interview={})
    _c4, _other = screen(centre="TL", custody_started_at="2026-11-20T08:00")
    with db() as s:
        actor = principal(s, "case", "CR")
        services.decide(s, actor, victim, {"outcome": "victim", "reasons": "x", "members": MEMBERS,
                                           "decided_at": "2026-10-10T10:00+07:00"})  # period ends 24 Nov
        now = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 12:00 in Chiang Rai
        board = services.dashboard(s, actor, now=now)
        assert [r.screening.id for r in board.custody] == [late, held]  # most urgent first
        assert board.custody[0].remaining.overdue and board.custody[0].remaining.hours_minutes == (4, 0)
        assert board.custody[1].remaining.seconds == 20 * 3600
        assert [r.screening.id for r in board.reflection] == [victim]
        assert board.reflection[0].until == date(2026, 11, 24) and board.reflection[0].days_left == 4
        assert {r.screening.id for r in board.undecided} == {held, late}
        # a week later the reflection period is over and no longer listed
        assert services.dashboard(s, actor, now=now + timedelta(days=8)).reflection == []


def test_dashboard_leaves_out_erased_cases(db, screen):
    case_id, sid = screen(custody_started_at="2026-11-20T08:00+07:00")
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), case_id, "entered_in_error")
    with db() as s:
        assert services.dashboard(s, principal(s, "case", "CR")).custody == []
        with pytest.raises(NotFound):
            services.read_screening(s, principal(s, "case", "CR"), sid)


def test_prescreening_of_an_unknown_person_opens_their_case(db):
    with db() as s:
        actor = principal(s, "case", "CR")
        sc = services.prescreen_new_case(s, actor, {"full_name": "နန်းဆွေ", "sex": "female", "nationality": "MM",
                                                    "age_estimate": 15},
                                         {"source": "labour_inspection", "prescreen_indicators": ["retention_of_documents"],
                                          "first_account": "My passport was taken"})
        case, values = cases.read_case(s, actor, sc.case_id)
        assert values["full_name"] == "နန်းဆွေ" and case.is_child and case.referral_source == "labour_inspection"
        with pytest.raises(ValidationError):
            services.prescreen_new_case(s, actor, {"full_name": "", "sex": "female", "nationality": "MM"}, {})


def test_shelters_are_a_managed_list(db, screen):
    _c, sid = screen(interview={})
    with db() as s:
        admin = principal(s, "admin", "CR")
        shelter = services.add_shelter(s, admin, "Chiang Rai Welfare Protection Centre")
        with pytest.raises(ValidationError):
            services.add_shelter(s, admin, "Chiang Rai Welfare Protection Centre")
        with pytest.raises(PermissionDenied):
            services.add_shelter(s, principal(s, "case", "CR"), "Another")
        actor = principal(s, "case", "CR")
        d = services.decide(s, actor, sid, {"outcome": "victim", "reasons": "x", "members": MEMBERS,
                                            "shelter_id": shelter.id})
        v = services.read_screening(s, actor, sid)
        assert v.current_decision[1]["shelter"]["name"] == "Chiang Rai Welfare Protection Centre"
        assert d.id == v.current_decision[0].id
        services.set_shelter_active(s, admin, shelter.id, False)
        with pytest.raises(ValidationError) as err:
            services.decide(s, actor, sid, {"outcome": "victim", "reasons": "x", "members": MEMBERS,
                                            "shelter_id": shelter.id, "change_reason": "moved"})
        assert err.value.field == "shelter_id"


def test_clock_arithmetic():
    start = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    from border_referral.centres.jurisdictions import profile_for_country
    custody = profile_for_country("TH").clocks.custody  # the clock itself is the law's (s.29)
    assert (custody.hours, custody.court_extension_days) == (24, 7)
    assert clocks.remaining(start, start - timedelta(hours=5)).urgent
    assert not clocks.remaining(start, start - timedelta(hours=7)).urgent
    assert clocks.remaining(start, start + timedelta(minutes=90)).hours_minutes == (1, 30)
    assert clocks.local_date(start, "Asia/Yangon") == date(2026, 11, 20)
    assert clocks.local_date(start + timedelta(minutes=60), "Asia/Yangon") == date(2026, 11, 21)
