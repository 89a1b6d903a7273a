"""Security review of repatriation: what the home side may see and when, third centres, sides and
roles, audited reads, odd input, lost updates, markup in PDFs and pages, erasure.

Tests named `test_finding_...` demonstrate a defect found in the review (they fail until it is
fixed); the others guard what is sound."""
import base64
import io
import json
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from border_referral.audit import verify
from border_referral.audit.models import AuditRecord
from border_referral.cases import services as cases
from border_referral.database import session_scope
from border_referral.errors import Conflict, PermissionDenied, ValidationError
from border_referral.repatriation import services
from border_referral.repatriation.models import FollowUp, Plan, PlanPerson, PlanStep
from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_LO, CANARY_MY, CANARY_TH
from tests.conftest import database_bytes, principal
from tests.repatriation.conftest import SOON, host_steps

NARRATIVE = "Recruited through a broker"
# Everything of the host's case file that is not in the manifest.
CASE_ONLY = (CANARY_ID, CANARY_TH, CANARY_LO, NARRATIVE, "1995-01-01", "medical follow-up")
OFFICIALS = [{"name": "Pol. Col. Somsakzz", "position": "Superintendent", "side": "sending"},
             {"name": "U Kyawzz", "position": "Deputy Director, DSW", "side": "receiving"}]


def handover(**over):
    return {"handed_over_at": datetime.now(timezone.utc).isoformat(), "crossing": "MSI-TCL",
            "officials": OFFICIALS, **over}


@pytest.fixture
def caller(demo, token_for):
    """Factory: an API client of a demo user (role, centre)."""
    def make(role="case", centre="CR"):
        client = demo.test_client()
        headers = {"Authorization": f"Bearer {token_for(role, centre)}"}

        class Api:
            def __getattr__(self, method):
                def call(path, **kw):
                    return getattr(client, method)(path, headers={**headers, **kw.pop("headers", {})}, **kw)
                return call

            def raw(self, path, obj):  # JSON with \uXXXX escapes kept (lone surrogates reach the server)
                return client.post(path, data=json.dumps(obj, ensure_ascii=True), content_type="application/json",
                                   headers=headers)
        return Api()
    return make


def _step_version(s, pid, key):
    return s.execute(select(PlanStep).where(PlanStep.plan_id == pid, PlanStep.key == key)).scalar_one().version


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.replace("\u200b", "").split())


def _audit_after(s, seq: int) -> list[AuditRecord]:
    return s.execute(select(AuditRecord).where(AuditRecord.seq > seq).order_by(AuditRecord.seq)).scalars().all()


def _last_seq(s) -> int:
    return max([r.seq for r in s.execute(select(AuditRecord)).scalars()] or [0])


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# ==================================================================== guards: what is sound

@pytest.mark.parametrize("role, centre", [("case", "MS"), ("admin", "MS"), ("case", "HX"), ("viewer", "HX")])
def test_a_third_centre_gets_404_on_every_plan_route(caller, plan, role, centre):
    """HX is a partner of CR (tri-country group) but not on this CR→TL plan: still "not found"."""
    pid, _ids = plan(ready=True)
    person = caller("case", "CR").get(f"/api/v1/repatriations/{pid}").json["persons"][0]["id"]
    other, base = caller(role, centre), f"/api/v1/repatriations/{pid}"
    for method, path, body in [("get", "", None), ("get", "/receipt.pdf", None), ("get", "/manifest.pdf", None),
                               ("post", "/steps/consent", {"state": "done"}),
                               ("post", "/steps/family_tracing", {"state": "done"}),
                               ("post", "/manifest", {}), ("post", f"/persons/{person}/escort", {"name": "X"}),
                               ("post", "/handover", handover()), ("post", "/confirm-reception", {}),
                               ("post", "/follow-ups/1", {"report": "x"})]:
        r = getattr(other, method)(base + path, **({"json": body} if body is not None else {}))
        assert r.status_code == 404, (path, r.status_code)
    assert pid not in json.dumps(other.get("/api/v1/repatriations").json)


