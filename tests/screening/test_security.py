"""Security review of victim identification (screening).

Two kinds of tests live here:

- GUARD tests (plain names) pass today and pin down behaviour that must not regress: centre
  scoping (404), role limits, erased cases, audit details without content, escaping, CSRF, odd JSON
  types answered with a 422.
- FINDING tests (names start with ``test_finding_Fnn_``) FAIL on the reviewed commit; each one
  demonstrates a finding of the review report (the Fnn number) and passes once it is fixed.
"""
import json

import pytest
from markupsafe import Markup
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.cases import services as cases
from border_referral.database import session_scope
from border_referral.screening import services
from border_referral.screening.models import Screening, Shelter
from tests.cases.conftest import CANARY_LATIN, CANARY_MY
from tests.conftest import csrf_from, principal
from tests.screening.conftest import INTERVIEW, MEMBERS
from tests.screening.test_http import api_case  # noqa: F401  (a fixture)

SECRET_ACCOUNT = "CanaryFirstAccount Qzx"
SECRET_NARRATIVE = "CanaryNarrative Wqv"
SECRET_NOTE = "CanaryNote Jkp"


def _interview(**over):
    return {**INTERVIEW, "narrative": SECRET_NARRATIVE,
            "indicators": {**INTERVIEW["indicators"], "deception": {"value": "observed", "note": SECRET_NOTE}}, **over}


@pytest.fixture
def decided(api_case):
    """A case of Chiang Rai with a screening that has a first account, an interview and a decision."""
    a, cid = api_case
    r = a.post(f"/api/v1/cases/{cid}/screenings", json={"first_account": SECRET_ACCOUNT,
                                                       "custody_started_at": "2026-11-20T08:00+07:00"})
    assert r.status_code == 201, r.json
    sid = r.json["id"]
    r = a.put(f"/api/v1/screenings/{sid}/interview", json={**_interview(), "version": r.json["version"]})
    assert r.status_code == 200, r.json
    r = a.post(f"/api/v1/screenings/{sid}/decision", json={"outcome": "victim", "reasons": "Deception",
                                                          "decided_at": "2026-11-21T10:00+07:00", "members": MEMBERS})
    assert r.status_code == 201, r.json
    return a, cid, sid


def _shelter(demo, centre="CR", name="Baan Kredtrakarn"):
    with demo.test_request_context(), session_scope() as s:
        return services.add_shelter(s, principal(s, "admin", centre), name).id


# =============================================================== GUARDS (pass today)

def test_viewer_never_gets_first_account_narrative_or_notes(decided, api, signed_in):
    _a, _cid, sid = decided
    got = api("viewer", "CR").get(f"/api/v1/screenings/{sid}")
    assert got.status_code == 200
    body = json.dumps(got.json, ensure_ascii=False)
    for secret in (SECRET_ACCOUNT, SECRET_NARRATIVE, SECRET_NOTE):
        assert secret not in body
    assert not {"first_account", "narrative", "indicator_notes"} & set(got.json)
    html = signed_in("viewer", "CR").get(f"/screening/{sid}").get_data(as_text=True)
    for secret in (SECRET_ACCOUNT, SECRET_NARRATIVE, SECRET_NOTE):
        assert secret not in html


@pytest.mark.parametrize("role", ["admin", "secretariat"])
def test_admin_and_secretariat_cannot_read_screenings(decided, api, signed_in, role):
    _a, cid, sid = decided
    c = api(role, "CR")
    assert c.get(f"/api/v1/screenings/{sid}").status_code == 403
    assert c.get(f"/api/v1/cases/{cid}/screenings").status_code == 403
    assert c.get("/api/v1/screenings/clocks").status_code == 403
    b = signed_in(role, "CR")
    for path in (f"/screening/{sid}", f"/screening/{sid}/record.pdf", f"/screening/{sid}/interview",
                 f"/screening/{sid}/custody", f"/screening/{sid}/decision", "/screening/"):
        r = b.get(path)
        assert r.status_code == 403, path
        assert SECRET_ACCOUNT not in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["case", "viewer", "admin", "secretariat"])
def test_another_centre_gets_404_on_every_page(decided, signed_in, role):
    _a, cid, sid = decided
    b = signed_in(role, "TL")
    for path in (f"/screening/{sid}", f"/screening/{sid}/record.pdf", f"/screening/{sid}/interview",
                 f"/screening/{sid}/custody", f"/screening/{sid}/decision", f"/screening/for-case/{cid}"):
        assert b.get(path).status_code == 404, path


