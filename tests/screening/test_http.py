"""The identification pages and API: what a user and a partner's script see, cross-centre 404s, bad
input as clear JSON errors, the printable record."""
import re
import shutil
import subprocess

import pytest

from tests.conftest import translated
from tests.screening.conftest import INTERVIEW, MEMBERS


def auth(token):
    return {"Authorization": f"Bearer {token}"}




@pytest.fixture
def api_case(api):
    a = api()
    r = a.post("/api/v1/cases", json={"person": {"full_name": "ມາລີ ສີສຸກ", "sex": "female", "nationality": "LA",
                                                 "date_of_birth": "1995-02-02"}})
    assert r.status_code == 201
    return a, r.json["id"]


def test_contract_screening_indicators_decision(api_case):
    a, cid = api_case
    r = a.post(f"/api/v1/cases/{cid}/screenings", json={
        "custody_started_at": "2026-11-20T23:30:00+06:30", "language": "my",
        "interpreter": {"name": "Ko Min", "language": "my", "agency": "NGO"}})
    assert r.status_code == 201, r.json
    sid = r.json["id"]
    assert r.json["custody_deadline"] == "2026-11-21T17:00:00Z"
    r = a.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {
        "deception": "observed", "debt_bondage": "observed", "isolation": "unknown"}})
    assert r.status_code == 200
    r = a.put(f"/api/v1/screenings/{sid}/interview", json={**INTERVIEW, "version": r.json["version"]})
    assert r.status_code == 200, r.json
    r = a.post(f"/api/v1/screenings/{sid}/decision", json={
        "outcome": "victim", "reasons": "Deception and debt bondage", "decided_at": "2026-11-21T10:00:00+07:00",
        "members": MEMBERS})
    assert r.status_code == 201, r.json
    assert r.json["reflection_period_ends"] == "2027-01-05"
    got = a.get(f"/api/v1/screenings/{sid}").json
    assert got["outcome"] == "victim" and got["stage"] == "decided" and got["elements"]["met"] is True
    assert got["decisions"][0]["members"][0]["name"] == MEMBERS[0]["name"]
    assert [s["id"] for s in a.get(f"/api/v1/cases/{cid}/screenings").json["items"]] == [sid]


@pytest.mark.parametrize("body, status", [
    ({"custody_started_at": "2026-11-10T08:00+07:00", "court_extension_until": "2026-11-18T08:00+07:00",
      "court_order_number": "1/2569"}, 422),
    ({"custody_started_at": "not a time"}, 422),
    ({"language": "klingon"}, 422),
    ({"interpreter": "Ko Min"}, 422),
])
def test_bad_input_is_a_json_error_never_500(api_case, body, status):
    a, cid = api_case
    r = a.post(f"/api/v1/cases/{cid}/screenings", json=body)
    assert r.status_code == status and r.json["error"]["code"] == "invalid" and r.json["error"]["message"]


def test_malformed_json_and_missing_members(api_case, demo):
    a, cid = api_case
    r = a.post(f"/api/v1/cases/{cid}/screenings", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"]
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={}).json["id"]
    r = a.post(f"/api/v1/screenings/{sid}/decision", json={"outcome": "at_risk", "reasons": "x",
                                                          "members": MEMBERS[:1]})
    assert r.status_code == 422
    # the demo case worker of Chiang Rai reads Thai
    agency = translated(demo, "th", "Social development officer")
    assert agency in r.json["error"]["message"] and agency != "Social development officer"
    r = a.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {"not_a_code": "observed"}})
    assert r.status_code == 422


def test_another_centre_gets_404_on_every_screening_call(api_case, api):
    a, cid = api_case
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={}).json["id"]
    for role in ("case", "viewer", "admin"):
        other = api(role, "TL")
        assert other.get(f"/api/v1/screenings/{sid}").status_code == 404
        assert other.post(f"/api/v1/cases/{cid}/screenings", json={}).status_code == 404
        assert other.get(f"/api/v1/cases/{cid}/screenings").status_code == 404
        assert other.put(f"/api/v1/screenings/{sid}/indicators", json={"indicators": {}}).status_code == 404
        assert other.post(f"/api/v1/screenings/{sid}/decision", json={"outcome": "victim", "reasons": "x",
                                                                     "members": MEMBERS}).status_code == 404
        assert other.patch(f"/api/v1/screenings/{sid}/custody", json={"version": 1}).status_code == 404
    assert api("case", "TL").get("/api/v1/screenings/clocks").json["custody"] == []


def test_stale_version_is_409(api_case):
    a, cid = api_case
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={"custody_started_at": "2026-11-20T08:00+07:00"}).json["id"]
    assert a.patch(f"/api/v1/screenings/{sid}/custody", json={"version": 1, "custody_ended_at": "2026-11-20T09:00+07:00"}).status_code == 200
    r = a.patch(f"/api/v1/screenings/{sid}/custody", json={"version": 1, "custody_ended_at": "2026-11-20T10:00+07:00"})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"