def test_a_third_centre_gets_404_on_the_pages(signed_in, plan):
    pid, _ids = plan(ready=True)
    b = signed_in("case", "MS")
    for path in ("", "/receipt.pdf", "/manifest.pdf"):
        assert b.get(f"/repatriation/{pid}{path}").status_code == 404
    page = signed_in("case", "CR").get(f"/repatriation/{pid}").get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(page)
    r = b.client.post(f"/repatriation/{pid}/steps/consent", data={"csrf_token": token, "state": "done"})
    assert r.status_code in (400, 404)  # another session's token, or not found: never a change


def test_home_side_sees_no_case_data_before_the_manifest_and_only_the_manifest_after(caller, signed_in, plan, tmp_path):
    pid, ids = plan(ready=True)  # every step done, manifest not sent
    tl = caller("case", "TL")
    blob = json.dumps(tl.get(f"/api/v1/repatriations/{pid}").json, ensure_ascii=False)
    page = signed_in("case", "TL").get(f"/repatriation/{pid}").get_data(as_text=True)
    for text in (blob, page):
        for secret in (CANARY_MY, CANARY_LATIN, *CASE_ONLY, ids[0]):
            assert secret not in text, secret
    assert f"/cases/{ids[0]}" not in page  # no link into the host's case file
    for doc in ("receipt.pdf", "manifest.pdf"):
        assert CANARY_LATIN not in _pdf_text(tl.get(f"/api/v1/repatriations/{pid}/{doc}").data, tmp_path)

    assert caller("case", "CR").post(f"/api/v1/repatriations/{pid}/manifest").status_code == 200
    blob = json.dumps(tl.get(f"/api/v1/repatriations/{pid}").json, ensure_ascii=False)
    assert CANARY_MY in blob  # the manifest's name, now shared
    page = signed_in("case", "TL").get(f"/repatriation/{pid}").get_data(as_text=True)
    for text in (blob, page):
        for secret in (*CASE_ONLY, ids[0]):
            assert secret not in text, secret
    assert CANARY_LATIN in _pdf_text(tl.get(f"/api/v1/repatriations/{pid}/manifest.pdf").data, tmp_path)


def test_sides_and_roles(caller, plan):
    pid, _ids = plan()
    base = f"/api/v1/repatriations/{pid}"
    cr, tl = caller("case", "CR"), caller("case", "TL")
    for key in ("family_tracing", "family_assessment", "nationality_verification"):
        assert cr.post(f"{base}/steps/{key}", json={"state": "done"}).status_code == 403
    for key in ("consent", "legal_clearance"):
        assert tl.post(f"{base}/steps/{key}", json={"state": "done"}).status_code == 403
    assert cr.post(f"{base}/steps/consent", json={"state": "done"}).status_code == 200
    assert tl.post(f"{base}/manifest").status_code == 403
    for who in (caller("viewer", "CR"), caller("viewer", "TL")):
        assert who.get(base).status_code == 200
        assert who.post(f"{base}/steps/arrangements", json={"state": "done"}).status_code == 403
        assert who.post(f"{base}/manifest").status_code == 403
    for who in (caller("secretariat", "TL"), caller("admin", "CR")):
        assert who.get(base).status_code == 403


def test_only_the_home_side_confirms_reception_and_reports(db, plan):
    pid, _ids = plan(ready=True)
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        services.record_handover(s, cr, pid, handover())
        with pytest.raises(PermissionDenied):
            services.confirm_reception(s, cr, pid, {})
        services.confirm_reception(s, tl, pid, {})
        fu = s.execute(select(FollowUp).where(FollowUp.plan_id == pid)).scalars().first()
        with pytest.raises(PermissionDenied):
            services.submit_follow_up(s, cr, pid, fu.id, "Host writes the report")


