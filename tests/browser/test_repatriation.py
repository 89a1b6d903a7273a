"""Chiang Khong (in Thai) prepares the group return of three people to Huay Xai; Huay Xai (in Lao)
confirms the family assessment and, after the handover at the Friendship Bridge, the reception; the
follow-up reports' due dates then show on both sides."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from border_referral.cases import services as cases
from border_referral.database import session_scope
from tests.browser.conftest import sign_in
from tests.conftest import principal

pytestmark = pytest.mark.browser
NAMES = ["ນາງ ບົວພັນ", "ນາງ ແສງເດືອນ", "ທ້າວ ສົມພອນ"]


def test_group_return_chiang_khong_to_huay_xai(browser, live_app, base_url, artifacts):
    with live_app.test_request_context(), session_scope() as s:
        ids = [cases.create_case(s, principal(s, "case", "CK"), {"full_name": n, "sex": "female", "nationality": "LA",
                                                                 "age_estimate": 24}).id for n in NAMES]
    soon = (date.today() + timedelta(days=6)).isoformat()

    ck = browser.new_context(locale="th-TH").new_page()
    sign_in(ck, base_url, "case", "CK", "th")
    ck.goto(f"{base_url}/repatriation/new")
    for name, i in zip(NAMES, ids):  # the picker searches the centre's cases; ticked ones stay ticked
        ck.locator("#picker-find").fill(name)
        with ck.expect_navigation():
            ck.get_by_test_id("picker-find").click()
        ck.locator(f'input[name=case_ids][value="{i}"]').check()
    assert ck.locator("input[name=case_ids]:checked").count() == 3
    ck.locator("#to_centre").select_option("HX")
    ck.locator("#crossing").select_option("CKG-HXY")
    ck.locator("#planned_date").fill(soon)
    ck.locator("button.primary").click()
    ck.wait_for_url(re.compile(r".*/repatriation/[0-9a-f-]{36}$"))
    url = ck.url
    assert ck.get_by_test_id("persons").locator("tbody tr").count() == 3
    assert ck.get_by_test_id("blocking").is_visible()

    def record(page, key, fill=None):
        form = page.get_by_test_id(f"step-{key}")
        form.locator(f"#state-{key}").select_option("done")
        if fill:
            fill(form)
        form.locator("button.primary").click()
        page.wait_for_url(url)
        assert page.locator(f'li[data-step="{key}"]').get_attribute("data-state") == "done"

    record(ck, "consent", lambda f: f.locator("#consent-language").fill("ລາວ"))
    record(ck, "legal_clearance")
    record(ck, "arrangements", lambda f: f.locator("#arr-escorts").fill("Pol. Lt. Nok"))
    ck.get_by_test_id("send-manifest").click()
    ck.wait_for_url(url)

    hx = browser.new_context(locale="lo-LA").new_page()
    sign_in(hx, base_url, "case", "HX", "lo")
    hx.goto(f"{base_url}/repatriation/")
    hx.get_by_role("link", name=re.compile(r"RP-CK-HX-")).first.click()
    hx.wait_for_url(url)
    assert NAMES[1] in hx.get_by_test_id("persons").inner_text()  # from the manifest
    assert re.search(r"[\u0E80-\u0EFF]", hx.get_by_test_id("plan-state").inner_text())
    record(hx, "family_tracing")
    record(hx, "family_assessment", lambda f: f.locator("#assessment").select_option("safe"))

    def documents(form):
        for select in form.locator("select[name$='-type']").all():
            select.select_option("certificate_of_identity")
    record(hx, "nationality_verification", documents)
    assert hx.get_by_test_id("plan-state").inner_text() != ""

    ck.reload()
    now = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m-%dT%H:%M")
    form = ck.get_by_test_id("handover-form")
    form.locator("#handed_over_at").fill(now)
    form.locator("#sending-0-name").fill("ร.ต.อ. สมชาย")
    form.locator("#receiving-0-name").fill("ທ່ານ ບຸນມີ")
    pad = form.locator("canvas.signature-pad").first
    box = pad.bounding_box()
    ck.mouse.move(box["x"] + 20, box["y"] + 50)
    ck.mouse.down()
    ck.mouse.move(box["x"] + 120, box["y"] + 70)
    ck.mouse.up()
    form.locator("button.primary").click()
    ck.wait_for_url(url)
    assert ck.get_by_test_id("handover").is_visible()

    hx.reload()
    reception = hx.get_by_test_id("reception-form")
    reception.locator("#facility").fill("ສູນພັກຊົ່ວຄາວ ວຽງຈັນ")
    reception.locator("#stay_until").fill((date.today() + timedelta(days=5)).isoformat())
    reception.locator("button.primary").click()
    hx.wait_for_url(url)
    hx_due = hx.get_by_test_id("follow-up-table").locator('[data-testid="due"]').all_inner_texts()
    assert len(hx_due) == 3
    hx.screenshot(path=str(artifacts / "repatriation-huay-xai-lo.png"), full_page=True)

    ck.reload()
    ck_due = ck.get_by_test_id("follow-up-table").locator('[data-testid="due"]').all_inner_texts()
    assert len(ck_due) == 3 and all(re.search(r"25\d\d", d) for d in ck_due)  # Buddhist Era in Thai
    ck.goto(f"{base_url}/repatriation/")
    assert ck.get_by_test_id("follow-ups").first.inner_text().strip() != ""
    ck.screenshot(path=str(artifacts / "repatriation-chiang-khong-th.png"), full_page=True)
