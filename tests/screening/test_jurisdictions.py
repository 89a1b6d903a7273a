"""Identification under each centre's own law: a Tachileik (Myanmar) or Huay Xai (Lao) screening gets no
Thai custody clock, no Thai section number and no Thai periods; s.6/1 is a Thai outcome only."""
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from border_referral.screening.models import Screening, ScreeningDecision
from tests.conftest import translated
from tests.screening.conftest import INTERVIEW, MEMBERS

CUSTODY_HINT = "At most %(hours)s hours (%(section)s), or until the date a court set, never beyond %(days)s days."
RIGHTS = "Rights explained at (%(section)s)"


def thai_text(app, locale, message):
    """A message as a reader sees it with the Thai profile's numbers (s.29, 24 hours, 7 days, s.34)."""
    section = translated(app, locale, "s.%(number)s", number="29" if message == CUSTODY_HINT else "34")
    args = {"hours": 24, "days": 7} if message == CUSTODY_HINT else {}
    return translated(app, locale, message, section=section, **args) if message in (CUSTODY_HINT, RIGHTS) \
        else translated(app, locale, message)
S61 = "Victim of forced labour or services (s.6/1)"


def _case(api, centre):
    a = api("case", centre)
    r = a.post("/api/v1/cases", json={"person": {"full_name": "Aye Aye", "sex": "female", "nationality": "MM",
                                                 "date_of_birth": "1995-02-02"}})
    assert r.status_code == 201, r.json
    return a, r.json["id"]


@pytest.mark.parametrize("centre", ["TL", "HX"])
def test_no_thai_custody_clock_outside_thailand(api, centre):
    a, cid = _case(api, centre)
    r = a.post(f"/api/v1/cases/{cid}/screenings", json={"custody_started_at": "2026-11-20T08:00:00+06:30"})
    assert r.status_code == 201, r.json
    assert r.json["custody_started_at"] == "2026-11-20T01:30:00Z" and r.json["custody_deadline"] is None
    sid = r.json["id"]
    assert a.get(f"/api/v1/screenings/{sid}").json["custody_deadline"] is None
    assert all(row["screening_id"] != sid for row in a.get("/api/v1/screenings/clocks").json["custody"])
    # no court extension and no pre-identification shelter where the law has none
    r = a.patch(f"/api/v1/screenings/{sid}/custody", json={
        "version": 1, "court_extension_until": "2026-11-22T08:00:00+06:30", "court_order_number": "1/2026"})
    assert r.status_code == 422, r.json
    r = a.patch(f"/api/v1/screenings/{sid}/custody", json={"version": 1, "pre_shelter_from": "2026-11-20"})
    assert r.status_code == 422, r.json
    r = a.post(f"/api/v1/cases/{cid}/screenings", json={
        "custody_started_at": "2026-11-20T08:00:00+06:30", "court_extension_until": "2026-11-22T08:00:00+06:30",
        "court_order_number": "1/2026"})
    assert r.status_code == 422


def test_thai_custody_clock_and_extension_still_run_in_chiang_rai(api):
    a, cid = _case(api, "CR")
    r = a.post(f"/api/v1/cases/{cid}/screenings", json={
        "custody_started_at": "2026-11-20T08:00:00+07:00", "court_extension_until": "2026-11-25T08:00:00+07:00",
        "court_order_number": "Kor.1/2569"})
    assert r.status_code == 201 and r.json["custody_deadline"] == "2026-11-25T01:00:00Z"


def _decide(a, cid, outcome):
    sid = a.post(f"/api/v1/cases/{cid}/screenings", json={}).json["id"]
    r = a.put(f"/api/v1/screenings/{sid}/interview", json={**INTERVIEW, "version": 1})
    assert r.status_code == 200, r.json
    return sid, a.post(f"/api/v1/screenings/{sid}/decision", json={
        "outcome": outcome, "reasons": "Made to work on a fishing boat under threat",
        "decided_at": "2026-11-21T10:00:00+07:00", "members": MEMBERS})