def test_reads_are_audited_and_audit_details_carry_no_personal_data(db, plan):
    pid, _ids = plan(n=2, ready=True)
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        before = _last_seq(s)
        services.read_plan(s, cr, pid)
        recs = _audit_after(s, before)
        assert [r.action for r in recs].count("case.read_for_repatriation") == 2
        assert {r.target_type for r in recs if r.action == "case.read_for_repatriation"} == {"case_file"}
        services.send_manifest(s, cr, pid)
        before = _last_seq(s)
        services.read_plan(s, tl, pid)
        recs = _audit_after(s, before)
        assert [r.action for r in recs] == ["repatriation.read", "repatriation.read_details"]
        assert "manifest" in json.loads(recs[0].details)["fields"]
        services.record_handover(s, cr, pid, handover(belongings="Bag with clothes", signatures={}))
        services.confirm_reception(s, tl, pid, {"facility": "DSW shelter", "note": "Arrived well"})
        fu = s.execute(select(FollowUp).where(FollowUp.plan_id == pid)).scalars().first()
        services.submit_follow_up(s, tl, pid, fu.id, "Back at school")
        details = " ".join(r.details for r in s.execute(select(AuditRecord)).scalars())
        for secret in (CANARY_MY, CANARY_LATIN, *CASE_ONLY, "Somsakzz", "Kyawzz", "Officer Noi", "CI-0",
                       "Mother found", "Bag with clothes", "DSW shelter", "Back at school"):
            assert secret not in details, secret
        assert verify(s).ok


def test_plan_data_is_encrypted_at_rest(app, db, plan):
    pid, _ids = plan(ready=True)
    with db() as s:
        cr, tl = principal(s, "case", "CR"), principal(s, "case", "TL")
        services.send_manifest(s, cr, pid)
        services.record_handover(s, cr, pid, handover(belongings="Zqbelongings"))
        services.confirm_reception(s, tl, pid, {"note": "Zqreception"})
        fu = s.execute(select(FollowUp).where(FollowUp.plan_id == pid)).scalars().first()
        services.submit_follow_up(s, tl, pid, fu.id, "Zqreport")
    raw = database_bytes(app)
    assert b"repatriation" in raw  # we are looking at the real data
    for secret in (CANARY_MY, CANARY_LATIN, "Somsakzz", "Officer Noi", "CI-0", "Mother found", "Zqbelongings",
                   "Zqreception", "Zqreport"):
        assert secret.encode() not in raw, secret


def test_pdf_names_carry_the_reference_only(caller, plan):
    pid, _ids = plan(ready=True)
    cr = caller("case", "CR")
    cr.post(f"/api/v1/repatriations/{pid}/manifest")
    reference = cr.get(f"/api/v1/repatriations/{pid}").json["reference"]
    for doc in ("receipt", "manifest"):
        r = cr.get(f"/api/v1/repatriations/{pid}/{doc}.pdf")
        assert r.headers["Content-Disposition"] == f'attachment; filename="{doc}-{reference}.pdf"'


def test_markup_in_notes_is_escaped_and_no_inline_script(caller, signed_in, plan):
    pid, _ids = plan()
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    assert caller("case", "TL").post(f"/api/v1/repatriations/{pid}/steps/family_tracing",
                                     json={"state": "done", "note": evil}).status_code == 200
    r = signed_in("case", "CR").get(f"/repatriation/{pid}")
    html = r.get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;alert(1)" in html
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "<script>" not in html.replace("<script>alert", "")  # every script has a src


def test_forms_need_the_csrf_token(signed_in, plan, db):
    pid, _ids = plan()
    b = signed_in("case", "CR")
    r = b.client.post(f"/repatriation/{pid}/steps/consent", data={"state": "done", "version": "1"})
    assert r.status_code == 400
    with db() as s:
        assert _step_version(s, pid, "consent") == 1


