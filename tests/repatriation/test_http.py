"""The repatriation API (README, "API") and pages; the bilingual PDFs rendered and read back."""
import re
import subprocess
from datetime import datetime, timezone


from tests.conftest import translated
from tests.repatriation.conftest import SOON




def _cases(a, n, nationality="LA"):
    ids = []
    for i in range(n):
        r = a.post("/api/v1/cases", json={"person": {"full_name": f"ນາງ ແກ້ວ {i}", "sex": "female",
                                                     "nationality": nationality, "date_of_birth": "1998-02-02"}})
        assert r.status_code == 201
        ids.append(r.json["id"])
    return ids


def test_contract_flow_ck_to_hx(api):
    ck, hx = api("case", "CK"), api("case", "HX")
    ids = _cases(ck, 2)
    r = ck.post("/api/v1/repatriations", json={"case_ids": ids, "to_centre": "HX", "crossing": "CKG-HXY"})
    assert r.status_code == 201, r.json
    pid = r.json["id"]
    assert {s["key"] for s in r.json["steps"]} >= {"family_tracing", "family_assessment", "nationality_verification",
                                                   "consent", "legal_clearance", "arrangements"}
    assert all(s["state"] == "open" for s in r.json["steps"])
    handover = {"handed_over_at": datetime.now(timezone.utc).isoformat(), "crossing": "CKG-HXY",
                "officials": [{"name": "Pol. Maj. Chai", "position": "Inspector", "side": "sending"},
                              {"name": "Mr. Bounmy", "position": "Head, transit centre", "side": "receiving"}]}
    assert ck.post(f"/api/v1/repatriations/{pid}/handover", json=handover).status_code == 409
    for key in ("consent", "legal_clearance"):
        assert ck.post(f"/api/v1/repatriations/{pid}/steps/{key}", json={"state": "done"}).status_code == 200
    assert ck.post(f"/api/v1/repatriations/{pid}/steps/arrangements",
                   json={"state": "done", "details": {"date": SOON, "crossing": "CKG-HXY"}}).status_code == 200
    assert ck.post(f"/api/v1/repatriations/{pid}/steps/family_assessment", json={"state": "done"}).status_code == 403
    for key in ("family_tracing", "family_assessment", "nationality_verification"):
        r = hx.post(f"/api/v1/repatriations/{pid}/steps/{key}", json={"state": "done", "note": "ok"})
        assert r.status_code == 200, r.json
    assert r.json["state"] == "ready" and r.json["open_steps"] == []
    r = ck.post(f"/api/v1/repatriations/{pid}/handover", json=handover)
    assert r.status_code == 200 and r.json["state"] == "handed_over"
    assert ck.post(f"/api/v1/repatriations/{pid}/confirm-reception").status_code == 403
    r = hx.post(f"/api/v1/repatriations/{pid}/confirm-reception")
    assert r.status_code == 200 and r.json["state"] == "received"
    assert [f["months"] for f in r.json["follow_ups"]] == [1, 3, 6]
    assert [f["due_on"] for f in ck.get(f"/api/v1/repatriations/{pid}").json["follow_ups"]] == \
        [f["due_on"] for f in r.json["follow_ups"]]  # visible to both sides
    pdf = ck.get(f"/api/v1/repatriations/{pid}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_cross_centre_404_and_bad_input(api):
    cr = api("case", "CR")
    ids = _cases(cr, 1, "MM")
    pid = cr.post("/api/v1/repatriations", json={"case_ids": ids, "to_centre": "TL"}).json["id"]
    for role in ("case", "viewer", "admin"):
        ms = api(role, "MS")
        assert ms.get(f"/api/v1/repatriations/{pid}").status_code == 404
        assert ms.post(f"/api/v1/repatriations/{pid}/steps/consent", json={"state": "done"}).status_code == 404
        assert ms.get(f"/api/v1/repatriations/{pid}/receipt.pdf").status_code == 404
    assert cr.post("/api/v1/repatriations", json={"case_ids": ids, "to_centre": "TL"}).status_code == 422  # already planned
    assert cr.post("/api/v1/repatriations", json={"case_ids": ids, "to_centre": "MS"}).status_code == 422
    assert cr.post("/api/v1/repatriations", json={"case_ids": "nope", "to_centre": "TL"}).status_code == 422
    assert cr.post(f"/api/v1/repatriations/{pid}/steps/teleport", json={"state": "done"}).status_code == 404
    assert cr.post(f"/api/v1/repatriations/{pid}/steps/consent", json={"state": 5}).status_code == 422
    assert cr.post("/api/v1/repatriations", data="{oops", content_type="application/json").status_code == 400
    assert api("case", "TL").get("/api/v1/repatriations").json["items"][0]["id"] == pid


def _pdf_text(data, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return text.replace("\u200b", ""), fonts


def test_bilingual_receipt_and_manifest_thai_lao(api, tmp_path):
    ck = api("case", "CK")
    ids = _cases(ck, 1)
    pid = ck.post("/api/v1/repatriations", json={"case_ids": ids, "to_centre": "HX", "crossing": "CKG-HXY"}).json["id"]
    ck.post(f"/api/v1/repatriations/{pid}/steps/consent", json={"state": "done"})
    assert ck.post(f"/api/v1/repatriations/{pid}/manifest").status_code == 200
    for doc in ("receipt.pdf", "manifest.pdf"):
        r = api("case", "HX").get(f"/api/v1/repatriations/{pid}/{doc}")
        assert r.status_code == 200
        text, fonts = _pdf_text(r.data, tmp_path)
        assert len(re.findall(r"[\u0E00-\u0E7F]", text)) > 20, text[:300]   # Thai (host)
        assert len(re.findall(r"[\u0E80-\u0EFF]", text)) > 20, text[:300]   # Lao (home)
        assert "BRNotoThai" in fonts and "BRNotoLao" in fonts
    text, _f = _pdf_text(api("case", "HX").get(f"/api/v1/repatriations/{pid}/manifest.pdf").data, tmp_path)
    assert "ແກ້ວ" in text  # the person's name, shared by the manifest


def test_burmese_receipt_embeds_the_myanmar_font(api, tmp_path):
    cr = api("case", "CR")
    pid = cr.post("/api/v1/repatriations", json={"case_ids": _cases(cr, 1, "MM"), "to_centre": "TL"}).json["id"]
    _text, fonts = _pdf_text(cr.get(f"/api/v1/repatriations/{pid}/receipt.pdf").data, tmp_path)
    assert "BRNotoThai" in fonts and "BRNotoMyanmar" in fonts


def test_pages_new_plan_steps_and_list(signed_in, api, demo):
    ck = api("case", "CK")
    ids = _cases(ck, 3)
    b = signed_in("case", "CK")
    page = b.get(f"/repatriation/new?case={ids[0]}").get_data(as_text=True)  # opened from a case: ticked
    assert 'data-testid="case-picker"' in page and ids[0] in page and ids[1] not in page
    r = b.post_form("/repatriation/new", {"case_ids": ids, "to_centre": "HX", "crossing": "CKG-HXY",
                                          "planned_date": "2001-01-01"}, page="/repatriation/new")
    assert r.status_code == 422
    assert translated(demo, "th", "The handover date cannot be in the past.") in r.get_data(as_text=True)
    r = b.post_form("/repatriation/new", {"case_ids": ids, "to_centre": "HX", "crossing": "CKG-HXY",
                                          "planned_date": SOON}, page="/repatriation/new")
    assert r.status_code == 302
    url = r.location
    html = b.get(url).get_data(as_text=True)
    assert 'data-testid="blocking"' in html and html.count("ນາງ ແກ້ວ") == 3
    r = b.post_form(f"{url}/steps/consent", {"state": "done", "version": "1", "date": "2026-11-20"}, page=url)
    assert r.status_code == 302
    r = b.post_form(f"{url}/steps/family_assessment", {"state": "done", "version": "1"}, page=url)
    assert r.status_code == 403
    hx = signed_in("case", "HX")
    assert url.rsplit("/", 1)[1] in hx.get("/repatriation/").get_data(as_text=True)
    hx_page = hx.get(url).get_data(as_text=True)
    assert "ນາງ ແກ້ວ" not in hx_page  # nothing shared before the manifest
    assert signed_in("case", "MS").get(url).status_code == 404
    assert demo.test_client().get(url).status_code == 302


def test_the_partner_sees_which_centre_did_a_step_not_who(api, signed_in):
    ck = api("case", "CK")
    pid = ck.post("/api/v1/repatriations", json={"case_ids": _cases(ck, 1), "to_centre": "HX"}).json["id"]
    assert ck.post(f"/api/v1/repatriations/{pid}/steps/consent", json={"state": "done"}).status_code == 200
    hx_page = signed_in("case", "HX").get(f"/repatriation/{pid}").get_data(as_text=True)
    assert "case.ck@demo.border-referral.org" not in hx_page
    assert "case.ck@demo.border-referral.org" in signed_in("case", "CK").get(f"/repatriation/{pid}").get_data(as_text=True)


def _plan_count(demo):
    from sqlalchemy import func, select

    from border_referral.database import session_scope
    from border_referral.repatriation.models import Plan

    with demo.app_context(), session_scope() as s:
        return s.execute(select(func.count()).select_from(Plan)).scalar_one()


def test_the_picker_searches_the_whole_centre_and_a_search_saves_nothing(api, signed_in, demo):
    """More cases than a list page holds: the 30th is found by its case number and by its name; a
    search (picker=find) keeps what was typed and ticked and opens no plan; the plan includes it."""
    ck = api("case", "CK")
    made = [ck.post("/api/v1/cases", json={"person": {"full_name": f"Person {i:02d}", "sex": "female",
                                                       "nationality": "LA", "date_of_birth": "1998-02-02"}}).json
            for i in range(30)]
    first, last = made[0], made[-1]
    web = signed_in("case", "CK")
    url = "/repatriation/new"
    start = web.get(f"{url}?case={first['id']}").get_data(as_text=True)
    assert f'value="{first["id"]}" checked' in start and last["id"] not in start
    before = _plan_count(demo)
    typed = {"case_ids": [first["id"]], "to_centre": "HX", "crossing": "CKG-HXY", "planned_date": SOON}
    page = web.post_form(url, {**typed, "find": last["case_number"], "picker": "find"}, page=url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _plan_count(demo) == before
    assert f'value="{last["id"]}"' in html and "Person 29" in html          # found by number
    assert f'value="{first["id"]}" checked' in html                          # still ticked
    assert f'value="{SOON}"' in html and 'selected value="HX"' in html       # still typed
    assert 'selected value="CKG-HXY"' in html
    by_name = web.post_form(url, {**typed, "find": "Person 29", "picker": "find"}, page=url)
    assert by_name.status_code == 200 and f'value="{last["id"]}"' in by_name.get_data(as_text=True)
    none = web.post_form(url, {**typed, "find": "Nobody Here", "picker": "find"}, page=url).get_data(as_text=True)
    assert 'data-testid="picker-none"' in none and _plan_count(demo) == before
    saved = web.post_form(url, {**typed, "case_ids": [first["id"], last["id"]]}, page=url)
    assert saved.status_code == 302 and _plan_count(demo) == before + 1
    pid = saved.location.rsplit("/", 1)[-1]
    persons = {p["case_number"] for p in ck.get(f"/api/v1/repatriations/{pid}").json["persons"]}
    assert persons == {first["case_number"], last["case_number"]}


def test_a_refused_handover_comes_back_as_typed(api, signed_in, demo, plan):
    pid, _ids = plan("CK", ready=True)
    web = signed_in("case", "CK")
    url = f"/repatriation/{pid}"
    signature = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    typed = {"handed_over_at": "2099-01-01T10:00", "crossing": "CKG-HXY",
             "sending-0-name": "Pol. Maj. Chai", "sending-0-position": "Inspector", "sending-0-agency": "Immigration",
             "receiving-0-name": "Mr. Bounmy", "belongings": "One bag", "documents": "Certificate of identity",
             "signature-sending": signature}
    r = web.post_form(f"{url}/handover", typed, page=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert translated(demo, "th", "The time cannot be in the future.") in html
    for value in ("2099-01-01T10:00", "Pol. Maj. Chai", "Inspector", "Immigration", "Mr. Bounmy"):
        assert f'value="{value}"' in html
    assert ">One bag</textarea>" in html and ">Certificate of identity</textarea>" in html
    # The signature comes back in its hidden field (signature.js draws it back onto the pad).
    assert f'id="signature-sending" value="{signature}"' in html
    # The reason is shown at the field it is about, which points to it.
    message = translated(demo, "th", "The time cannot be in the future.")
    assert f'<p class="error" role="alert" id="handed_over_at-err">{message}</p>' in html
    assert 'id="handed_over_at" name="handed_over_at" value="2099-01-01T10:00" aria-invalid="true" ' \
           'aria-describedby="handed_over_at-err"' in html
    assert html.count(message) == 1
    assert api("case", "CK").get(f"/api/v1/repatriations/{pid}").json["state"] == "ready"


def test_a_refusal_about_the_officials_is_shown_at_the_officials(signed_in, demo, plan):
    pid, _ids = plan("CK", ready=True)
    web = signed_in("case", "CK")
    url = f"/repatriation/{pid}"
    signature = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    typed = {"handed_over_at": "2020-01-01T10:00", "crossing": "CKG-HXY", "sending-0-name": "Pol. Maj. Chai",
             "belongings": "One bag", "signature-sending": signature, "signature-receiving": signature}
    r = web.post_form(f"{url}/handover", typed, page=url)  # no receiving official
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    message = translated(demo, "th", "Name the officials of both sides.")
    assert f'<p class="error" role="alert" id="handover-officials-err">{message}</p>' in html
    assert html.index("handover-officials-err") < html.index('<table id="handover-officials">')
    assert 'flash-error' not in html  # not a message at the top of the page, away from the form
    assert f'id="signature-sending" value="{signature}"' in html and f'id="signature-receiving" value="{signature}"' in html
    assert 'value="Pol. Maj. Chai"' in html and ">One bag</textarea>" in html


def test_a_refused_step_comes_back_as_typed_and_others_answer_plainly(api, signed_in, demo, plan):
    pid, _ids = plan("CK")
    web = signed_in("case", "CK")
    url = f"/repatriation/{pid}"
    r = web.post_form(f"{url}/steps/consent", {"state": "done", "version": "1", "date": "not a date",
                                               "language": "ລາວ", "note": "Asked twice"}, page=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="ລາວ"' in html and ">Asked twice</textarea>" in html
    assert web.post_form(f"{url}/steps/family_assessment", {"state": "done", "version": "1"},
                         page=url).status_code == 403
    assert signed_in("case", "MS").post_form(f"{url}/steps/consent", {"state": "done", "version": "1"},
                                             page="/repatriation/").status_code == 404


def test_fixed_nul_in_a_plan_filter_is_a_500(api, demo):
    """Found by schemathesis on PostgreSQL (a NUL in a compared value is a DataError there)."""
    cr = api("case", "CR")
    for name in ("state", "crossing", "direction"):
        r = cr.get(f"/api/v1/repatriations?{name}=planning%00")
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid", (name, r.json)
        assert r.json["error"]["message"] == translated(demo, "th", "The text contains characters that cannot be stored.")
    assert cr.get("/api/v1/repatriations?state=planning").status_code == 200
