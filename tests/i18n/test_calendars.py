"""Issue 13: Thai readers see the Buddhist era and Burmese and Lao readers the Gregorian calendar,
each with the option to show the other; a document made in another language keeps its own."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from border_referral.auth import services
from border_referral.errors import ValidationError
from tests.conftest import principal

pytestmark = pytest.mark.usefixtures("demo")


def _today(tz):
    return datetime.now(ZoneInfo(tz)).date()


def _calendar_section(page) -> str:
    html = page.get_data(as_text=True)
    start = html.index('data-testid="calendar"')
    return html[start:html.index("</section>", start)]


def test_set_calendar_checks_the_value(db):
    with db() as s:
        me = principal(s, "case", "CR")
        with pytest.raises(ValidationError) as err:
            services.set_calendar(s, me, "julian")
        assert err.value.field == "calendar"
        services.set_calendar(s, me, "gregorian")
        assert services.user_by_email(s, me.email).calendar == "gregorian"
        services.set_calendar(s, me, "")
        assert services.user_by_email(s, me.email).calendar is None


def test_a_thai_reader_chooses_the_gregorian_calendar(signed_in):
    b = signed_in("admin", "CR")  # reads Thai
    today = _today("Asia/Bangkok")
    assert f"พ.ศ. {today.year + 543}" in _calendar_section(b.get("/account"))
    assert b.post_form("/account/calendar", {"calendar": "gregorian"}, page="/account").status_code == 302
    section = _calendar_section(b.get("/account"))
    assert f"ค.ศ. {today.year}" in section and "พ.ศ." not in section
    assert 'value="gregorian" selected' in section
    # the choice is refused when it is not one of the list, and nothing changes
    b.post_form("/account/calendar", {"calendar": "julian"}, page="/account")
    assert 'value="gregorian" selected' in _calendar_section(b.get("/account"))


@pytest.mark.parametrize("centre, locale, era", [("TL", "my", "B.E."), ("HX", "lo", "ພ.ສ.")])
def test_burmese_and_lao_readers_see_gregorian_years_unless_they_choose(signed_in, centre, locale, era):
    b = signed_in("case", centre)
    b.post_form("/language", {"lang": locale, "next": "/account"}, page="/account")
    today = _today("Asia/Yangon" if centre == "TL" else "Asia/Vientiane")
    section = _calendar_section(b.get("/account"))
    assert str(today.year) in section and str(today.year + 543) not in section
    b.post_form("/account/calendar", {"calendar": "buddhist"}, page="/account")
    section = _calendar_section(b.get("/account"))
    assert str(today.year + 543) in section


def test_the_api_sets_and_shows_the_calendar(api):
    a = api("case", "TL")
    assert a.get("/api/v1/me").json["calendar"] is None
    r = a.patch("/api/v1/me", json={"calendar": "buddhist"})
    assert r.status_code == 200 and r.json["calendar"] == "buddhist"
    assert a.patch("/api/v1/me", json={"calendar": "lunar"}).status_code == 422
    assert a.get("/api/v1/me").json["calendar"] == "buddhist"
    assert a.patch("/api/v1/me", json={"calendar": None}).json["calendar"] is None


def test_a_document_in_another_language_keeps_that_languages_calendar(app):
    from flask_login import login_user

    from border_referral.database import session_scope
    from border_referral.i18n import format_date, format_year

    day = date(2026, 11, 27)
    with app.app_context(), app.test_request_context(), session_scope() as s:
        services.set_calendar(s, principal(s, "admin", "CR"), "gregorian")
    with app.app_context(), app.test_request_context(), session_scope() as s:
        login_user(principal(s, "admin", "CR"))
        assert format_date(day, "long") == "27 พฤศจิกายน ค.ศ. 2026"  # the reader's own choice
        assert format_year(2019) == "2019"
        assert format_date(day, "long", locale="my") == "2026 နိုဝင်ဘာ 27"  # the Burmese half of a receipt
    with app.app_context(), app.test_request_context():  # no one signed in: the language's calendar
        assert format_date(day, "long", locale="th") == "27 พฤศจิกายน พ.ศ. 2569"
        assert format_year(2019, locale="lo") == "2019"