BAD_STEPS = [
    ("CR", "consent", {"state": ["done"]}),
    ("CR", "consent", {"state": "done", "version": [1]}),
    ("CR", "consent", {"state": "done", "version": "9" * 5000}),
    ("CR", "consent", {"state": "done", "details": [1, 2]}),
    ("CR", "consent", {"state": "done", "details": "x"}),
    ("CR", "consent", {"state": "done", "details": {"date": "2026-02-30"}}),
    ("CR", "consent", {"state": "done", "details": {"date": [2026, 1, 1]}}),
    ("CR", "consent", {"state": "done", "note": {"a": 1}}),
    ("CR", "consent", {"state": "done", "note": "x" * 20001}),
    ("CR", "consent", {"state": "done", "note": "a\x00b"}),
    ("CR", "consent", {"state": "failed", "note": "x", "alternative": ["shelter"]}),
    ("CR", "legal_clearance", {"state": "done", "details": {"clearance": {"x": 1}}}),
    ("CR", "arrangements", {"state": "done", "details": {"date": "99999-01-01", "crossing": "MSI-TCL"}}),
    ("CR", "arrangements", {"state": "done", "details": {"date": SOON, "crossing": ["MSI-TCL"]}}),
    ("CR", "arrangements", {"state": "done", "details": {"date": SOON, "crossing": "MSI-TCL", "escorts": [1, 2]}}),
    ("CR", "arrangements", {"state": "done", "details": {"date": SOON, "crossing": "MSI-TCL", "escorts": {"a": 1}}}),
    ("TL", "family_assessment", {"state": "done", "details": {"assessment": ["safe"]}}),
    ("TL", "family_assessment", {"state": "done", "details": {"assessment": "not_safe"}}),
    ("TL", "nationality_verification", {"state": "done", "details": {"documents": ["x"]}}),
    ("TL", "nationality_verification", {"state": "done", "details": {"documents": {"NOPE": {"type": "passport"}}}}),
]


def test_odd_step_input_is_refused_cleanly_and_changes_nothing(caller, plan, db):
    pid, _ids = plan()
    with db() as s:
        number = s.execute(select(PlanPerson).where(PlanPerson.plan_id == pid)).scalar_one().case_number
    cases_ = BAD_STEPS + [("TL", "nationality_verification", {"state": "done", "details": {"documents": {
        number: {"type": "passport", "expiry": "31/12/2027"}}}}),
        ("TL", "nationality_verification", {"state": "done", "details": {"documents": {number: "passport"}}})]
    before = {c: caller("case", c).get(f"/api/v1/repatriations/{pid}").json for c in ("CR",)}
    for centre, key, body in cases_:
        r = caller("case", centre).post(f"/api/v1/repatriations/{pid}/steps/{key}", json=body)
        assert r.status_code in (400, 409, 422), (key, body, r.status_code)
        assert r.json["error"]["message"]
    after = caller("case", "CR").get(f"/api/v1/repatriations/{pid}").json
    assert after["version"] == before["CR"]["version"] and after["steps"] == before["CR"]["steps"]


