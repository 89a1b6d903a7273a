"""A Myanmar (Tachileik) and a Lao (Huay Xai) case worker open a screening of a person held for
identification, in their own language: their centre's law applies, so no Thai custody clock, no Thai
section number, no Thai s.6/1 outcome and no Thai reflection period appear anywhere on the way."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CENTRES = {"my": ("TL", "Asia/Yangon", "အေးအေးမွန်", "MM", r"[\u1000-\u109F]"),
           "lo": ("HX", "Asia/Vientiane", "ນາງ ມາລີ ສີສຸກ", "LA", r"[\u0E80-\u0EFF]")}
THAI_MARKS = ("s.29", "s.34", "s.6/1", "ပုဒ်မ", "ມາດຕາ", "มาตรา")


def script_share(text, script):
    letters = re.findall(r"[^\W\d_]", text)
    return len(re.findall(script, text)) / max(1, len(letters))


def no_thai_rules(page, where):
    main = page.locator("main").inner_text()
    for mark in THAI_MARKS:
        assert mark not in main, (where, mark)
    assert page.get_by_test_id("custody-clock").count() == 0, where
    return main


@pytest.mark.parametrize("lang", ["my", "lo"])
def test_screening_under_the_centres_own_law(page, base_url, artifacts, lang):
    centre, tz, name, nationality, script = CENTRES[lang]
    day = datetime.now(ZoneInfo(tz)).date() - timedelta(days=3)
    at = lambda hh: f"{day.isoformat()}T{hh}"  # noqa: E731

    sign_in(page, base_url, "case", centre, lang)
    assert page.locator("html").get_attribute("lang") == lang
    page.locator('nav a[href="/screening/"]').click()
    no_thai_rules(page, "dashboard")
    page.locator('a[href="/screening/new"]').click()
    no_thai_rules(page, "pre-screening form")
    assert page.locator("#court_extension_until").count() == 0 and page.locator("#pre_shelter_from").count() == 0
    page.locator("#full_name").fill(name)
    page.locator("#sex").select_option("female")
    page.locator("#nationality").select_option(nationality)
    page.locator("#age_estimate").fill("22")
    page.locator("#first_account").fill("Held at the checkpoint since the morning")
    page.locator("#custody_started_at").fill(at("08:00"))  # held three days ago: no Thai 24 hours to run out
    page.locator("button.primary").click()
    page.wait_for_url(re.compile(r".*/screening/[0-9a-f-]{36}$"))
    screening_url = page.url
    main = no_thai_rules(page, "screening")
    assert page.get_by_test_id("applicable-law").count() == 1
    assert script_share(main, script) > 0.5, main
    assert "overdue" not in page.content()
    page.screenshot(path=str(artifacts / f"screening-{centre.lower()}-{lang}.png"), full_page=True)

    page.goto(f"{screening_url}/custody")
    no_thai_rules(page, "custody form")
    assert page.locator("#court_extension_until").count() == 0

    page.goto(f"{screening_url}/interview")
    no_thai_rules(page, "interview form")

    page.goto(f"{screening_url}/decision")
    no_thai_rules(page, "decision form")
    values = page.locator("#outcome option").evaluate_all("els => els.map(e => e.value)")
    assert values == ["", "victim", "at_risk", "not_victim"]

    page.goto(f"{base_url}/screening/")
    assert page.get_by_test_id("custody-table").count() == 0  # no custody clock to watch
