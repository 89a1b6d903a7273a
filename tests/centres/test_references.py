"""One era per number: a centre's referral and repatriation references carry the same fiscal year,
written the same way, as its case numbers (issue 13: the case was CR-2570-0001 and its referral
CR-TL-2026-0001)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from border_referral.centres import jurisdictions
from border_referral.centres.models import Centre
from tests.referrals.conftest import body


@pytest.mark.parametrize("country, tz, moment, label", [
    ("TH", "Asia/Bangkok", datetime(2026, 9, 30, 16, 59, tzinfo=timezone.utc), "2569"),   # 23:59 on 30 Sep
    ("TH", "Asia/Bangkok", datetime(2026, 9, 30, 17, 0, tzinfo=timezone.utc), "2570"),    # 00:00 on 1 Oct
    ("MM", "Asia/Yangon", datetime(2027, 3, 31, 17, 29, tzinfo=timezone.utc), "2026/27"),  # 23:59 on 31 Mar
    ("MM", "Asia/Yangon", datetime(2027, 3, 31, 17, 30, tzinfo=timezone.utc), "2027/28"),  # 00:00 on 1 Apr
    ("LA", "Asia/Vientiane", datetime(2026, 12, 31, 16, 59, tzinfo=timezone.utc), "2026"),
    ("LA", "Asia/Vientiane", datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc), "2027"),
])
def test_the_year_of_a_record_is_the_centres_own_fiscal_year_at_its_own_midnight(country, tz, moment, label):
    centre = Centre(code="XX", country_code=country, timezone=tz, name_th="x", name_my="x", name_lo="x", name_en="x")
    assert jurisdictions.year_of_record(centre, moment)[1] == label


def test_referral_references_follow_the_senders_case_numbers(api):
    cr, tl = api("case", "CR"), api("case", "TL")
    cr_case = cr.post("/api/v1/cases", json={"person": {"full_name": "Nang Lao", "sex": "female", "nationality": "MM"}}).json
    tl_case = tl.post("/api/v1/cases", json={"person": {"full_name": "Somsri K", "sex": "female", "nationality": "TH"}}).json
    to_tl = cr.post("/api/v1/referrals", json=body(cr_case["id"])).json["reference"]
    to_cr = tl.post("/api/v1/referrals", json=body(tl_case["id"], to_centre="CR")).json["reference"]
    cr_year = re.fullmatch(r"CR-(\d{4})-\d{4}", cr_case["case_number"]).group(1)
    tl_year = re.fullmatch(r"TL-(\d{4}/\d{2})-\d{4}", tl_case["case_number"]).group(1)
    assert re.fullmatch(rf"CR-TL-{cr_year}-0001", to_tl) and int(cr_year) > 2500  # Buddhist Era
    assert re.fullmatch(rf"TL-CR-{re.escape(tl_year)}-0001", to_cr)


def test_repatriation_references_follow_the_hosts_case_numbers(api):
    cr = api("case", "CR")
    case = cr.post("/api/v1/cases", json={"person": {"full_name": "Nang Mo", "sex": "female", "nationality": "MM"}}).json
    plan = cr.post("/api/v1/repatriations", json={"case_ids": [case["id"]], "to_centre": "TL"})
    assert plan.status_code == 201, plan.json
    year = case["case_number"].split("-")[1]
    assert plan.json["reference"] == f"RP-CR-TL-{year}-0001"
