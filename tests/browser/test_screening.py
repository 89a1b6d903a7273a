"""An MDT member pre-screens a person held for identification, sees the custody clock overdue,
records the interview with its indicators and the elements, signs off the MDT decision, and finds
the reflection period on the centre's dashboard: at Chiang Rai (Thai law: s.29 custody clock, NRM
reflection period), in the Thai interface and in the Lao one. A Myanmar or Lao centre has no Thai clocks:
tests/browser/test_jurisdictions.py."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CENTRES = {"th": ("CR", "Asia/Bangkok", "สมหญิง ใจดี", r"[\u0E00-\u0E7F]"),
           "lo": ("CR", "Asia/Bangkok", "ນາງ ມາລີ ສີສຸກ", r"[\u0E80-\u0EFF]")}
INDICATORS = ("abuse_of_vulnerability", "deception", "restriction_of_movement", "isolation",
              "physical_sexual_violence", "intimidation_threats", "retention_of_documents",
              "withholding_of_wages", "debt_bondage")


def script_share(text, script):
    letters = re.findall(r"[^\W\d_]", text)
    return len(re.findall(script, text)) / max(1, len(letters))


@pytest.mark.parametrize("lang", ["th", "lo"])
def test_prescreen_interview_decide_and_see_the_clocks(page, base_url, artifacts, lang):
    centre, tz, name, script = CENTRES[lang]
    day = datetime.now(ZoneInfo(tz)).date() - timedelta(days=40)  # a decision 40 days ago: period ends in 5
    at = lambda hh: f"{day.isoformat()}T{hh}"  # noqa: E731

    sign_in(page, base_url, "case", centre, lang)
    assert page.locator("html").get_attribute("lang") == lang

    # Pre-screening of someone held since 08:00 that day
    page.locator('nav a[href="/screening/"]').click()
    page.locator('a[href="/screening/new"]').click()
    page.locator("#full_name").fill(name)
    page.locator("#sex").select_option("female")
    page.locator("#nationality").select_option("LA")
    page.locator("#age_estimate").fill("24")
    page.locator("#source").select_option("labour_inspection")
    page.locator("#prescreen_indicators-1").check()  # deception
    page.locator("#first_account").fill("Promised a job in a restaurant")
    page.locator("#custody_started_at").fill(at("08:00"))
    page.locator("button.primary").click()
    page.wait_for_url(re.compile(r".*/screening/[0-9a-f-]{36}$"))
    screening_url = page.url
    clock = page.get_by_test_id("custody-clock")
    assert "overdue" in clock.get_attribute("class")
    assert re.search(r"\d", clock.inner_text()) and script_share(clock.inner_text(), script) > 0.5

    page.goto(f"{base_url}/screening/")
    row = page.get_by_test_id("custody-table").locator("tr.overdue-row")
    assert row.count() == 1

    # The interview, with the indicators and the elements
    page.goto(f"{screening_url}/interview")
    page.locator("#interview_at").fill(at("10:00"))
    page.locator("#interview_ended_at").fill(at("12:00"))
    page.locator("#language").select_option("lo")
    page.locator("#interview_consent").select_option("yes")
    page.locator("#rights_informed_at").fill(at("10:05"))
    page.locator("#rights_language").select_option("lo")
    assert page.locator("#indicators-1-value").input_value() == "observed"  # carried from the pre-screening
    page.locator(f"#indicators-{INDICATORS.index('debt_bondage')}-value").select_option("observed")
    page.locator(f"#indicators-{INDICATORS.index('debt_bondage')}-note").fill("Owes the broker")
    page.locator("#acts-0").check()           # recruitment
    page.locator("#means-4").check()          # deception
    page.locator("#exploitation_types-5").check()  # forced labour
    page.locator("#narrative").fill("She was taken to a farm and not paid.")
    page.locator("button.primary").click()
    page.wait_for_url(screening_url)
    assert page.locator('[data-indicator="debt_bondage"]').inner_text()

    # The MDT decision: police and social development are asked for by the form
    page.goto(f"{screening_url}/decision")
    assert page.locator("#members-0-agency").input_value() == "police"
    assert page.locator("#members-1-agency").input_value() == "social_development"
    page.locator("#members-0-name").fill("Pol. Capt. Anan")
    page.locator("#members-1-name").fill("Khun Wilai")
    page.locator("#outcome").select_option("victim")
    page.locator("#decided_at").fill(at("20:00"))
    page.locator("#reasons").fill("Deception and debt bondage; act, means and purpose established.")
    page.locator("button.primary").click()
    page.wait_for_url(screening_url)
    assert page.get_by_test_id("reflection-ends").inner_text()
    assert page.locator(".clock").count() == 0  # the decision ended the custody

    # The dashboard shows the reflection period ending within the week, linked to the case
    page.goto(f"{base_url}/screening/")
    table = page.get_by_test_id("reflection-table")
    assert table.locator("tbody tr").count() >= 1
    assert "5" in table.locator("tbody tr").first.inner_text()
    main = page.locator("main").inner_text()
    assert script_share(main, script) > 0.5, main
    page.screenshot(path=str(artifacts / f"screening-dashboard-{lang}.png"), full_page=True)
    table.locator("tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}$"))
    assert page.get_by_test_id("case-screenings").count() == 1