def test_erased_case_screening_is_not_found_everywhere(decided, api, signed_in, demo):
    a, cid, sid = decided
    with demo.test_request_context(), session_scope() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), cid, "entered_in_error")
    assert a.get(f"/api/v1/screenings/{sid}").status_code == 404
    assert a.get(f"/api/v1/cases/{cid}/screenings").status_code == 404
    assert a.post(f"/api/v1/cases/{cid}/screenings", json={}).status_code == 404
    assert a.patch(f"/api/v1/screenings/{sid}/custody", json={"version": 3}).status_code == 404
    assert a.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {}}).status_code == 404
    assert a.post(f"/api/v1/screenings/{sid}/decision", json={"outcome": "at_risk", "reasons": "x", "members": MEMBERS,
                                                             "change_reason": "x"}).status_code == 404
    clocks = a.get("/api/v1/screenings/clocks").json
    assert all(r["screening_id"] != sid for rows in clocks.values() for r in rows)
    b = signed_in("case", "CR")
    for path in (f"/screening/{sid}", f"/screening/{sid}/record.pdf", f"/screening/{sid}/decision"):
        assert b.get(path).status_code == 404, path


def test_another_centres_shelter_cannot_be_chosen(decided, demo):
    a, _cid, sid = decided
    other = _shelter(demo, "TL", "Tachileik shelter")
    r = a.post(f"/api/v1/screenings/{sid}/decision", json={"outcome": "at_risk", "reasons": "x", "members": MEMBERS,
                                                          "change_reason": "x", "shelter_id": other})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid"


def test_only_admins_manage_settings(signed_in, demo):
    ident = _shelter(demo)
    for role in ("case", "viewer", "secretariat"):
        b = signed_in(role, "CR")
        html = b.get("/").get_data(as_text=True)
        token = csrf_from(html) if 'name="csrf_token"' in html else None
        assert b.get("/screening/settings").status_code == 403
        if token:
            assert b.client.post(f"/screening/settings/shelters/{ident}",
                                 data={"toggle-csrf_token": token, "toggle-active": "0"}).status_code in (302, 403)
    with demo.app_context(), session_scope() as s:
        assert s.get(Shelter, ident).active is True


def test_audit_details_carry_no_personal_content(decided, signed_in, demo):
    _a, _cid, sid = decided
    b = signed_in("case", "CR")
    assert b.get(f"/screening/{sid}").status_code == 200
    with demo.app_context(), session_scope() as s:
        details = " ".join(r.details for r in s.execute(select(AuditRecord)).scalars())
    for secret in (SECRET_ACCOUNT, SECRET_NARRATIVE, SECRET_NOTE, CANARY_MY, CANARY_LATIN, "Deception", "Somchai"):
        assert secret not in details, secret


def test_pdf_filename_has_no_personal_data(signed_in):
    b = signed_in("case", "CR")
    r = b.post_form("/screening/new", {"full_name": CANARY_LATIN, "sex": "female", "nationality": "LA",
                                       "age_estimate": "20"})
    assert r.status_code == 302
    pdf = b.get(f"{r.location}/record.pdf")
    assert pdf.status_code == 200
    disposition = pdf.headers["Content-Disposition"]
    assert "Canarybird" not in disposition and disposition.startswith("attachment;")
    assert r.location.count("/") == 2  # /screening/<id>: ids only in the URL


