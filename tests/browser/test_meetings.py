"""The Tachileik secretariat (in Burmese) and the Chiang Rai secretariat (in Thai) each propose items;
Chiang Rai closes and orders the agenda, records the minutes with a resolution and an action item
for Tachileik; the next meeting's matters arising shows that action."""
import re

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_secretariats_prepare_hold_and_follow_up_a_meeting(browser, base_url, artifacts):
    cr = browser.new_context(locale="th-TH").new_page()
    sign_in(cr, base_url, "secretariat", "CR", "th")
    cr.goto(f"{base_url}/meetings/new")
    cr.locator("#partnership").select_option("CR-TL")
    cr.locator("#starts_at").fill("2026-12-10T09:00")
    cr.locator("#venue").fill("ศาลากลางจังหวัดเชียงราย")
    cr.locator("button.primary").click()
    cr.wait_for_url(re.compile(r".*/meetings/[0-9a-f-]{36}$"))
    url = cr.url
    title = cr.get_by_test_id("meeting-title").inner_text()
    assert re.search(r"1 \(พ\.ศ\. 25\d\d\)", title) and "/25" not in title  # the year (B.E.) beside the number
    assert "CR" in cr.get_by_test_id("meeting-chair").inner_text()  # the host centre chairs by default

    tl = browser.new_context(locale="my-MM").new_page()
    sign_in(tl, base_url, "secretariat", "TL", "my")
    tl.goto(url)
    form = tl.get_by_test_id("propose-form")
    form.locator("#title").fill("အလုပ်ခွင် စည်းမျဉ်းများ အသိပေးခြင်း")
    form.locator("#type").select_option("information")
    form.locator("button.primary").click()
    tl.wait_for_url(url)

    form = cr.get_by_test_id("propose-form")
    form.locator("#title").fill("การลาดตระเวนร่วมตามแนวชายแดน")
    form.locator("#type").select_option("decision")
    form.locator("button.primary").click()
    cr.wait_for_url(url)
    form = cr.get_by_test_id("propose-form")
    form.locator("#title").fill("คำกล่าวต้อนรับของประธาน")
    form.locator("#type").select_option("information")
    form.locator("button.primary").click()
    cr.wait_for_url(url)
    # order the welcome into section 1 (chair's announcements)
    rows = cr.get_by_test_id("proposals").locator("tbody tr")
    welcome = next(row for row in rows.all() if "คำกล่าวต้อนรับของประธาน" in row.locator("td").first.inner_text())
    # who proposed: the centre by its name in the reader's language (Thai here), not its code
    rules = next(row for row in rows.all() if "အလုပ်ခွင် စည်းမျဉ်းများ" in row.locator("td").first.inner_text())
    assert "ท่าขี้เหล็ก" in rules.get_by_test_id("proposed-by").inner_text()
    assert "ฉบับร่าง" in cr.get_by_test_id("agenda-version").inner_text()  # a draft until it is sent out
    welcome.locator("select[name=section]").select_option("1")
    welcome.locator("form[data-testid^=order] button").click()
    cr.wait_for_url(url)
    cr.get_by_test_id("close-agenda").click()
    cr.wait_for_url(url)
    assert re.search(r"\b1\b", cr.get_by_test_id("agenda-version").inner_text())  # the first version sent out
    agenda = cr.get_by_test_id("agenda")
    assert "คำกล่าวต้อนรับของประธาน" in agenda.locator('li[data-section="1"]').inner_text()
    assert "အလုပ်ခွင် စည်းမျဉ်းများ" in agenda.locator('li[data-section="4"]').inner_text()
    assert "การลาดตระเวนร่วม" in agenda.locator('li[data-section="5"]').inner_text()

    minutes = cr.get_by_test_id("minutes-form")
    minutes.locator("#opened_at").fill("09:00")
    minutes.locator("#closed_at").fill("12:00")
    decision = minutes.locator("fieldset.minute-item").filter(has_text="การลาดตระเวนร่วม")
    decision.locator("textarea[name^=resolution]").first.fill("เห็นชอบให้ลาดตระเวนร่วมเดือนละครั้ง")
    minutes.locator("#recorder").fill("คุณดาว")
    minutes.locator("#checker").fill("คุณเล็ก")
    minutes.locator("button.primary").click()
    cr.wait_for_url(url)
    action = cr.get_by_test_id("action-form")
    action.locator("#a-title").fill("ส่งตารางการลาดตระเวน / Send the patrol schedule")
    action.locator("#a-owner").select_option("TL")
    action.locator("#a-due").fill("2027-01-15")
    action.locator("button").click()
    cr.wait_for_url(url)
    assert "Send the patrol schedule" in cr.get_by_test_id("meeting-actions").inner_text()
    cr.screenshot(path=str(artifacts / "meeting-chiang-rai-th.png"), full_page=True)

    # Tachileik plans the next meeting: the action is in its matters arising (section 3)
    tl.goto(f"{base_url}/meetings/new")
    tl.locator("#partnership").select_option("CR-TL")
    tl.locator("#starts_at").fill("2027-03-10T09:00")
    tl.locator("#venue").fill("Tachileik")
    tl.locator("button.primary").click()
    tl.wait_for_url(re.compile(r".*/meetings/[0-9a-f-]{36}$"))
    arising = tl.get_by_test_id("agenda").locator('li[data-section="3"]').inner_text()
    assert "Send the patrol schedule" in arising
    assert re.search(r"[\u1000-\u109F]", tl.locator("main").inner_text())
    tl.screenshot(path=str(artifacts / "meeting-tachileik-my.png"), full_page=True)
