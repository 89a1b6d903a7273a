"""The jurisdiction profiles (centres/jurisdictions.py) and GET /api/v1/jurisdictions: each partner's own
law and calendar, none where a rule is unknown, never a Thai default."""
from datetime import date

import pytest

from border_referral.centres import jurisdictions as j
from border_referral.centres import services
from border_referral.centres.models import Centre


def test_thai_clocks_only_in_the_thai_profile():
    th, mm, la = (j.profile_for_country(c) for c in ("TH", "MM", "LA"))
    assert (th.clocks.custody.hours, th.clocks.custody.court_extension_days) == (24, 7)
    assert (th.clocks.pre_identification_shelter.days, th.clocks.reflection.days) == (15, 45)
    for p in (mm, la):
        assert p.clocks.custody is None and p.clocks.reflection is None and p.clocks.pre_identification_shelter is None
        assert p.legal_basis.custody_section is None and p.legal_basis.rights_section is None
    assert mm.clocks.temporary_shelter.days == 3 and mm.clocks.longer_term_shelter.days == 14
    assert la.clocks.transit_centre.days == 7
    for stay in (mm.clocks.temporary_shelter, mm.clocks.longer_term_shelter, la.clocks.transit_centre,
                 th.clocks.reflection, th.clocks.custody):
        assert stay.source


def test_outcomes_child_age_and_grounds():
    th, mm, la = (j.profile_for_country(c) for c in ("TH", "MM", "LA"))
    assert th.outcomes == ("victim", "at_risk", "not_victim", "forced_labour_or_services")
    assert mm.outcomes == la.outcomes == ("victim", "at_risk", "not_victim")
    assert th.child_age == mm.child_age == la.child_age == 18
    assert "2019" in mm.child_age_source and "16" in mm.child_age_source
    for p in (th, mm, la):
        assert "consent" in [g.code for g in p.legal_grounds]
    assert all("PDPA" not in (g.citation or "") for g in mm.legal_grounds + la.legal_grounds)
    with pytest.raises(LookupError):
        j.profile_for_country("VN")


@pytest.mark.parametrize("country, day, key, label", [
    ("TH", date(2026, 9, 30), 2569, "2569"), ("TH", date(2026, 10, 1), 2570, "2570"),
    ("MM", date(2026, 3, 31), 2025, "2025/26"), ("MM", date(2026, 4, 1), 2026, "2026/27"),
    ("MM", date(2099, 12, 31), 2099, "2099/00"),
    ("LA", date(2026, 12, 31), 2026, "2026"), ("LA", date(2027, 1, 1), 2027, "2027"),
])
def test_fiscal_years(country, day, key, label):
    p = j.profile_for_country(country)
    assert j.fiscal_year(p, day) == key and j.fiscal_label(p, key) == label


def test_profile_of_centre(db, demo):
    with db() as s:
        for code, country in (("CR", "TH"), ("TL", "MM"), ("HX", "LA")):
            centre = services.by_code(s, Centre, code)
            assert j.profile_of_centre(s, centre.id).country == country


def test_api_lists_one_profile_per_country(api):
    r = api().get("/api/v1/jurisdictions")
    assert r.status_code == 200
    items = {p["country"]: p for p in r.json["items"]}
    assert sorted(items) == ["LA", "MM", "TH"]
    th, mm, la = items["TH"], items["MM"], items["LA"]
    for p in (th, mm, la):
        assert set(p) >= {"country", "clocks", "outcomes", "child_age", "fiscal_year", "legal_grounds",
                          "data_protection_law", "legal_basis"}
        assert p["child_age"] == 18 and p["legal_grounds"] and all(g["code"] and g["label"] for g in p["legal_grounds"])
    assert th["clocks"]["custody"]["hours"] == 24 and th["clocks"]["reflection"]["days"] == 45
    assert mm["clocks"]["custody"] is None and la["clocks"]["custody"] is None and mm["clocks"]["reflection"] is None
    assert la["clocks"]["transit_centre"]["days"] == 7 and la["clocks"]["transit_centre"]["source"]
    assert "forced_labour_or_services" in th["outcomes"] and "forced_labour_or_services" not in mm["outcomes"]
    assert (th["fiscal_year"]["start_month"], mm["fiscal_year"]["start_month"], la["fiscal_year"]["start_month"]) == (10, 4, 1)
    assert th["legal_basis"]["rights_section"] == "s.34" and mm["legal_basis"]["rights_section"] is None


def test_api_needs_a_token(demo):
    assert demo.test_client().get("/api/v1/jurisdictions").status_code == 401
