"""Issue 13: the jurisdiction profiles are data the network's secretariat edits (never a centre's
administrator), audited, versioned, and read by every rule that depends on a country's law."""
import json

import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.centres import jurisdictions
from border_referral.errors import Conflict, PermissionDenied, ValidationError
from tests.conftest import principal
from tests.screening.test_jurisdictions import _case, _decide

pytestmark = pytest.mark.usefixtures("demo")

LONGER_CUSTODY = {"custody": {"hours": 48, "court_extension_days": 7, "source": "Amendment B.E. 2570, s.29"}}


def test_a_network_admin_changes_a_rule_and_it_applies_with_a_record(db):
    with db() as s:
        net = principal(s, "network", "CR")
        profile = jurisdictions.save_settings(s, net, "TH", {"clocks": LONGER_CUSTODY}, version=1)
        assert profile.clocks.custody.hours == 48 and profile.version == 2 and profile.edited == ("clocks",)
        assert profile.clocks.reflection.days == 45  # the rest of the shipped profile stands
    with db() as s:
        assert jurisdictions.effective(s, "TH").clocks.custody.source == "Amendment B.E. 2570, s.29"
        assert jurisdictions.effective(s, "MM").clocks.custody is None  # other countries untouched
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "jurisdiction_profile.update")).scalar_one()
        details = json.loads(rec.details) if isinstance(rec.details, str) else rec.details
        assert details["changed"] == ["clocks"]
        assert details["before"]["clocks"]["custody"]["hours"] == 24
        assert details["after"]["clocks"]["custody"]["hours"] == 48


def test_going_back_to_the_shipped_rule_stores_nothing_different(db):
    with db() as s:
        net = principal(s, "network", "CR")
        jurisdictions.save_settings(s, net, "LA", {"child_age": 16, "child_age_source": "test"}, version=1)
        shipped = jurisdictions.profile_for_country("LA")
        p = jurisdictions.save_settings(s, net, "LA", {"child_age": 18, "child_age_source": shipped.child_age_source},
                                        version=2)
        assert p.edited == () and p.child_age == 18 and p.version == 3


@pytest.mark.parametrize("role", ["admin", "case", "secretariat"])
def test_only_the_network_role_changes_a_profile(db, role):
    with db() as s, pytest.raises(PermissionDenied):
        jurisdictions.save_settings(s, principal(s, role, "CR"), "TH", {"child_age": 16}, version=1)


def test_a_stale_version_is_a_conflict(db):
    with db() as s:
        net = principal(s, "network", "CR")
        jurisdictions.save_settings(s, net, "MM", {"mdt_agencies": ["police"]}, version=1)
        with pytest.raises(Conflict):
            jurisdictions.save_settings(s, net, "MM", {"mdt_agencies": ["police", "labour"]}, version=1)


@pytest.mark.parametrize("data, field", [
    ({"clocks": {"custody": {"hours": 0, "source": "x"}}}, "clocks.custody.hours"),
    ({"clocks": {"custody": {"hours": "1e400", "source": "x"}}}, "clocks.custody.hours"),
    ({"clocks": {"reflection": {"days": 30, "source": " "}}}, "clocks.reflection.source"),
    ({"clocks": {"moon_phase": None}}, "clocks"),
    ({"clocks": {"transit_centre": {"days": True, "source": "x"}}}, "clocks.transit_centre.days"),
    ({"outcomes": ["victim", "at_risk"]}, "outcomes"),
    ({"outcomes": ["victim", "at_risk", "not_victim", "smuggled"]}, "outcomes"),
    ({"child_age": 30}, "child_age"),
    ({"child_age_source": "x" * 301}, "child_age_source"),
    ({"legal_grounds": []}, "legal_grounds"),
    ({"legal_grounds": [{"code": "consent"}, {"code": "consent"}]}, "legal_grounds"),
    ({"legal_grounds": [{"code": "whim"}]}, "legal_grounds"),
    ({"fiscal_year": {"start_month": 13, "named_by": "end_year", "era": "BE", "source": "x"}}, "fiscal_year.start_month"),
    ({"fiscal_year": {"start_month": 4, "named_by": "moon", "era": "BE", "source": "x"}}, "fiscal_year.named_by"),
    ({"mdt_agencies": ["police", "astrologer"]}, "mdt_agencies"),
    ({"legal_basis": {"act": "x"}}, "legal_basis"),
])
def test_bad_input_is_refused_with_its_field_and_changes_nothing(db, data, field):
    with db() as s:
        with pytest.raises(ValidationError) as err:
            jurisdictions.save_settings(s, principal(s, "network", "CR"), "TH", data, version=1)
        assert err.value.field == field
        assert jurisdictions.effective(s, "TH").version == 1


def test_the_profiles_default_mdt_agencies_are_what_a_decision_needs(db, api):
    from border_referral.screening.services import required_agencies

    with db() as s:
        jurisdictions.save_settings(s, principal(s, "network", "CR"), "TH",
                                    {"mdt_agencies": ["police", "social_development", "labour"]}, version=1)
    a, cid = _case(api, "CR")
    _sid, r = _decide(a, cid, "victim")  # the demo MDT has no labour official
    assert r.status_code == 422, r.json
    with db() as s:
        cr = principal(s, "case", "CR").centre_id
        assert required_agencies(s, cr) == ["police", "social_development", "labour"]
        tl = principal(s, "case", "TL").centre_id
        assert required_agencies(s, tl) == ["police", "social_development"]  # Myanmar's own default


