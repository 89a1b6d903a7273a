"""The shared layout on a phone (390×844), in Burmese (Tachileik) and Thai (Chiang Rai): the menu is
one button that opens it, no page scrolls sideways, label/value lists put the label above the value,
stacked tables say each value's column, buttons, selects and inputs are at least 44 px tall, a refused
form starts with a summary of its errors linking to the fields, and aria-describedby never names
"None" or an element that is not there. Screenshots go to tests/browser/artifacts/layout-*.png."""
import re

import pytest

from border_referral.cases import services as cases
from border_referral.database import session_scope
from border_referral.referrals import services as referrals
from tests.conftest import DEMO_PASSWORD, demo_email, principal

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Demo users no other browser test signs in with, at the two ends of the Chiang Rai–Tachileik pair.
USERS = {"my": ("supervisor", "TL"), "th": ("supervisor", "CR")}
PARTNER = {"TL": "CR", "CR": "TL"}
# Long names without spaces (Burmese and Thai write words together): they must wrap, not widen the page.
NAMES = {"TL": "ခင်မာလာဝင်းသန္တာကျော်ဇေယျာထွန်းနိုင်ဦးမြင့်မြတ်", "CR": "สมศรีวิไลวรรณประเสริฐสุขสวัสดิ์เจริญพงศ์"}


@pytest.fixture(scope="module")
def pages(live_app):
    """For each centre: one case of its own and one referral from its partner waiting in its inbox."""
    made = {}
    with live_app.test_request_context(), session_scope() as s:
        for centre in ("TL", "CR"):
            case = cases.create_case(s, principal(s, "case", centre), {
                "full_name": NAMES[centre], "sex": "female", "nationality": "MM", "age_estimate": 24,
                "exploitation_types": ["forced_labour"], "narrative": NAMES[centre] * 3,
                "home_address": {"village": NAMES[centre], "district": "Tachileik", "province": "Shan"}})
            made[centre] = {"case": case.id}
        for centre in ("TL", "CR"):
            sender = PARTNER[centre]
            r = referrals.create_referral(s, principal(s, "case", sender), {
                "case_id": made[sender]["case"], "to_centre": centre, "purpose": "family_tracing",
                "shared_fields": ["full_name", "sex", "nationality", "home_address"],
                "consent": {"given": True, "method": "written"}, "legal_ground": "Consent",
                "message": NAMES[sender] * 4})
            referrals.perform(s, principal(s, "case", sender), r.id, "send", {})
            made[centre]["referral"] = r.id
    return made


def phone_page(browser, base_url, lang):
    role, centre = USERS[lang]
    context = browser.new_context(viewport=PHONE, locale={"my": "my-MM", "th": "th-TH"}[lang], has_touch=True)
    page = context.new_page()
    page.goto(f"{base_url}/sign-in")
    page.locator("input[type=email]").fill(demo_email(role, centre))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/")
    if page.locator("html").get_attribute("lang") != lang:  # the switcher is in the menu on a phone
        page.get_by_test_id("menu-button").click()
        page.locator(f'.languages button[value="{lang}"]').click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang
    return context, page


def check_menu(page, screenshot=None):
    button, menu = page.get_by_test_id("menu-button"), page.locator("#menu")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible() and not page.locator("nav a").first.is_visible()
    assert page.locator("header.top").bounding_box()["height"] < 100  # one row, not four
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
    assert page.locator('nav a[href="/cases/"]').is_visible() and page.get_by_test_id("sign-out").is_visible()
    for link in page.locator("nav a").all():
        assert link.bounding_box()["height"] >= 44, link.inner_text()
    check_no_sideways_scroll(page, "open menu")
    if screenshot:
        page.screenshot(path=screenshot)
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()


