"""Retention per jurisdiction profile: the profile's part, and `flask retention apply`."""
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from border_referral.audit.models import AuditRecord
from border_referral.cases import services as cases
from border_referral.cases.models import Case
from border_referral.centres import jurisdictions
from border_referral.database import session_scope
from border_referral.errors import PermissionDenied, ValidationError
from border_referral.referrals import services as referrals
from border_referral.util import utcnow
from tests.conftest import principal
from tests.referrals.conftest import body


# ---------------------------------------------------------------- the profile's part

def test_no_country_ships_a_period_and_none_cites_a_law(demo, db):
    with db() as s:
        for code in ("TH", "MM", "LA"):
            retention = jurisdictions.effective(s, code).retention
            assert retention.closed_case_years is None and "network decides" in retention.source
            assert jurisdictions.as_json(jurisdictions.effective(s, code))["retention"]["closed_case_years"] is None


@pytest.mark.parametrize("value, field", [
    ({"closed_case_years": 0, "source": "Network decision 1/2027"}, "retention.closed_case_years"),
    ({"closed_case_years": 51, "source": "Network decision 1/2027"}, "retention.closed_case_years"),
    ({"closed_case_years": "ten", "source": "Network decision 1/2027"}, "retention.closed_case_years"),
    ({"closed_case_years": True, "source": "Network decision 1/2027"}, "retention.closed_case_years"),
    ({"closed_case_years": 10}, "retention.source"),
    ({"closed_case_years": 10, "source": "   "}, "retention.source"),
    ("10 years", "retention"),
])
def test_a_bad_retention_is_refused_with_its_field(demo, db, value, field):
    with db() as s:
        with pytest.raises(ValidationError) as err:
            jurisdictions.save_settings(s, principal(s, "network", "CR"), "TH", {"retention": value}, version=1)
        assert err.value.field == field


