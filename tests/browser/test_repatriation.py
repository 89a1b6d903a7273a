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


# ---------------------------------------------------------------- the signature pads (issue 16)

# The ink of a pad at a point given as a fraction of its displayed size: the alpha of the bitmap's
# pixels in a small square around the point the pointer was at (mapped through the bitmap's scale).
INK_AT = """([fx, fy]) => {
  const c = document.querySelector('canvas.signature-pad');
  const x = Math.round(fx * c.width), y = Math.round(fy * c.height), r = Math.max(2, Math.round(3 * c.width / c.clientWidth));
  const d = c.getContext('2d').getImageData(Math.max(0, x - r), Math.max(0, y - r), 2 * r, 2 * r).data;
  let ink = 0; for (let i = 3; i < d.length; i += 4) ink = Math.max(ink, d[i]); return ink;
}"""
# The same, on the PNG the pad put into its hidden field.
KEPT_INK_AT = """async ([fx, fy]) => {
  const img = new Image(); img.src = document.getElementById('signature-sending').value; await img.decode();
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  const x = Math.round(fx * c.width), y = Math.round(fy * c.height);
  const d = ctx.getImageData(x - 4, y - 4, 8, 8).data;
  let ink = 0; for (let i = 3; i < d.length; i += 4) ink = Math.max(ink, d[i]); return ink;
}"""
PAD = """() => { const c = document.querySelector('canvas.signature-pad');
  return {width: c.width, height: c.height, cssWidth: c.clientWidth, cssHeight: c.clientHeight,
          touchAction: getComputedStyle(c).touchAction, dpr: window.devicePixelRatio}; }"""


def _ready_plan(live_app):
    from border_referral.repatriation import services
    from tests.repatriation.conftest import SOON, home_steps, host_steps

    with live_app.test_request_context(), session_scope() as s:
        case = cases.create_case(s, principal(s, "case", "CK"), {"full_name": "ນາງ ຈັນທອງ", "sex": "female",
                                                                 "nationality": "LA", "age_estimate": 30})
        plan = services.create_plan(s, principal(s, "case", "CK"), {"case_ids": [case.id], "to_centre": "HX",
                                                                   "crossing": "CKG-HXY", "planned_date": SOON})
        host_steps(s, "CK", plan.id, "CKG-HXY")
        home_steps(s, "HX", plan.id)
        return plan.id


def _draw(page, pad, points):
    box = pad.bounding_box()
    page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
    page.mouse.down()
    for fx, fy in points[1:]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=5)
    page.mouse.up()


