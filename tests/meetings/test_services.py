"""Meeting rules: numbering, host alternation, proposals and the closed agenda, ordering into the
right sections, carried-forward actions, deferred items, minutes drafted, checked, adopted, locked."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from border_referral.errors import Conflict, NotFound, PermissionDenied, ValidationError
from border_referral.meetings import services
from border_referral.meetings.models import AgendaItem, Minutes
from tests.cases.conftest import make_case  # noqa: F401  (a fixture)
from tests.conftest import principal, translated

pytestmark = pytest.mark.usefixtures("demo")


def _meeting(s, centre="CR", partnership="CR-TL", **over):
    data = {"partnership": partnership, "starts_at": "2026-12-10T09:00", "venue": "Chiang Rai Provincial Hall", **over}
    return services.create_meeting(s, principal(s, "secretariat", centre), data)


def test_numbering_year_and_host_alternation(db):
    with db() as s:
        first = _meeting(s, number=13)
        assert (first.number, first.year) == (13, 2026)
        second = _meeting(s, "TL")
        third = _meeting(s, "CR")
        assert second.number == 14 and third.number == 15
        from border_referral.centres.models import Centre
        codes = [s.get(Centre, m.host_centre_id).code for m in (first, second, third)]
        assert codes == ["CR", "TL", "CR"]
        with pytest.raises(Conflict):
            _meeting(s, number=14)
        with pytest.raises(ValidationError):
            _meeting(s, partnership="MS-MW")  # not a partnership of Chiang Rai
        with pytest.raises(PermissionDenied):
            services.create_meeting(s, principal(s, "case", "CR"), {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00",
                                                                    "venue": "x"})


def test_the_number_runs_on_across_years_with_the_year_beside_it(db, demo):
    """Issue 13: "ครั้งที่ 13 (พ.ศ. 2562)", the 13th meeting of the series, not the 13th of the year."""
    from border_referral.centres.models import Partnership
    from border_referral.meetings.labels import meeting_number, meeting_title
    with db() as s:
        m = _meeting(s, number=13, starts_at="2019-09-24T09:00")
        p = s.get(Partnership, m.partnership_id)
        for locale, year in (("th", "พ.ศ. 2562"), ("my", "2019"), ("lo", "2019"), ("en", "2019")):
            number = meeting_number(m, locale)
            assert number == translated(demo, locale, "Meeting no. %(number)s (%(year)s)", number=13, year=year)
            assert f"13 ({year})" in number and "13/" not in number
            title = meeting_title(m, p, locale)
            assert title == translated(demo, locale, "Joint meeting no. %(number)s (%(year)s) of %(partnership)s",
                                       number=13, year=year, partnership=p.name(locale))
            assert f"13 ({year})" in title and "13/" not in title
        assert meeting_number(m, "en") == "Meeting no. 13 (2019)"


def test_numbering_is_one_series_per_partnership_across_years(db):
    from border_referral.meetings.models import Meeting
    with db() as s:
        first = _meeting(s, starts_at="2025-11-20T09:00")
        second = _meeting(s, "TL", starts_at="2026-03-10T09:00")
        other = _meeting(s, "MS", partnership="MS-MW", starts_at="2026-03-11T09:00")
        assert (first.number, first.year) == (1, 2025)
        assert (second.number, second.year) == (2, 2026)  # not 1: the series counts on across years
        assert (other.number, other.year) == (1, 2026)    # each partnership has its own series
        assert s.get(Meeting, second.id).number == 2


def test_the_host_alternates_across_three_meetings_of_cr_tl(db):
    from border_referral.centres.models import Centre
    with db() as s:
        meetings = [_meeting(s, "CR", starts_at=f"202{n}-06-01T09:00") for n in (6, 7, 8)]  # no host chosen
        assert [s.get(Centre, m.host_centre_id).code for m in meetings] == ["CR", "TL", "CR"]
        assert [m.number for m in meetings] == [1, 2, 3]


def test_the_chair_is_recorded_host_centre_by_default_and_only_of_a_member_centre(db):
    from border_referral.centres.models import Centre
    with db() as s:
        cr, tl = principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL")
        m = _meeting(s, chair={"name": "นายสมชาย ใจดี"})
        assert m.chair_name == "นายสมชาย ใจดี" and s.get(Centre, m.chair_centre_id).code == "CR"  # the host
        plain = _meeting(s, "TL")
        assert plain.chair_name is None and s.get(Centre, plain.chair_centre_id).code == "TL"
        with pytest.raises(ValidationError) as err:
            _meeting(s, chair={"name": "Someone", "centre": "MS"})  # Mae Sot is not in CR-TL
        assert err.value.field == "chair_centre" and err.value.status == 422
        with pytest.raises(ValidationError):
            _meeting(s, chair="Someone")
        services.set_chair(s, cr, m.id, {"chair": {"name": "U Aung", "centre": "TL"}, "version": m.version})
        assert m.chair_name == "U Aung" and s.get(Centre, m.chair_centre_id).code == "TL"
        with pytest.raises(ValidationError) as err:
            services.set_chair(s, cr, m.id, {"chair": {"name": "X", "centre": "MW"}, "version": m.version})
        assert err.value.field == "chair_centre"
        with pytest.raises(Conflict):
            services.set_chair(s, cr, m.id, {"chair": {"name": "X"}, "version": m.version - 1})  # stale
        with pytest.raises(PermissionDenied):
            services.set_chair(s, tl, m.id, {"chair": {"name": "X"}, "version": m.version})  # the host records it


def test_proposals_close_and_standard_order(db):
    with db() as s:
        m = _meeting(s)
        tl, cr = principal(s, "secretariat", "TL"), principal(s, "secretariat", "CR")
        info = services.propose_item(s, tl, m.id, {"title": "Workplace rules in Tachileik", "type": "information",
                                                   "language": "my"})
        dec = services.propose_item(s, cr, m.id, {"title": "Joint surveillance of illegal crossings", "type": "decision"})
        other = services.propose_item(s, tl, m.id, {"title": "Date of the next meeting", "type": "other"})
        chair = services.propose_item(s, cr, m.id, {"title": "Welcome by the chair", "type": "information"})
        services.order_item(s, cr, chair.id, 1)
        with pytest.raises(ValidationError) as err:
            services.order_item(s, cr, dec.id, 4)  # a decision item into "for information"
        assert err.value.field == "section"
        with pytest.raises(PermissionDenied):
            services.close_agenda(s, tl, m.id)  # the host closes
        services.close_agenda(s, cr, m.id)
        services.close_agenda(s, cr, m.id)  # again: harmless
        with pytest.raises(Conflict):
            services.propose_item(s, tl, m.id, {"title": "Too late", "type": "other"})
        sections = services.agenda(s, cr, m.id)
        assert [e.item.id for e in sections[1]] == [chair.id]
        assert [e.item.id for e in sections[4]] == [info.id]
        assert [e.item.id for e in sections[5]] == [dec.id]
        assert [e.item.id for e in sections[6]] == [other.id]
        assert sections[2] == [] and sections[3] == []  # the first meeting of the series


def test_references_only_to_own_cases_and_referrals(db, make_case):
    make_case()
    with db() as s:
        from border_referral.cases.models import Case
        number = s.execute(select(Case.case_number)).scalar_one()
        m = _meeting(s)
        item = services.propose_item(s, principal(s, "secretariat", "CR"), m.id,
                                     {"title": "Case for decision", "type": "decision", "references": [number]})
        assert item.reference_list == [number]
        with pytest.raises(ValidationError) as err:
            services.propose_item(s, principal(s, "secretariat", "TL"), m.id,
                                  {"title": "Their case", "type": "decision", "references": [number]})
        assert err.value.field == "references"


def test_a_myanmar_case_number_can_be_named_on_the_agenda(db, make_case):
    """Tachileik numbers its cases in its own fiscal year (TL-2026/27-0007): the slash is part of it."""
    make_case(centre="TL")
    with db() as s:
        from border_referral.cases.models import Case
        number = s.execute(select(Case.case_number)).scalar_one()
        assert "/" in number
        m = _meeting(s)
        item = services.propose_item(s, principal(s, "secretariat", "TL"), m.id,
                                     {"title": "Our case", "type": "decision", "references": [number.lower()]})
        assert item.reference_list == [number]


def test_actions_carry_into_the_next_meetings_matters_arising(db):
    with db() as s:
        cr, tl = principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL")
        m1 = _meeting(s)
        with pytest.raises(Conflict):  # actions come once the agenda is closed
            services.add_action(s, cr, m1.id, {"title": "x", "owner_centre": "TL", "due": "2027-01-31"})
        services.close_agenda(s, cr, m1.id)
        act = services.add_action(s, cr, m1.id, {"title": "Share the list of recruitment brokers", "owner_centre": "TL",
                                                 "due": (date.today() - timedelta(days=1)).isoformat()})
        with pytest.raises(ValidationError):
            services.add_action(s, cr, m1.id, {"title": "x", "owner_centre": "MS", "due": "2027-01-31"})
        m2 = _meeting(s, "TL")
        sec3 = services.agenda(s, tl, m2.id)[3]
        assert [e.action.id for e in sec3] == [act.id]
        assert services.agenda(s, tl, m2.id)[2][0].from_meeting.id == m1.id
        rows = services.actions(s, tl, mine=True)
        assert [r.action.id for r in rows] == [act.id] and rows[0].overdue
        with pytest.raises(PermissionDenied):
            services.update_action(s, cr, act.id, {"status": "done"})  # the owner updates
        services.update_action(s, tl, act.id, {"status": "done", "note": "List shared on 5 Dec", "version": act.version})
        assert services.agenda(s, tl, m2.id)[3] == []


def test_deferred_items_come_back_at_the_next_meeting(db):
    with db() as s:
        cr = principal(s, "secretariat", "CR")
        m1 = _meeting(s)
        item = services.propose_item(s, principal(s, "secretariat", "TL"), m1.id, {"title": "Hotline numbers", "type": "information"})
        services.decide_item(s, cr, item.id, "defer")
        m2 = _meeting(s, "TL")
        back = s.execute(select(AgendaItem).where(AgendaItem.meeting_id == m2.id)).scalars().all()
        assert [(b.title, b.deferred_from_id, b.status) for b in back] == [("Hotline numbers", item.id, "proposed")]


def test_minutes_draft_checked_adopted_locked(db):
    with db() as s:
        cr, tl = principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL")
        m1 = _meeting(s)
        item = services.propose_item(s, cr, m1.id, {"title": "Repatriation at Mae Sai", "type": "decision"})
        with pytest.raises(Conflict):
            services.save_minutes(s, cr, m1.id, {})  # agenda still open
        services.close_agenda(s, cr, m1.id)
        data = {"language": "th", "opened_at": "09:00", "closed_at": "12:30", "recorder": "Khun Dao", "checker": "Khun Lek",
                "items": {item.id: {"discussion": "Both sides agreed.", "resolution": "Return on 15 December at Mae Sai."}}}
        with pytest.raises(ValidationError):
            services.save_minutes(s, cr, m1.id, {**data, "closed_at": "08:00"})
        with pytest.raises(PermissionDenied):
            services.save_minutes(s, tl, m1.id, data)
        services.save_minutes(s, cr, m1.id, data)
        m2 = _meeting(s, "TL")
        with pytest.raises(Conflict):  # still a draft
            services.adopt_minutes(s, tl, m1.id, m2.id)
        services.check_minutes(s, cr, m1.id)
        with pytest.raises(Conflict):  # at the next meeting itself, once its agenda is closed
            services.adopt_minutes(s, tl, m1.id, m2.id)
        services.close_agenda(s, tl, m2.id)
        with pytest.raises(PermissionDenied):  # the next meeting's host adopts
            services.adopt_minutes(s, cr, m1.id, m2.id)
        mins = services.adopt_minutes(s, tl, m1.id, m2.id)
        assert mins.state == "adopted" and s.get(Minutes, m1.id).adopted_in_meeting_id == m2.id
        with pytest.raises(Conflict):
            services.save_minutes(s, cr, m1.id, data)
        services.correct_minutes(s, cr, m1.id, {"item": item.id, "text": "Return on 16 December", "reason": "Typo"})
        assert json.loads(s.get(Minutes, m1.id).corrections)[0]["reason"] == "Typo"
        assert json.loads(s.get(Minutes, m1.id).items)[item.id]["resolution"] == "Return on 15 December at Mae Sai."


def test_participants_only_from_the_partnership(db):
    with db() as s:
        m = _meeting(s)
        cr = principal(s, "secretariat", "CR")
        p = services.add_participant(s, cr, m.id, {"centre": "TL", "name": "U Aung", "position": "Director"})
        with pytest.raises(ValidationError) as err:
            services.add_participant(s, cr, m.id, {"centre": "MS", "name": "Someone"})
        assert err.value.field == "centre"
        with pytest.raises(PermissionDenied):  # a delegation lists its own people (the host may list all)
            services.add_participant(s, principal(s, "secretariat", "TL"), m.id, {"centre": "CR", "name": "X"})
        services.set_attendance(s, cr, m.id, str(p.id), "present")


def test_other_partnerships_do_not_see_the_meeting(db):
    with db() as s:
        m = _meeting(s)
        with pytest.raises(NotFound):
            services.agenda(s, principal(s, "secretariat", "MS"), m.id)
        # Huay Xai is in the tri-country partnership CR-TL-HX, not in CR-TL
        with pytest.raises(NotFound):
            services.agenda(s, principal(s, "secretariat", "HX"), m.id)
        tri = _meeting(s, partnership="CR-TL-HX")
        assert sorted(tri.language_list) == ["lo", "my", "th"]
        assert services.agenda(s, principal(s, "secretariat", "HX"), tri.id)


def test_allowed_actions_follow_the_services_rules(db):
    """What the pages offer: the host secretariat runs the agenda and the minutes, another member's
    secretariat proposes and lists its delegation, a case worker only reads."""
    with db() as s:
        cr, tl, worker = (principal(s, "secretariat", "CR"), principal(s, "secretariat", "TL"),
                          principal(s, "case", "CR"))
        assert "plan_meeting" in services.allowed_actions(s, cr, None)
        assert "plan_meeting" not in services.allowed_actions(s, worker, None)
        m1 = _meeting(s)  # CR hosts; the agenda is open
        item = services.propose_item(s, tl, m1.id, {"title": "Hotline numbers", "type": "information"})
        zaw = services.add_participant(s, tl, m1.id, {"centre": "TL", "name": "U Zaw"})

        def allowed(who, m=m1):
            return services.allowed_actions(s, who, m)

        host, member = allowed(cr), allowed(tl)
        assert host.actions == {"close_agenda", "propose", "decide_items", "add_participant", "set_chair"}
        assert host.items == {item.id: {"accept", "defer", "reject", "order"}}  # nothing to merge it into
        assert host.delegations == ("CR", "TL") and zaw.id in host.attendance
        assert member.actions == {"propose", "add_participant"} and member.items == {}
        assert member.delegations == ("TL",) and zaw.id in member.attendance
        assert allowed(worker) == services.Allowed()
        other = services.propose_item(s, cr, m1.id, {"title": "Joint patrols", "type": "decision"})
        assert allowed(cr).items[other.id] == {"accept", "defer", "reject", "order", "merge"}

        services.close_agenda(s, cr, m1.id)
        assert allowed(cr).actions == {"mark_held", "decide_items", "add_participant", "save_minutes", "add_action",
                                       "set_chair"}
        assert allowed(tl).actions == {"add_participant", "add_action"}
        act = services.add_action(s, cr, m1.id, {"title": "Share the list", "owner_centre": "TL", "due": "2027-01-31"})
        assert allowed(tl).action_items == {act.id} and allowed(cr).action_items == set()

        services.save_minutes(s, cr, m1.id, {"recorder": "Khun Dao", "checker": "Khun Lek"})
        assert allowed(cr).actions == {"add_participant", "save_minutes", "check_minutes", "add_action", "set_chair"}
        services.check_minutes(s, cr, m1.id)
        assert allowed(cr).actions == {"save_minutes", "add_action", "set_chair"}  # the participants are part of them now
        assert allowed(tl).attendance == set() and allowed(tl).delegations == ()

        m2 = _meeting(s, "TL")  # TL hosts the next one: it adopts the minutes once its agenda is closed
        assert "adopt_previous" not in allowed(tl, m2)
        services.close_agenda(s, tl, m2.id)
        assert "adopt_previous" in allowed(tl, m2) and "adopt_previous" not in allowed(cr, m2)
        services.adopt_minutes(s, tl, m1.id, m2.id)
        assert allowed(cr).actions == {"correct_minutes"} and allowed(tl).actions == set()
        assert allowed(worker, m2).actions == set()


def test_an_erased_case_is_no_longer_named_on_any_agenda(db, make_case):
    """Issue 14: meeting records must not keep naming a case that was erased."""
    from border_referral.cases import services as cases
    from border_referral.cases.models import Case

    keep, gone = make_case(centre="TL"), make_case(centre="TL")
    with db() as s:
        numbers = {cid: s.get(Case, cid).case_number for cid in (keep, gone)}
        m = _meeting(s)
        item = services.propose_item(s, principal(s, "secretariat", "TL"), m.id,
                                     {"title": "Two cases", "type": "decision",
                                      "references": [numbers[keep], numbers[gone]]})
        item_id = item.id
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "TL"), gone, "data_subject_request")
    with db() as s:
        from border_referral.meetings.models import AgendaItem

        assert s.get(AgendaItem, item_id).reference_list == [numbers[keep]]
