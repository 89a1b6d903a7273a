"""A person signs in, reads the home page in Thai, Burmese, Lao and English, switches language
and signs out; the page's text is in the right script and drawn with our own web fonts."""
import re

import pytest

from tests.conftest import DEMO_PASSWORD, demo_email

pytestmark = pytest.mark.browser

SCRIPT = {"th": r"[\u0E00-\u0E7F]", "my": r"[\u1000-\u109F]", "lo": r"[\u0E80-\u0EFF]", "en": r"[A-Za-z]"}
OTHER_SCRIPTS = r"[\u0E00-\u0EFF\u1000-\u109F]"
# A demo user whose stored language is the one under test; English is reached by the switcher.
USERS = {"th": ("case", "CR"), "my": ("case", "TL"), "lo": ("case", "HX"), "en": ("case", "MS")}
NEXT = {"th": "my", "my": "lo", "lo": "en", "en": "th"}


def script_share(text: str, lang: str) -> float:
    letters = re.findall(r"[^\W\d_]", text)
    return len(re.findall(SCRIPT[lang], text)) / max(1, len(letters))


def custom_fonts_for(page, selector):
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


@pytest.mark.parametrize("lang", ["th", "my", "lo", "en"])
def test_sign_in_read_switch_sign_out(page, base_url, artifacts, lang):
    role, centre = USERS[lang]
    page.goto(f"{base_url}/sign-in?lang=en")
    page.get_by_label("E-mail address").fill(demo_email(role, centre))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == lang
    nav = page.locator("nav").inner_text()
    main = page.locator("main").inner_text()
    if lang == "en":
        assert "Home" in nav and "Sign out" in nav
        assert not re.search(OTHER_SCRIPTS, nav)
    else:
        assert script_share(nav, lang) > 0.6, nav  # the menu is translated
        assert script_share(main, lang) > 0.5, main
        assert "Home" not in nav and "Sign out" not in nav
    # Drawn with the self-hosted fonts, not a system stand-in.
    fonts = custom_fonts_for(page, "main h1")
    assert fonts and all(f["isCustomFont"] for f in fonts), fonts
    page.screenshot(path=str(artifacts / f"home-{lang}.png"), full_page=True)

    # Switch language with the switcher: the page follows and remembers.
    other = NEXT[lang]
    page.locator(f'.languages button[value="{other}"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    page.reload()
    assert page.locator("html").get_attribute("lang") == other

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    assert page.locator("form input[type=password]").count() == 1
    page.goto(f"{base_url}/")
    assert page.url.endswith("/sign-in")


def test_phone_layout_has_no_horizontal_scroll(browser, base_url, artifacts):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="my-MM")
    page = context.new_page()
    page.goto(f"{base_url}/sign-in")
    page.locator("input[type=email]").fill(demo_email("admin", "TL"))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    page.screenshot(path=str(artifacts / "home-phone-my.png"), full_page=True)
    # Keyboard: the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    context.close()