def test_html_in_personal_fields_is_escaped_on_the_page(api_case, signed_in):
    a, cid = api_case
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={
        "first_account": evil, "prescreen_place": evil, "prescreened_by": evil,
        "interpreter": {"name": evil, "agency": evil}}).json["id"]
    html = signed_in("case", "CR").get(f"/screening/{sid}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_wrap_filter_escapes(demo):
    from border_referral.pdf import wrap_filter

    out = wrap_filter('<b onmouseover="x">ဗမာ</b>')
    assert "<b" not in out and "&lt;b" in out


@pytest.mark.parametrize("path, data", [
    ("/screening/settings", {"action": "add_shelter", "shelter-name": "X"}),
    ("/screening/new", {"full_name": "X", "sex": "female", "nationality": "LA"}),
])
def test_posts_without_csrf_token_are_refused(signed_in, path, data):
    b = signed_in("admin" if "settings" in path else "case", "CR")
    assert b.client.post(path, data=data).status_code == 400


def test_custody_interview_and_toggle_need_csrf(decided, signed_in, demo):
    _a, _cid, sid = decided
    ident = _shelter(demo)
    case = signed_in("case", "CR")
    assert case.client.post(f"/screening/{sid}/custody", data={"version": "3"}).status_code == 400
    assert case.client.post(f"/screening/{sid}/interview", data={"version": "3"}).status_code == 400
    admin = signed_in("admin", "CR")
    assert admin.client.post(f"/screening/settings/shelters/{ident}", data={"active": "0"}).status_code == 400
    with demo.app_context(), session_scope() as s:
        assert s.get(Shelter, ident).active is True


@pytest.mark.parametrize("path_kind, body", [
    ("create", {"prescreen_indicators": [{"a": 1}]}),
    ("create", {"interpreter": {"name": ["x"], "language": {"a": 1}}}),
    ("create", {"interpreter": ["Ko Min"]}),
    ("create", {"first_account": 12}),
    ("create", {"first_account": "x" * 20001}),
    ("create", {"prescreen_place": "x" * 1_000_000}),
    ("create", {"custody_started_at": 1732000000}),
    ("create", {"custody_started_at": ["2026-11-20T08:00"]}),
    ("create", {"pre_shelter_from": {"y": 2026}}),
    ("create", {"source": ["police"]}),
    ("decision", {"outcome": ["victim"], "reasons": "x", "members": MEMBERS}),
    ("decision", {"outcome": "at_risk", "reasons": ["x"], "members": MEMBERS}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": {"name": "x"}}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": ["Somchai"]}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": [{"name": "x", "agency": ["police"]}]}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": MEMBERS * 20}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": MEMBERS, "shelter_id": "abc"}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": MEMBERS, "shelter_id": [1]}),
    ("decision", {"outcome": "at_risk", "reasons": "x", "members": MEMBERS, "shelter_id": {"id": 1}}),
    ("indicators", {"indicators": ["deception"]}),
    ("indicators", {"indicators": {"deception": ["observed"]}}),
    ("indicators", {"indicators": {"deception": {"value": "observed", "note": ["x"]}}}),
    ("custody", {"version": [1]}),
    ("custody", {"version": {"v": 1}}),
    ("custody", {"version": "1" * 5000}),
])
def test_odd_json_types_are_a_422_never_a_500(api_case, path_kind, body):
    a, cid = api_case
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={}).json["id"]
    call = {"create": lambda: a.post(f"/api/v1/cases/{cid}/screenings", json=body),
            "decision": lambda: a.post(f"/api/v1/screenings/{sid}/decision", json=body),
            "indicators": lambda: a.put(f"/api/v1/screenings/{sid}/indicators", json=body),
            "custody": lambda: a.patch(f"/api/v1/screenings/{sid}/custody", json=body)}[path_kind]
    r = call()
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["message"]


def test_non_object_json_is_refused(api_case):
    a, cid = api_case
    assert a.post(f"/api/v1/cases/{cid}/screenings", json=[1, 2]).status_code == 422
    assert a.post(f"/api/v1/cases/{cid}/screenings", data="{oops", content_type="application/json").status_code == 400


# =============================================================== FINDINGS (fail today)

@pytest.mark.parametrize("raw_shelter", ["100000000000000000000", "Infinity", "1e400"])
def test_fixed_F01_out_of_range_shelter_id_is_a_500(decided, raw_shelter):
    """services.py _shelter: int() of a huge/infinite number, then session.get() -> OverflowError (500)."""
    a, _cid, sid = decided
    body = ('{"outcome": "at_risk", "reasons": "x", "change_reason": "x", "members": %s, "shelter_id": %s}'
            % (json.dumps(MEMBERS), raw_shelter))
    r = a.post(f"/api/v1/screenings/{sid}/decision", data=body, content_type="application/json")
    assert r.status_code == 422, r.status_code


def test_fixed_F01_out_of_range_shelter_id_in_the_form_is_a_500(decided, signed_in):
    _a, _cid, sid = decided
    b = signed_in("case", "CR")
    r = b.post_form(f"/screening/{sid}/decision", {
        "members-0-name": "Pol. Lt. Somchai", "members-0-agency": "police",
        "members-1-name": "Khun Malee", "members-1-agency": "social_development",
        "outcome": "at_risk", "reasons": "x", "change_reason": "x", "shelter_id": "99999999999999999999"})
    assert r.status_code == 422, r.status_code


def test_fixed_F02_infinite_version_is_a_500(api_case):
    """services.py _check_version: int(float('inf')) raises OverflowError, which is not caught."""
    a, cid = api_case
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={}).json["id"]
    r = a.patch(f"/api/v1/screenings/{sid}/custody", data='{"version": Infinity}', content_type="application/json")
    assert r.status_code == 422, r.status_code


@pytest.mark.parametrize("field", ["prescreened_at", "custody_started_at", "court_extension_until"])
def test_fixed_F03_time_near_year_9999_with_a_negative_offset_is_a_500(api_case, field):
    """services.py _when: astimezone(UTC) of 9999-12-31T23:00-05:00 overflows (OverflowError)."""
    a, cid = api_case
    body = {field: "9999-12-31T23:00-05:00"}
    if field == "court_extension_until":
        body.update(custody_started_at="2026-11-20T08:00+07:00", court_order_number="1/2569")
    r = a.post(f"/api/v1/cases/{cid}/screenings", json=body)
    assert r.status_code == 422, r.status_code