def test_a_country_given_the_forced_labour_outcome_can_record_it(db, api):
    a, cid = _case(api, "HX")
    assert _decide(a, cid, "forced_labour_or_services")[1].status_code == 422
    with db() as s:
        jurisdictions.save_settings(s, principal(s, "network", "CR"), "LA",
                                    {"outcomes": ["victim", "at_risk", "not_victim", "forced_labour_or_services"]},
                                    version=1)
    a, cid = _case(api, "HX")
    assert _decide(a, cid, "forced_labour_or_services")[1].status_code == 201


def test_a_changed_child_age_decides_who_is_a_child(db, api):
    a = api("case", "TL")
    body = {"person": {"full_name": "Ko Min", "sex": "male", "nationality": "MM", "date_of_birth": "2009-06-01"}}
    assert a.post("/api/v1/cases", json=body).json["is_child"] is True  # 17: a child under 18
    with db() as s:
        jurisdictions.save_settings(s, principal(s, "network", "CR"), "MM",
                                    {"child_age": 16, "child_age_source": "a test of the rule"}, version=1)
    assert a.post("/api/v1/cases", json=body).json["is_child"] is False


def test_removing_a_legal_ground_takes_it_off_the_referral_form(app, signed_in, api):
    from border_referral.database import session_scope

    with app.test_request_context(), session_scope() as s:
        jurisdictions.save_settings(s, principal(s, "network", "CR"), "TH",
                                    {"legal_grounds": [{"code": "consent", "citation": "PDPA s.26"}]}, version=1)
    a, cid = _case(api, "CR")
    html = signed_in("case", "CR").get(f"/referrals/new/{cid}").get_data(as_text=True)
    assert 'value="consent"' in html and 'value="mou"' not in html


# ---------------------------------------------------------------- API

def test_api_put_by_the_network_admin_and_no_one_else(api):
    net, admin = api("network", "CR"), api("admin", "CR")
    body = {"version": 1, "clocks": LONGER_CUSTODY}
    assert admin.put("/api/v1/jurisdictions/TH", json=body).status_code == 403
    r = net.put("/api/v1/jurisdictions/TH", json=body)
    assert r.status_code == 200, r.json
    assert r.json["clocks"]["custody"]["hours"] == 48 and r.json["version"] == 2 and r.json["edited"] == ["clocks"]
    assert net.put("/api/v1/jurisdictions/TH", json=body).status_code == 409  # version 1 is gone
    assert net.put("/api/v1/jurisdictions/VN", json=body).status_code == 404
    bad = net.put("/api/v1/jurisdictions/TH", json={"version": 2, "child_age": "eighteen"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "child_age"
    listed = {p["country"]: p for p in api("case", "TL").get("/api/v1/jurisdictions").json["items"]}
    assert listed["TH"]["clocks"]["custody"]["hours"] == 48 and listed["MM"]["version"] == 1
    assert api("case", "TL").get("/api/v1/jurisdictions/TH").json["version"] == 2


# ---------------------------------------------------------------- pages

def test_the_profile_page_reads_for_admins_and_saves_for_the_network(app, signed_in):
    from border_referral.database import session_scope

    admin = signed_in("admin", "HX")
    page = admin.get("/admin/jurisdictions/LA")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<fieldset disabled>" in html and 'name="clocks.transit_centre.days" value="7"' in html
    assert admin.post_form("/admin/jurisdictions/LA", {"version": "1", "child_age": "16"}).status_code == 403
    net = signed_in("network", "CR")
    form = {"version": "1", "clocks.transit_centre.on": "y", "clocks.transit_centre.days": "10",
            "clocks.transit_centre.source": "Decree 2027", "child_age": "18", "child_age_source": "Law 2015",
            "legal_grounds.consent.on": "y", "legal_grounds.consent": "", "fiscal_year.start_month": "1",
            "fiscal_year.named_by": "calendar_year", "fiscal_year.era": "CE", "fiscal_year.since": "2017",
            "fiscal_year.source": "Budget law", "mdt_agencies": ["police", "social_development"]}
    bad = net.post_form("/admin/jurisdictions/LA", {**form, "clocks.transit_centre.days": "0"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-clocks-transit_centre-days"' in html and 'value="0"' in html  # the typed value kept
    ok = net.post_form("/admin/jurisdictions/LA", form)
    assert ok.status_code == 302, ok.get_data(as_text=True)[:3000]
    with app.test_request_context(), session_scope() as s:
        la = jurisdictions.effective(s, "LA")
        assert la.clocks.transit_centre.days == 10 and [g.code for g in la.legal_grounds] == ["consent"]
        assert la.fiscal_year.since == "2017" and la.version == 2
    assert "/admin/jurisdictions/LA" in net.get("/admin/reference").get_data(as_text=True)