def check_no_sideways_scroll(page, where):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (where, width, page.evaluate(WIDEST))


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !e.closest('table'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def check_tap_targets(page, where):
    small = page.evaluate("""() => [...document.querySelectorAll(
        'main button, main select, main input, main textarea, main summary, header button')]
      .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
      .map(e => {
        const check = e.type === 'checkbox' || e.type === 'radio';  // tapped through its label
        const target = check ? (e.closest('label') || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e) : e;
        return [e.outerHTML.slice(0, 80), target.getBoundingClientRect().height];
      })
      .filter(([_, h]) => h < 44)""")
    assert not small, (where, small)


def check_labels_above_values(page, where):
    pairs = page.evaluate("""() => [...document.querySelectorAll('dl.facts dt')].filter(dt => dt.offsetParent)
      .map(dt => { const dd = dt.nextElementSibling, a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
                   return [dt.textContent.trim(), a.left, a.bottom, b.left, b.top, b.width]; })""")
    assert pairs, where
    for label, dt_left, dt_bottom, dd_left, dd_top, dd_width in pairs:
        assert dd_top >= dt_bottom - 1 and abs(dd_left - dt_left) < 2, (where, label)
        assert dd_width > PHONE["width"] * 0.6, (where, label, dd_width)  # the value has the whole width


def check_stacked_table(page, where):
    table = page.locator("main table.stacked").first
    assert table.count() == 1, where
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").first
    cells = row.locator("td").all()
    assert len(cells) == len(headers) and len(cells) >= 2, where
    tops = []
    for header, cell in zip(headers, cells):
        if not header:
            continue
        assert cell.get_attribute("data-label") == header, (where, header)
        shown = cell.evaluate("c => getComputedStyle(c, '::before').content")
        assert header in shown, (where, header, shown)
        if cell.is_visible():
            tops.append(cell.bounding_box()["y"])
    assert tops == sorted(tops) and len(set(tops)) == len(tops), (where, tops)  # one under the other


def check_describedby(page, where):
    html = page.content()
    assert 'aria-describedby="None"' not in html, where
    missing = page.evaluate("""() => [...document.querySelectorAll('[aria-describedby]')]
      .flatMap(e => e.getAttribute('aria-describedby').split(/\\s+/).filter(id => !document.getElementById(id)))""")
    assert not missing, (where, missing)


@pytest.mark.parametrize("lang", ["my", "th"])
def test_phone_layout(browser, base_url, artifacts, pages, lang):
    _role, centre = USERS[lang]
    context, page = phone_page(browser, base_url, lang)
    assert "border_referral" not in page.title()
    mine = pages[centre]
    visits = [("home", "/"), ("cases", "/cases/"), ("case", f"/cases/{mine['case']}"),
              ("inbox", "/referrals/?box=inbox"), ("referral", f"/referrals/{mine['referral']}")]
    for name, path in visits:
        page.goto(f"{base_url}{path}")
        assert page.locator("html").get_attribute("lang") == lang
        check_no_sideways_scroll(page, name)
        check_tap_targets(page, name)
        check_describedby(page, name)
        if name in ("case", "referral"):
            check_labels_above_values(page, name)
        if name in ("cases", "inbox"):
            check_stacked_table(page, name)
        page.screenshot(path=str(artifacts / f"layout-{name}-{lang}.png"), full_page=True)
        check_menu(page, str(artifacts / f"layout-menu-{lang}.png") if name == "home" else None)
    assert NAMES[centre] in page.locator("main").inner_text() or NAMES[PARTNER[centre]] in page.locator("main").inner_text()
    context.close()


@pytest.mark.parametrize("lang", ["my", "th"])
def test_refused_form_starts_with_an_error_summary(browser, base_url, artifacts, lang):
    context, page = phone_page(browser, base_url, lang)
    page.goto(f"{base_url}/cases/new")
    check_describedby(page, "new case")
    page.locator("form.case-form button.primary").click()
    page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    assert summary.is_visible() and summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"  # the reader starts there
    form_top = page.locator("form.case-form").bounding_box()["y"]
    assert summary.bounding_box()["y"] < form_top
    links = summary.locator("a").all()
    assert links
    for link in links:
        target = link.get_attribute("href")
        assert re.fullmatch(r"#[\w-]+", target) and page.locator(target).count() == 1, target
        field = page.locator(target)
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby") or ""
        errors = " ".join(page.locator(f"#{i}").inner_text() for i in described.split())
        assert errors and errors.replace("⚠", "").strip() in link.inner_text(), (errors, link.inner_text())
    first = links[0].get_attribute("href")
    links[0].click()
    assert page.evaluate("document.activeElement.id") == first[1:]  # the link takes the reader to the field
    check_describedby(page, "refused case")
    check_no_sideways_scroll(page, "refused case")
    check_tap_targets(page, "refused case")
    page.screenshot(path=str(artifacts / f"layout-refused-form-{lang}.png"), full_page=True)
    context.close()


def test_required_fields_are_marked(browser, base_url):
    """A required field has a visible marker and aria-required; a refusal keeps both."""
    context = browser.new_context(viewport=PHONE, locale="my-MM")
    page = context.new_page()
    page.goto(f"{base_url}/sign-in?lang=my")
    for selector in ("input[type=email]", "input[type=password]"):
        field = page.locator(selector)
        assert field.get_attribute("aria-required") == "true"
        label = page.locator(f'label[for="{field.get_attribute("id")}"]')
        assert label.locator(".req").is_visible()
    check_tap_targets(page, "sign-in")
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    summary = page.get_by_test_id("error-summary")
    assert summary.is_visible() and summary.locator('a[href="#email"]').count() == 1
    check_describedby(page, "sign-in refused")
    check_no_sideways_scroll(page, "sign-in refused")
    context.close()


@pytest.mark.parametrize("lang", ["my", "th"])
def test_desktop_menu_stays_open(browser, base_url, artifacts, pages, lang):
    """At 1366×900 the whole menu shows without a button, and nothing scrolls sideways."""
    role, centre = USERS[lang]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base_url}/sign-in")
    page.locator("input[type=email]").fill(demo_email(role, centre))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/")
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f'.languages button[value="{lang}"]').click()
        page.wait_for_load_state()
    for name, path in (("home", "/"), ("case", f"/cases/{pages[centre]['case']}")):
        page.goto(f"{base_url}{path}")
        assert not page.get_by_test_id("menu-button").is_visible()
        assert page.locator('nav a[href="/cases/"]').is_visible() and page.locator(".languages").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        check_describedby(page, name)
        page.screenshot(path=str(artifacts / f"layout-desktop-{name}-{lang}.png"), full_page=True)
    context.close()


def test_without_javascript_the_menu_stays_open_and_tables_scroll_in_their_box(browser, base_url, pages):
    """Progressive: with scripts off the phone shows the whole menu, and a wide table scrolls inside
    its own box instead of widening the page."""
    role, centre = USERS["my"]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/sign-in")
    page.locator("input[type=email]").fill(demo_email(role, centre))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/")
    assert not page.get_by_test_id("menu-button").is_visible()
    assert page.locator('nav a[href="/cases/"]').is_visible() and page.get_by_test_id("sign-out").is_visible()
    for path in ("/", "/cases/", "/referrals/?box=inbox", f"/cases/{pages[centre]['case']}"):
        page.goto(f"{base_url}{path}")
        check_no_sideways_scroll(page, path)
        assert page.locator("table.stacked").count() == 0
    context.close()