def test_fixed_F04_far_future_pre_shelter_date_breaks_the_screening_for_good(signed_in):
    """services.py _custody/_day: pre_shelter_from is not range-checked. 9999-12-31 is saved from the
    form (302, committed); afterwards every view of the screening and every decision is a 500
    (clocks.pre_shelter_ends overflows), via the API even the create answers 500."""
    b = signed_in("case", "CR")
    r = b.post_form("/screening/new", {"full_name": "Mali", "sex": "female", "nationality": "LA",
                                       "age_estimate": "20", "pre_shelter_from": "9999-12-31"})
    if r.status_code == 302:  # saved: the screening page must still work
        page = b.get(r.location)
        assert page.status_code == 200, f"screening page answers {page.status_code} for good"
    assert r.status_code == 422


def test_fixed_F05_deeply_nested_json_is_a_500(api_case):
    """api/__init__.py json_body: get_json(silent=True) only swallows ValueError; json.loads raises
    RecursionError on deep nesting."""
    a, cid = api_case
    r = a.post(f"/api/v1/cases/{cid}/screenings", data="[" * 100_000, content_type="application/json")
    assert r.status_code == 400, r.status_code


def test_fixed_F06_unicode_digit_shelter_id_is_a_500(signed_in):
    """views.py toggle_shelter: '²'.isdigit() is True but int('²') raises ValueError."""
    b = signed_in("admin", "CR")
    token = csrf_from(b.get("/screening/settings").get_data(as_text=True))
    r = b.client.post("/screening/settings/shelters/%C2%B2", data={"toggle-csrf_token": token, "toggle-active": "0"})
    assert r.status_code in (302, 404), r.status_code


def test_fixed_F07_indicators_are_not_lost_without_a_version(decided, api, demo):
    """A PUT without the version only changes the codes it names (nothing is wiped); with a stale
    version it is a conflict."""
    a, _cid, sid = decided
    before = a.get(f"/api/v1/screenings/{sid}").json
    other = api("supervisor", "CR")
    r = other.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {}})
    assert r.status_code == 200
    r = other.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {"isolation": "observed"}})
    after = a.get(f"/api/v1/screenings/{sid}").json
    assert after["indicators"] == {**before["indicators"], "isolation": "observed"}
    assert after["indicator_notes"] == before["indicator_notes"]
    r = other.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {}, "version": before["version"]})
    assert r.status_code == 409


def test_fixed_F08_reading_the_decisions_is_audited(decided, demo):
    """Reading a screening decrypts its decisions too (reasons, members, shelter, change reason):
    that read is on the record as well."""
    _a, _cid, sid = decided
    with demo.test_request_context(), session_scope() as s:
        services.read_screening(s, principal(s, "viewer", "CR"), sid)
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "screening.read_decisions")
                        .order_by(AuditRecord.seq.desc())).scalars().first()
    assert "reasons" in rec.details and "members" in rec.details, rec.details


@pytest.mark.parametrize("page", ["interview", "custody"])
def test_fixed_F09_viewers_get_the_edit_forms(decided, signed_in, page):
    """views.py custody/interview: no require_role(WRITE_ROLES) before the read; a viewer gets the
    edit form (and an audited 'read_for_edit')."""
    _a, _cid, sid = decided
    assert signed_in("viewer", "CR").get(f"/screening/{sid}/{page}").status_code == 403


def test_fixed_F10_pdf_wrap_double_escapes_translated_text(demo):
    """pdf.py wrap_filter: `_()` in an autoescaped template already returns Markup (placeholders
    escaped); wrap turns it into str and escapes it again, so the PDF prints '&#39;' / '&amp;'."""
    with demo.test_request_context():
        from flask import render_template_string

        html = render_template_string('{{ _("Printed by %(who)s", who=who)|wrap }}', who="O'Brien & Co")
    assert Markup(html).unescape() == "Printed by O'Brien & Co", html


def test_fixed_F11_erasure_leaves_screening_ciphertext_behind(decided, demo):
    """cases/services.py erase_case nulls the case's fields and note bodies, but not the screening's
    or the decisions' ciphertexts (defence in depth if a key or backup survives)."""
    _a, cid, sid = decided
    with demo.test_request_context(), session_scope() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), cid, "entered_in_error")
    with demo.app_context(), session_scope() as s:
        sc = s.get(Screening, sid)
        assert sc.narrative is None and sc.first_account is None and sc.indicator_notes is None