def test_odd_handover_and_reception_input_is_refused_cleanly(caller, plan):
    pid, _ids = plan(ready=True)
    cr, base = caller("case", "CR"), f"/api/v1/repatriations/{pid}"
    for body in [handover(handed_over_at="2026-01-01T25:00"), handover(handed_over_at=12),
                 handover(handed_over_at=(datetime.now(timezone.utc) + timedelta(days=2)).isoformat()),
                 handover(crossing=["MSI-TCL"]), handover(crossing="CKG-HXY"), handover(officials="x"),
                 handover(officials=["x", "y"]), handover(officials=[OFFICIALS[0]]),
                 handover(officials=[{**OFFICIALS[0], "side": ["sending"]}, OFFICIALS[1]]),
                 handover(officials=[OFFICIALS[0]] * 41), handover(belongings=["x"]),
                 handover(signatures=["data:image/png;base64,AAAA"]),
                 handover(signatures={"sending": "javascript:alert(1)"}),
                 handover(signatures={"sending": "data:image/svg+xml;base64,PHN2Zz4="}),
                 handover(signatures={"sending": "data:image/png;base64," + "A" * 400_000})]:
        r = cr.post(f"{base}/handover", json=body)
        assert r.status_code == 422, (body, r.status_code)
    assert cr.get(base).json["state"] == "ready"
    assert cr.post(f"{base}/handover", json=handover()).status_code == 200
    tl = caller("case", "TL")
    for body in [{"stay_until": "2026-02-30"}, {"stay_until": ["x"]}, {"facility": {"a": 1}}, {"note": "x" * 20001}]:
        assert tl.post(f"{base}/confirm-reception", json=body).status_code == 422
    assert tl.post(f"{base}/confirm-reception", data="[1]", content_type="application/json").status_code == 422
    assert tl.post(f"{base}/confirm-reception").status_code == 200
    fu = tl.get(base).json["follow_ups"][0]["id"]
    for body in [{"report": ["x"]}, {"report": 5}, {"report": ""}, {"report": "x" * 20001}]:
        assert tl.post(f"{base}/follow-ups/{fu}", json=body).status_code == 422
    for bad in ("0", "-1", "99999999999", "abc", "1.5"):
        assert tl.post(f"{base}/follow-ups/{bad}", json={"report": "x"}).status_code == 404


def test_stale_step_version_is_a_conflict_not_an_overwrite(caller, plan):
    pid, _ids = plan()
    tl, base = caller("case", "TL"), f"/api/v1/repatriations/{pid}"
    assert tl.post(f"{base}/steps/family_tracing", json={"state": "done", "version": 1, "note": "A"}).status_code == 200
    r = tl.post(f"{base}/steps/family_tracing", json={"state": "done", "version": 1, "note": "B"})
    assert r.status_code == 409
    step = next(s for s in tl.get(base).json["steps"] if s["key"] == "family_tracing")
    assert step["note"] == "A"


# ==================================================================== findings

@pytest.mark.parametrize("path, body", [
    ("/steps/arrangements", {"state": "done", "details": {"date": SOON, "crossing": "MSI-TCL", "escorts": ["\ud800"]}}),
    ("/steps/arrangements", {"state": "done", "details": {"date": SOON, "crossing": "MSI-TCL", "escorts": "a\ud800"}}),
    ("/handover", handover(signatures={"sending": "data:image/png;base64,\ud800"})),
])
def test_fixed_lone_surrogate_in_escorts_or_signature_is_a_500(caller, plan, path, body):
    """services._step_details (escorts) and record_handover (signatures) skip the _plain() check that
    _text() does; json.dumps(...).encode() in Vault.write then raises UnicodeEncodeError -> 500."""
    pid, _ids = plan(ready=path == "/handover")
    r = caller("case", "CR").raw(f"/api/v1/repatriations/{pid}{path}", body)
    assert r.status_code == 422, r.status_code


def test_fixed_signature_is_checked_by_prefix_only_and_the_pdf_fetches_urls(caller, plan, db):
    """An SVG labelled data:image/png passes the check; WeasyPrint falls back to SVG when Pillow cannot
    read it, and pdf.render has no restricted url_fetcher: every render of the receipt (either side)
    makes the server fetch the SVG's URLs (SSRF; file:// images too)."""
    hits = []

    class Beacon(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Beacon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image '
               f'href="http://127.0.0.1:{server.server_port}/beacon.png" width="20" height="20"/></svg>')
        signature = "data:image/png;base64," + base64.b64encode(svg.encode()).decode()
        pid, _ids = plan(ready=True)
        r = caller("case", "CR").post(f"/api/v1/repatriations/{pid}/handover",
                                      json=handover(signatures={"sending": signature}))
        if r.status_code == 200:  # accepted: the receipt must still not reach out
            assert caller("case", "TL").get(f"/api/v1/repatriations/{pid}/receipt.pdf").status_code == 200
        else:
            assert r.status_code == 422
        assert hits == []
    finally:
        server.shutdown()
        server.server_close()