def test_the_pad_inks_under_the_pointer_everywhere_and_a_refused_form_keeps_it(browser, live_app, base_url, artifacts):
    pid = _ready_plan(live_app)
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    sign_in(page, base_url, "case", "CK", "th")
    page.goto(f"{base_url}/repatriation/{pid}")
    form = page.get_by_test_id("handover-form")
    pad = form.locator("canvas.signature-pad").first
    pad.scroll_into_view_if_needed()
    size = page.evaluate(PAD)
    # Shown larger than its width attribute: the bitmap follows the displayed size and the screen.
    assert size["cssWidth"] > 300 and size["touchAction"] == "none"
    assert abs(size["width"] - size["cssWidth"] * size["dpr"]) <= 2 and abs(size["height"] - size["cssHeight"] * size["dpr"]) <= 2

    # A stroke in the bottom-right corner (where nothing could be signed before) lands there.
    _draw(page, pad, [(0.80, 0.70), (0.88, 0.80), (0.95, 0.90)])
    assert page.evaluate(INK_AT, [0.88, 0.80]) > 0 and page.evaluate(INK_AT, [0.95, 0.90]) > 0
    assert page.evaluate(INK_AT, [0.25, 0.25]) == 0 and page.evaluate(INK_AT, [0.5, 0.5]) == 0
    kept = form.locator("#signature-sending").input_value()
    assert kept.startswith("data:image/png;base64,")
    assert page.evaluate(KEPT_INK_AT, [0.88, 0.80]) > 0 and page.evaluate(KEPT_INK_AT, [0.25, 0.25]) == 0

    # A narrower window: the pad follows and keeps the drawing where it was.
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_function("() => { const c = document.querySelector('canvas.signature-pad');"
                           " return Math.abs(c.width - c.clientWidth * devicePixelRatio) <= 2; }")
    assert page.evaluate(PAD)["cssWidth"] < size["cssWidth"]
    assert page.evaluate(INK_AT, [0.88, 0.80]) > 0 and page.evaluate(INK_AT, [0.25, 0.25]) == 0

    # "Clear" empties the pad and its field; a new signature, then a refused form (a time in the future).
    clear = form.locator('button[data-clear="signature-sending"]')
    assert clear.is_visible()
    clear.click()
    assert page.evaluate(INK_AT, [0.88, 0.80]) == 0 and form.locator("#signature-sending").input_value() == ""
    _draw(page, pad, [(0.70, 0.60), (0.85, 0.75), (0.93, 0.88)])
    kept = form.locator("#signature-sending").input_value()
    form.locator("#handed_over_at").fill("2099-01-01T10:00")
    form.locator("#sending-0-name").fill("ร.ต.อ. สมชาย")
    form.locator("#receiving-0-name").fill("ທ່ານ ບຸນມີ")
    form.locator("#belongings").fill("กระเป๋า 1 ใบ")
    with page.expect_navigation():
        form.locator("button.primary").click()
    form = page.get_by_test_id("handover-form")
    error = page.locator("#handed_over_at-err")
    assert error.is_visible() and error.inner_text().strip()
    assert form.locator("#handed_over_at").get_attribute("aria-describedby") == "handed_over_at-err"
    assert form.locator("#handed_over_at").input_value() == "2099-01-01T10:00"
    assert form.locator("#sending-0-name").input_value() == "ร.ต.อ. สมชาย"
    assert form.locator("#receiving-0-name").input_value() == "ທ່ານ ບຸນມີ"
    assert form.locator("#belongings").input_value() == "กระเป๋า 1 ใบ"
    assert form.locator("#signature-sending").input_value() == kept
    page.wait_for_function("() => document.querySelector('canvas.signature-pad').dataset.restored === '1'")
    assert page.evaluate(INK_AT, [0.85, 0.75]) > 0 and page.evaluate(INK_AT, [0.25, 0.25]) == 0  # drawn back
    page.screenshot(path=str(artifacts / "repatriation-handover-refused-th.png"), full_page=True)

    # Put right and sent: the handover is recorded with the signature.
    now = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m-%dT%H:%M")
    form.locator("#handed_over_at").fill(now)
    with page.expect_navigation():
        form.locator("button.primary").click()
    assert page.get_by_test_id("handover").is_visible()
    context.close()


def test_a_finger_draws_on_the_pad(browser, live_app, base_url):
    pid = _ready_plan(live_app)
    context = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base_url, "case", "CK")
    page.goto(f"{base_url}/repatriation/{pid}")
    pad = page.locator("canvas.signature-pad").first
    pad.scroll_into_view_if_needed()
    size = page.evaluate(PAD)
    assert size["dpr"] == 3 and abs(size["width"] - size["cssWidth"] * 3) <= 2 and size["touchAction"] == "none"
    box = pad.bounding_box()
    before = page.evaluate("() => window.scrollY")
    # A touch drag on the pad: pointer events from a touch pointer (CDP), which must draw, not scroll.
    cdp = context.new_cdp_session(page)
    points = [(0.6, 0.6), (0.75, 0.72), (0.9, 0.85)]
    for i, (fx, fy) in enumerate(points):
        kind = "touchStart" if i == 0 else "touchMove"
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
            {"x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"]}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function("() => document.getElementById('signature-sending').value !== ''")
    assert page.evaluate(INK_AT, [0.75, 0.72]) > 0 and page.evaluate(INK_AT, [0.2, 0.2]) == 0
    assert page.evaluate("() => window.scrollY") == before
    context.close()