def test_the_network_sets_a_period_and_the_page_shows_and_edits_it(demo, signed_in):
    def db():  # not the `db` fixture: its request context would be shared with the test client's
        return _scope(demo)

    with db() as s:
        with pytest.raises(PermissionDenied):
            jurisdictions.save_settings(s, principal(s, "admin", "CR"), "MM", {"retention": {"closed_case_years": 5,
                                                                                            "source": "x"}}, version=1)
    with db() as s:
        p = jurisdictions.save_settings(s, principal(s, "network", "CR"), "MM",
                                        {"retention": {"closed_case_years": "7", "source": "Network decision 1/2027"}},
                                        version=1)
        assert p.retention.closed_case_years == 7 and p.edited == ("retention",)
    network = signed_in("network", "CR")
    page = network.get("/admin/jurisdictions/MM").get_data(as_text=True)
    assert 'data-testid="retention"' in page and "Network decision 1/2027" in page
    assert 'name="retention.closed_case_years" value="7"' in page
    # the page edits the period with the other parts; a period without its source is refused
    form = {"version": "2", "child_age": "18", "child_age_source": "Child Rights Law 2019",
            "legal_grounds.consent.on": "y", "fiscal_year.start_month": "4", "fiscal_year.named_by": "start_and_end",
            "fiscal_year.era": "CE", "fiscal_year.source": "1 April to 31 March", "mdt_agencies": ["police"],
            "retention.closed_case_years": "9", "retention.source": ""}
    refused = network.post_form("/admin/jurisdictions/MM", form)
    assert refused.status_code == 422 and 'id="err-retention-source"' in refused.get_data(as_text=True)
    saved = network.post_form("/admin/jurisdictions/MM", {**form, "retention.source": "Network decision 2/2027"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with db() as s:
        assert jurisdictions.effective(s, "MM").retention.closed_case_years == 9
    with db() as s:  # back to no period: a source is then optional
        p = jurisdictions.save_settings(s, principal(s, "network", "CR"), "MM",
                                        {"retention": {"closed_case_years": None, "source": ""}}, version=3)
        assert p.retention.closed_case_years is None


@contextmanager
def _scope(app):
    with app.test_request_context(), session_scope() as s:
        yield s


# ---------------------------------------------------------------- flask retention apply

def _closed(demo, make_case, years_ago: float, status="closed", centre="CR"):
    case_id = make_case(centre=centre)
    with demo.app_context(), session_scope() as s:
        s.execute(update(Case).where(Case.id == case_id).values(
            status=status, updated_at=utcnow() - timedelta(days=365 * years_ago)))
    return case_id


@pytest.fixture
def retention_world(demo, make_case):
    with demo.test_request_context(), session_scope() as s:
        jurisdictions.save_settings(s, principal(s, "network", "CR"), "TH",
                                    {"retention": {"closed_case_years": 5, "source": "Network decision 1/2027"}},
                                    version=1)
    due = _closed(demo, make_case, 6)
    recent = _closed(demo, make_case, 1)
    still_open = _closed(demo, make_case, 6, status="open")
    referred = make_case()
    with demo.test_request_context(), session_scope() as s:
        r = referrals.create_referral(s, principal(s, "case", "CR"), body(referred))
        referrals.perform(s, principal(s, "case", "CR"), r.id, "send", {})
        s.execute(update(Case).where(Case.id == referred).values(
            status="closed", updated_at=utcnow() - timedelta(days=365 * 6)))
    myanmar = _closed(demo, make_case, 6, centre="TL")  # Myanmar's profile sets no period
    with demo.app_context(), session_scope() as s:
        numbers = {k: s.get(Case, v).case_number for k, v in dict(due=due, recent=recent, still_open=still_open,
                                                                  referred=referred, myanmar=myanmar).items()}
    return dict(due=due, recent=recent, still_open=still_open, referred=referred, myanmar=myanmar), numbers


def _erased(demo, case_id):
    with demo.app_context(), session_scope() as s:
        case = s.get(Case, case_id)
        return case.erased_at is not None, case.erase_reason


def test_a_dry_run_changes_nothing(demo, retention_world):
    ids, numbers = retention_world
    with demo.app_context(), session_scope() as s:
        before = s.execute(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
    result = demo.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert f"would erase {numbers['due']}" in result.output
    assert f"keep {numbers['referred']}: open referral" in result.output
    for key in ("recent", "still_open", "myanmar"):
        assert numbers[key] not in result.output
    assert "Dry run: 1 case(s) would be erased, 1 kept" in result.output
    assert all(_erased(demo, i) == (False, None) for i in ids.values())
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1)).scalar_one() == before


def test_confirm_erases_only_the_due_ones(demo, retention_world):
    ids, numbers = retention_world
    result = demo.test_cli_runner().invoke(args=["retention", "apply", "--confirm"])
    assert result.exit_code == 0, result.output
    assert f"erased {numbers['due']}" in result.output and "1 case(s) erased, 1 kept" in result.output
    assert _erased(demo, ids["due"]) == (True, "retention_expired")
    for key in ("recent", "still_open", "referred", "myanmar"):
        assert _erased(demo, ids[key]) == (False, None), key
    with demo.app_context(), session_scope() as s:
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "case.erase")).scalar_one()
        assert rec.actor_id is None and rec.target_id == ids["due"]
        assert json.loads(rec.details) == {"reason": "retention_expired", "case_number": numbers["due"]}
    again = demo.test_cli_runner().invoke(args=["retention", "apply", "--confirm"])
    assert "0 case(s) erased, 1 kept" in again.output


def test_the_system_erases_only_for_retention(demo, make_case):
    case_id = make_case()
    with demo.test_request_context(), session_scope() as s:
        with pytest.raises(PermissionDenied):
            cases.erase_case(s, None, case_id, "duplicate")
    assert _erased(demo, case_id) == (False, None)


def test_nothing_to_do_without_a_period(demo):
    result = demo.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0 and "No jurisdiction profile sets a retention period" in result.output


def test_the_api_sets_and_shows_a_period(api):
    net = api("network", "CR")
    bad = net.put("/api/v1/jurisdictions/LA", json={"version": 1, "retention": {"closed_case_years": 60, "source": "x"}})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"
    ok = net.put("/api/v1/jurisdictions/LA", json={"version": 1, "retention": {"closed_case_years": 10,
                                                                              "source": "Network decision 2/2027"}})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["retention"] == {"closed_case_years": 10, "source": "Network decision 2/2027"}
    assert api("admin", "HX").get("/api/v1/jurisdictions/LA").get_json()["retention"]["closed_case_years"] == 10
    assert api("admin", "HX").put("/api/v1/jurisdictions/LA", json={"version": 2, "retention": None}).status_code == 403