def test_chiang_rai_mdt_records_forced_labour_or_services(api, db):
    a, cid = _case(api, "CR")
    sid, r = _decide(a, cid, "forced_labour_or_services")
    assert r.status_code == 201, r.json
    assert r.json["outcome"] == "forced_labour_or_services"
    assert r.json["reflection_period_ends"] == "2027-01-05"  # followed like a victim: 45 days
    got = a.get(f"/api/v1/screenings/{sid}").json
    assert got["outcome"] == "forced_labour_or_services" and got["decisions"][0]["outcome"] == "forced_labour_or_services"
    with db() as s:
        assert s.get(Screening, sid).outcome == "forced_labour_or_services"
        assert s.execute(select(func.count()).select_from(ScreeningDecision)).scalar_one() == 1


@pytest.mark.parametrize("centre", ["TL", "HX"])
def test_forced_labour_outcome_is_refused_outside_thailand(api, centre):
    a, cid = _case(api, centre)
    sid, r = _decide(a, cid, "forced_labour_or_services")
    assert r.status_code == 422, r.json
    r = a.post(f"/api/v1/screenings/{sid}/decision", json={
        "outcome": "victim", "reasons": "Deceived and sold", "decided_at": "2026-11-21T10:00:00+07:00",
        "members": MEMBERS})
    assert r.status_code == 201, r.json
    assert r.json["reflection_period_ends"] is None  # the Thai NRM's 45 days are not Myanmar's or Lao law


def test_tachileik_screening_page_shows_no_thai_clock_or_section(signed_in, demo):
    b = signed_in("case", "TL")
    r = b.post_form("/screening/new", {"full_name": "Aye", "sex": "female", "nationality": "MM", "age_estimate": "20",
                                       "custody_started_at": "2026-11-20T23:30", "language": "my"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    url = r.location
    for path in (url, f"{url}/custody", f"{url}/interview", f"{url}/decision", "/screening/", "/screening/new"):
        html = b.get(path).get_data(as_text=True)
        for thai in (CUSTODY_HINT, RIGHTS, S61):
            assert thai_text(demo, "my", thai) not in html and thai_text(demo, "en", thai) not in html, (path, thai)
        assert "s.29" not in html and "s.34" not in html and "s.6/1" not in html and "ပုဒ်မ" not in html, path
        assert 'data-testid="custody-clock"' not in html and "court_extension_until" not in html, path
        assert "pre_shelter_from" not in html, path
    html = b.get(url).get_data(as_text=True)
    assert 'data-testid="applicable-law"' in html
    chiang_rai = signed_in("case", "CR")
    r = chiang_rai.post_form("/screening/new", {"full_name": "Mali", "sex": "female", "nationality": "MM",
                                                "age_estimate": "20", "custody_started_at": "2026-11-20T23:30"})
    html = chiang_rai.get(r.location).get_data(as_text=True)
    assert 'data-testid="custody-clock"' in html
    decision = chiang_rai.get(f"{r.location}/decision").get_data(as_text=True)
    assert 'value="forced_labour_or_services"' in decision
    assert thai_text(demo, "th", CUSTODY_HINT) in chiang_rai.get(f"{r.location}/custody").get_data(as_text=True)
    assert "มาตรา 29" in thai_text(demo, "th", CUSTODY_HINT)  # the number from the profile, the word in Thai
    assert thai_text(demo, "th", RIGHTS) in chiang_rai.get(f"{r.location}/interview").get_data(as_text=True)


def test_tachileik_record_pdf_has_no_thai_section(signed_in, tmp_path):
    b = signed_in("case", "TL")
    r = b.post_form("/screening/new", {"full_name": "Aye", "sex": "female", "nationality": "MM", "age_estimate": "20"})
    pdf = b.get(f"{r.location}/record.pdf")
    assert pdf.status_code == 200
    assert "/" not in pdf.headers["Content-Disposition"].split("filename=")[1]
    assert shutil.which("pdftotext")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "s.34" not in text and "s.29" not in text and "ပုဒ်မ" not in text
    assert "2022" in text  # the Myanmar law applied, named by its year