def test_clocks_api(api_case):
    a, cid = api_case
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={"custody_started_at": "2026-11-20T08:00+07:00"}).json["id"]
    clocks = a.get("/api/v1/screenings/clocks").json
    assert clocks["custody"][0]["screening_id"] == sid and clocks["custody"][0]["overdue"] is True
    assert clocks["undecided"][0]["case_id"] == cid


def test_openapi_lists_the_screening_routes(client, demo):
    paths = demo.test_client().get("/api/v1/openapi.json").json["paths"]
    for p in ("/api/v1/cases/{case_id}/screenings", "/api/v1/screenings/{screening_id}/indicators",
              "/api/v1/screenings/{screening_id}/decision", "/api/v1/screenings/clocks"):
        assert p in paths, sorted(paths)


# ---------------------------------------------------------------- pages

def _case_page(signed_in):
    b = signed_in("case", "CR")
    r = b.post_form("/screening/new", {
        "full_name": "นางสาวมะลิ", "sex": "female", "nationality": "MM", "age_estimate": "30",
        "source": "labour_inspection", "prescreen_place": "Mae Sai market", "prescreened_by": "Inspector Dee",
        "prescreen_indicators": ["deception"], "first_account": "She says she was sold",
        "custody_started_at": "2026-11-20T23:30", "language": "my"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    return b, r.location


def test_prescreen_interview_decide_through_the_pages(signed_in, demo):
    b, url = _case_page(signed_in)
    html = b.get(url).get_data(as_text=True)
    assert "She says she was sold" in html and 'data-testid="custody-clock"' in html
    assert "overdue" in html  # 20 Nov 23:30 + 24 h has passed; said in words too
    assert translated(demo, "th", "OVERDUE by %(h)s h %(m)s min", h="{h}", m="{m}").split("{h}")[0] in html
    form = {f"indicators-{i}-value": "unknown" for i in range(19)}
    form.update({"version": "1", "interview_at": "2026-11-21T09:00", "interview_ended_at": "2026-11-21T08:00", "language": "my",
                 "interview_consent": "yes", "acts": ["recruitment"], "means": ["deception"],
                 "exploitation_types": ["forced_labour"], "narrative": "Long story"})
    r = b.post_form(f"{url}/interview", form, page=f"{url}/interview")
    assert r.status_code == 422
    assert translated(demo, "th", "The end cannot be before the start.") in r.get_data(as_text=True)
    form["interview_ended_at"] = "2026-11-21T11:00"
    assert b.post_form(f"{url}/interview", form, page=f"{url}/interview").status_code == 302
    # a second save based on the same (now stale) version is a conflict; the input stays in the form
    r = b.post_form(f"{url}/interview", {**form, "narrative": "Other story"}, page=f"{url}/interview")
    assert r.status_code == 409 and "Other story" in r.get_data(as_text=True)
    assert 'name="version" type="hidden" value="2"' in r.get_data(as_text=True)
    members = {"members-0-name": "Pol. Lt. Somchai", "members-0-agency": "police"}
    r = b.post_form(f"{url}/decision", {**members, "outcome": "victim", "reasons": "All three elements"},
                    page=f"{url}/decision")
    assert r.status_code == 422
    assert translated(demo, "th", "Social development officer") in r.get_data(as_text=True)
    # A member row with an agency and no name: the refusal names the row as the form shows it (the
    # third; the second is left empty) and marks its name field.
    rows = {f"members-{i}-{k}": "" for i in range(6) for k in ("name", "agency", "role")}  # as a browser posts
    r = b.post_form(f"{url}/decision", {**rows, **members, "members-2-agency": "social_development",
                                        "outcome": "victim", "reasons": "All three elements"}, page=f"{url}/decision")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    message = translated(demo, "th", "Member %(row)s: give the name and the agency.", row=3)
    assert message in html
    assert 'id="members-2-name"' in html
    name_field = html[html.index('id="members-2-name"') - 300:html.index('id="members-2-name"') + 300]
    assert 'aria-invalid="true"' in name_field
    members.update({"members-1-name": "Khun Malee", "members-1-agency": "social_development"})
    r = b.post_form(f"{url}/decision", {**members, "outcome": "victim", "reasons": "All three elements",
                                        "decided_at": "2026-11-21T12:00"}, page=f"{url}/decision")
    assert r.status_code == 302
    html = b.get(url).get_data(as_text=True)
    assert 'data-testid="reflection-ends"' in html and "2570" in html  # 5 Jan 2027 = B.E. 2570
    board = b.get("/screening/").get_data(as_text=True)
    assert 'data-testid="custody-table"' not in board  # the decision ended the custody


def test_pages_refuse_other_centres_and_anonymous(signed_in, demo):
    _b, url = _case_page(signed_in)
    other = signed_in("case", "TL")
    for path in (url, f"{url}/interview", f"{url}/decision", f"{url}/custody", f"{url}/record.pdf"):
        assert other.get(path).status_code == 404, path
        assert demo.test_client().get(path).status_code == 302
    assert signed_in("secretariat", "CR").get("/screening/").status_code == 403


def test_settings_shelters_and_required_members(signed_in):
    b = signed_in("admin", "CR")
    r = b.post_form("/screening/settings", {"action": "add_shelter", "shelter-name": "Baan Kredtrakarn"})
    assert r.status_code == 302
    assert "Baan Kredtrakarn" in b.get("/screening/settings").get_data(as_text=True)
    r = b.post_form("/screening/settings", {"action": "members", "members-required_agencies": []})
    assert r.status_code == 422
    r = b.post_form("/screening/settings", {"action": "members", "members-required_agencies": ["police", "labour"]})
    assert r.status_code == 302
    assert signed_in("case", "CR").get("/screening/settings").status_code == 403


def test_csrf_less_post_is_refused(signed_in):
    b, url = _case_page(signed_in)
    assert b.client.post(f"{url}/decision", data={"outcome": "victim"}).status_code == 400


@pytest.mark.parametrize("role, centre, script", [("case", "CR", r"[\u0E00-\u0E7F]"), ("case", "HX", r"[\u0E80-\u0EFF]")])
def test_printable_record_is_a_pdf_in_the_readers_script(signed_in, tmp_path, role, centre, script):
    b = signed_in(role, centre)
    r = b.post_form("/screening/new", {"full_name": "Mali", "sex": "female", "nationality": "LA", "age_estimate": "20"})
    assert r.status_code == 302
    pdf = b.get(f"{r.location}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf.data)
    assert shutil.which("pdftoppm"), "poppler-utils is installed by make install"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    text = text.replace("\u200b", "")
    assert len(re.findall(script, text)) > 50, text[:500]
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert ("BRNotoThai" if centre == "CR" else "BRNotoLao") in fonts


def test_burmese_record_embeds_the_myanmar_font(signed_in, tmp_path):
    b = signed_in("case", "TL")
    r = b.post_form("/screening/new", {"full_name": "Aye", "sex": "female", "nationality": "MM", "age_estimate": "20"})
    pdf = b.get(f"{r.location}/record.pdf")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "BRNotoMyanmar" in fonts


def test_shelter_can_be_deactivated_only_in_the_own_centre(signed_in, demo):
    b = signed_in("admin", "CR")
    b.post_form("/screening/settings", {"action": "add_shelter", "shelter-name": "Baan Kredtrakarn"})
    from border_referral.database import session_scope
    from border_referral.screening.models import Shelter
    with demo.app_context(), session_scope() as s:
        ident = s.query(Shelter).one().id
    assert b.post_form(f"/screening/settings/shelters/{ident}", {"toggle-active": "0"}, page="/screening/settings").status_code == 302
    with demo.app_context(), session_scope() as s:
        assert s.get(Shelter, ident).active is False
    other = signed_in("admin", "TL")
    assert other.post_form(f"/screening/settings/shelters/{ident}", {"toggle-active": "1"}, page="/screening/settings").status_code == 404


def test_record_labels_keep_clear_of_their_values(signed_in, demo, tmp_path):
    """The long Thai label of the custody limit wraps in its column, at least 4 mm left of the date."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    b = signed_in("case", "CR")
    started = (datetime.now(ZoneInfo("Asia/Bangkok")) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = b.post_form("/screening/new", {"full_name": "Mali", "sex": "female", "nationality": "LA", "age_estimate": "20",
                                       "custody_started_at": started})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    path = tmp_path / "record.pdf"
    path.write_bytes(b.get(f"{r.location}/record.pdf").data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    words = [(float(a), float(y), float(c), w.replace("\u200b", "")) for a, y, c, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)]
    label = translated(demo, "th", "Custody limit")
    first = next(w for w in words if w[3] and label.startswith(w[3][:4]))
    same_line = [w for w in words if abs(w[1] - first[1]) < 3 and w[0] > first[0]]
    label_end = max([first[2]] + [w[2] for w in same_line if label.replace(" ", "").find(w[3][:3]) >= 0])
    value = min((w for w in same_line if w[0] > label_end), key=lambda w: w[0])
    assert value[0] - label_end >= 4 / 25.4 * 72 - 0.5, (first, value)


def test_member_rows_are_named_in_one_translated_sentence(signed_in, demo):
    """Screen readers hear "Name, member 2" in the reader's language, not two fragments glued."""
    b, url = _case_page(signed_in)
    html = b.get(f"{url}/decision").get_data(as_text=True)
    name = translated(demo, "th", "%(field)s, member %(n)s", field=translated(demo, "th", "Name"), n=2)
    assert f'aria-label="{name}"' in html and name != "Name, member 2"
