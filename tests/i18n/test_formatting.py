from datetime import date, datetime, timezone

import pytest

from border_referral import i18n


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_thai_dates_use_the_buddhist_era(ctx):
    d = date(2019, 9, 24)
    assert i18n.format_date(d, "medium", locale="th") == "24 ก.ย. 2562"
    assert i18n.format_date(d, "long", locale="th") == "24 กันยายน พ.ศ. 2562"
    assert i18n.format_date(d, "short", locale="th").endswith("/62")
    assert "2019" in i18n.format_date(d, "medium", locale="en")
    assert "2019" in i18n.format_date(d, "medium", locale="lo")


def test_times_are_shown_in_the_centres_zone(ctx):
    moment = datetime(2026, 1, 31, 17, 30, tzinfo=timezone.utc)  # 00:30 next day in Bangkok, 00:00 in Yangon
    assert i18n.format_time(moment, locale="en", tz="Asia/Bangkok").startswith("12:30")
    assert i18n.format_time(moment, locale="th", tz="Asia/Yangon") == "00:00 น."
    assert i18n.format_date(moment, "medium", locale="th", tz="Asia/Bangkok") == "1 ก.พ. 2569"
    assert i18n.format_date(moment, "medium", locale="en", tz="UTC") == "Jan 31, 2026"
    naive = moment.replace(tzinfo=None)  # naive values are UTC
    assert i18n.format_datetime(naive, locale="th", tz="Asia/Vientiane") == i18n.format_datetime(moment, locale="th", tz="Asia/Vientiane")


@pytest.mark.parametrize("locale, date_medium, date_long, time_short", [
    ("th", "5 มี.ค. 2569", "5 มีนาคม พ.ศ. 2569", "07:04 น."),
    ("my", "2026 မတ် 5", "2026 မတ် 5", "7:04"),
    ("lo", "5 ມ.ນ. 2026", "5 ມີນາ 2026", "7:04"),
    ("en", "Mar 5, 2026", "March 5, 2026", "7:04\u202fAM"),
])
def test_what_each_language_reads_does_not_depend_on_the_installed_cldr(ctx, locale, date_medium, date_long, time_short):
    """The patterns are the project's (i18n.PATTERNS): Babel 2.17 and 2.19 disagree on the Thai short
    time, and both must print what the README promises."""
    moment = datetime(2026, 3, 5, 0, 4, tzinfo=timezone.utc)  # 07:04 in Bangkok and Vientiane
    assert i18n.format_date(moment, "medium", locale=locale, tz="Asia/Bangkok") == date_medium
    assert i18n.format_date(moment, "long", locale=locale, tz="Asia/Bangkok") == date_long
    assert i18n.format_time(moment, locale=locale, tz="Asia/Bangkok") == time_short
    assert i18n.format_datetime(moment, locale=locale, tz="Asia/Bangkok") == f"{date_medium} {time_short}"


def test_an_unknown_format_name_is_refused_not_guessed(ctx):
    with pytest.raises(ValueError):
        i18n.format_date(date(2026, 3, 5), "tiny", locale="th")


def test_numbers_follow_the_language(ctx):
    assert i18n.format_number(12345.5, locale="en") == "12,345.5"
    assert i18n.format_number(12345.5, locale="lo") == "12.345,5"


def test_thai_fiscal_year_runs_october_to_september():
    assert i18n.thai_fiscal_year(date(2025, 9, 30)) == 2568
    assert i18n.thai_fiscal_year(date(2025, 10, 1)) == 2569
    assert i18n.thai_fiscal_year(date(2025, 10, 1), buddhist=False) == 2026


@pytest.mark.parametrize("raw, code", [("th", "th"), ("TH-th", "th"), ("my_MM", "my"), ("lo", "lo"), ("fr", None),
                                       ("", None), (None, None), (3, None)])
def test_valid_locale(raw, code):
    assert i18n.valid_locale(raw) == code