def test_fixed_erasing_a_case_leaves_its_manifest_and_documents_with_both_sides(db, plan):
    """cases.erase_case shreds referrals and screenings but not repatriation: the manifest (name,
    Latin name, age, sex, photo), the travel document and escort stay readable under the plan key."""
    pid, ids = plan(ready=True)
    with db() as s:
        services.send_manifest(s, principal(s, "case", "CR"), pid)
    with db() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), ids[0], "data_subject_request")
    with db() as s:
        view = services.read_plan(s, principal(s, "case", "TL"), pid)
        shared = json.dumps([view.manifest, [(pv.name, pv.latin_name, pv.travel_document) for pv in view.persons]],
                            ensure_ascii=False)
        assert CANARY_MY not in shared and CANARY_LATIN not in shared and "CI-0" not in shared


def test_fixed_withdrawn_consent_leaves_the_manifest_with_the_home_side(db, plan):
    """Consent re-recorded as failed stops the plan, but the manifest sent on the strength of that
    consent stays readable by the home centre (plan.manifest is never cleared)."""
    pid, _ids = plan()
    with db() as s:
        cr = principal(s, "case", "CR")
        host_steps(s, "CR", pid, "MSI-TCL")
        services.send_manifest(s, cr, pid)
        services.record_step(s, cr, pid, "consent", {"state": "failed", "version": _step_version(s, pid, "consent"),
                                                     "note": "Does not want to return", "alternative": "Stays in shelter"})
        view = services.read_plan(s, principal(s, "case", "TL"), pid)
        assert view.plan.state == "stopped"
        assert view.manifest is None and all(pv.name is None for pv in view.persons)


def test_fixed_a_person_can_be_sent_to_a_centre_of_another_country(db, make_case):
    """create_plan checks partnership and 'another country' but not the person's nationality: a
    Myanmar national's plan (and, after consent, manifest) can go to Huay Xai (LA) through the
    tri-country partnership CR-TL-HX."""
    cid = make_case(centre="CR", nationality="MM")
    with db() as s:
        with pytest.raises(ValidationError):
            services.create_plan(s, principal(s, "case", "CR"), {"case_ids": [cid], "to_centre": "HX"})


def test_fixed_consent_can_be_marked_not_required(db, plan):
    """The person's consent to return (and the family assessment) accept 'not_required': the plan
    becomes ready and the handover can happen without either."""
    pid, _ids = plan()
    with db() as s:
        with pytest.raises(ValidationError):
            services.record_step(s, principal(s, "case", "CR"), pid, "consent", {"state": "not_required"})


def test_fixed_a_submitted_follow_up_report_is_silently_overwritten(db, plan):
    pid, _ids = plan(ready=True)
    with db() as s:
        tl = principal(s, "case", "TL")
        services.record_handover(s, principal(s, "case", "CR"), pid, handover())
        services.confirm_reception(s, tl, pid, {})
        fu = s.execute(select(FollowUp).where(FollowUp.plan_id == pid)).scalars().first()
        services.submit_follow_up(s, tl, pid, fu.id, "First officer's report")
        with pytest.raises(Conflict):
            services.submit_follow_up(s, tl, pid, fu.id, "Second officer's report")


def test_fixed_a_second_different_handover_is_silently_dropped(db, plan):
    """record_handover returns early once handed over: a second official's record with other
    officials/signatures 'succeeds' (the page says "recorded") but is discarded."""
    pid, _ids = plan(ready=True)
    with db() as s:
        cr = principal(s, "case", "CR")
        services.record_handover(s, cr, pid, handover())
        other = [{"name": "Someone else", "side": "sending"}, {"name": "Another", "side": "receiving"}]
        with pytest.raises(Conflict):
            services.record_handover(s, principal(s, "case", "TL"), pid, handover(officials=other))


