"""Case numbers follow the owning centre's jurisdiction profile across a fiscal-year boundary:
Thailand CR-2570-0001 (October-September, B.E., named by its end), Myanmar TL-2026/27-0001
(April-March), Lao PDR HX-2026-0001 (calendar year)."""
from datetime import date

import pytest

from border_referral.cases import services
from border_referral.centres import services as centres
from border_referral.centres.models import Centre

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.parametrize("code, before, after, numbers", [
    ("CR", date(2026, 9, 30), date(2026, 10, 1), ["CR-2569-0001", "CR-2569-0002", "CR-2570-0001"]),
    ("TL", date(2026, 3, 31), date(2026, 4, 1), ["TL-2025/26-0001", "TL-2025/26-0002", "TL-2026/27-0001"]),
    ("HX", date(2026, 12, 31), date(2027, 1, 1), ["HX-2026-0001", "HX-2026-0002", "HX-2027-0001"]),
])
def test_numbers_follow_the_profile_across_the_fiscal_year(db, code, before, after, numbers):
    with db() as s:
        centre = centres.by_code(s, Centre, code)
        got = [services.records._next_number(s, centre, day)[0] for day in (before, before, after)]
        assert got == numbers
        assert len(max(got, key=len)) <= 24  # the column's width


def test_counter_keys_are_sortable_and_a_new_year_restarts(db):
    with db() as s:
        tl = centres.by_code(s, Centre, "TL")
        _n, key_a, _ = services.records._next_number(s, tl, date(2027, 3, 31))
        _n, key_b, seq = services.records._next_number(s, tl, date(2027, 4, 1))
        assert (key_a, key_b, seq) == (2026, 2027, 1)


def test_create_case_numbers_by_the_centre_today(db, make_case, monkeypatch):
    monkeypatch.setattr(services.records, "_local_today", lambda session, centre_id: date(2027, 4, 1))
    case_id = make_case(centre="TL")
    with db() as s:
        from border_referral.cases.models import Case

        case = s.get(Case, case_id)
        assert case.case_number == "TL-2027/28-0001" and case.fiscal_year == 2027