def test_fixed_concurrent_escort_change_is_a_500_not_a_conflict(db, plan):
    """set_escort bumps plan.version and calls session.flush() itself: a concurrent change raises
    StaleDataError, which is not turned into Conflict (409) as _save does."""
    pid, _ids = plan(dob="2012-01-01")
    with db() as s:
        plan_row = s.get(Plan, pid)
        person = s.execute(select(PlanPerson).where(PlanPerson.plan_id == pid)).scalar_one()
        with session_scope() as other:  # another request changes the plan meanwhile
            other.get(Plan, pid).version = plan_row.version + 1
        with pytest.raises(Conflict):
            services.set_escort(s, principal(s, "case", "TL"), pid, person.id, {"name": "Daw Mya", "relation": "mother"})
        s.rollback()  # the request would answer 409 and keep nothing


def test_fixed_plan_read_does_not_audit_documents_escorts_and_reports(db, plan):
    """read_plan audits one 'repatriation.read' listing only the plan's own fields; travel documents,
    escorts, step notes and follow-up reports are decrypted with vault.decrypt and never named."""
    pid, _ids = plan(ready=True, dob="2012-01-01")
    with db() as s:
        tl = principal(s, "case", "TL")
        person = s.execute(select(PlanPerson).where(PlanPerson.plan_id == pid)).scalar_one()
        services.set_escort(s, tl, pid, person.id, {"name": "Daw Mya", "relation": "mother"})
        services.record_handover(s, principal(s, "case", "CR"), pid, handover())
        services.confirm_reception(s, tl, pid, {})
        fu = s.execute(select(FollowUp).where(FollowUp.plan_id == pid)).scalars().first()
        services.submit_follow_up(s, tl, pid, fu.id, "Back at school")
        before = _last_seq(s)
        view = services.read_plan(s, tl, pid)
        assert view.persons[0].travel_document and view.persons[0].escort and view.follow_ups[0][1]
        fields = set()
        for rec in _audit_after(s, before):
            fields |= set(json.loads(rec.details).get("fields", []))
        assert {"travel_document", "escort", "report"} <= fields, fields


def test_fixed_manifest_photo_read_is_not_audited(db, make_case, demo):
    """_photo decrypts the case's photo through read_file without the 'case.attachment_read' record
    that cases.read_attachment writes."""
    cid = make_case(centre="CR", date_of_birth="1995-01-01")
    with db() as s:
        cr = principal(s, "case", "CR")
        cases.add_attachment(s, cr, cid, io.BytesIO(_png()), "face.png")
        pid = services.create_plan(s, cr, {"case_ids": [cid], "to_centre": "TL"}).id
        host_steps(s, "CR", pid, "MSI-TCL")
        before = _last_seq(s)
        services.send_manifest(s, cr, pid)
        recs = _audit_after(s, before)
        view = services.read_plan(s, principal(s, "case", "TL"), pid)
        photo = view.manifest["persons"][0]["photo"]
        assert photo.startswith("data:image/jpeg;base64,/9j/")  # re-encoded by the server: sound
        assert any(r.action == "case.attachment_read" or "photo" in r.details for r in recs), [r.action for r in recs]


def test_fixed_follow_up_ids_are_sequential_integers(caller, plan):
    """README, "API": identifiers in the API are opaque strings, never sequential integers."""
    pid, _ids = plan(ready=True)
    base = f"/api/v1/repatriations/{pid}"
    caller("case", "CR").post(f"{base}/handover", json=handover())
    r = caller("case", "TL").post(f"{base}/confirm-reception")
    ids = [f["id"] for f in r.json["follow_ups"]]
    assert all(isinstance(i, str) and not i.isdecimal() for i in ids), ids
