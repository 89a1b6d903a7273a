"""Each role's day on a phone (390×844), on an instance holding the demo's story (issue 16): a case
worker in Thai, a secretariat in Burmese and a viewer in Lao walk through the
pages of their work. On every page: no 5xx, nothing wider than the screen, and axe-core (through
axe-playwright-python, installed by the project) finds no violation and no "needs review" item of
critical impact. Screenshots go to tests/browser/artifacts/role-*.png."""
import re
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from border_referral.database import session_scope
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: F401  (the launch settings are the shared ones)
from tests.conftest import DEMO_PASSWORD, Database, demo_email, make_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Axe()


@pytest.fixture(scope="module")
def story_url(tmp_path_factory):
    """An app of its own, served on a free port, with the demo set and the demo's story."""
    from border_referral.demo import seed
    from border_referral.demo_story import tell

    database = Database(tmp_path_factory.mktemp("story-database"))
    app = make_app(database, tmp_path_factory.mktemp("story"), LOGIN_RATE_PER_ADDRESS="600 per minute")
    with app.app_context(), session_scope() as s:
        seed(s)
    with app.test_request_context(), session_scope() as s:
        tell(s)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["br_engine"].dispose()
    database.drop()


def _sign_in(page, url, role, centre):
    page.goto(f"{url}/sign-in")
    page.locator("input[type=email]").fill(demo_email(role, centre))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{url}/")


def _check(page, name, artifacts, seen):
    """The page as it stands: not wider than the phone, and clean for axe."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide"
    found = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    violations = [(v["id"], v["impact"], len(v["nodes"])) for v in found["violations"]]
    critical = [(v["id"], len(v["nodes"])) for v in found["incomplete"] if v.get("impact") == "critical"]
    assert violations == [] and critical == [], f"{name}: {violations} {critical}"
    page.screenshot(path=str(artifacts / f"role-{name}.png"), full_page=True)
    seen.append(name)


def _visit(page, url, path, name, artifacts, seen):
    response = page.goto(f"{url}{path}")
    assert response.status == 200, f"{path}: {response.status}"
    _check(page, name, artifacts, seen)


def _first_link(page, pattern):
    for href in page.locator("main a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href or ""):
            return href
    raise AssertionError(f"no link like {pattern} on {page.url}")


def test_a_case_worker_in_thai(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="th-TH").new_page()
    seen = []
    _sign_in(page, story_url, "case", "CR")
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.get_by_test_id("home-my-cases").is_visible()
    _check(page, "case-th-home", artifacts, seen)
    _visit(page, story_url, "/cases/?mine=1", "case-th-my-cases", artifacts, seen)
    case = _first_link(page, r"/cases/[0-9a-f-]{36}")
    _visit(page, story_url, case, "case-th-case", artifacts, seen)
    _visit(page, story_url, "/screening/", "case-th-clocks", artifacts, seen)
    _visit(page, story_url, "/referrals/?box=inbox", "case-th-inbox", artifacts, seen)
    _visit(page, story_url, _first_link(page, r"/referrals/[0-9a-f-]{36}"), "case-th-referral", artifacts, seen)
    _visit(page, story_url, "/repatriation/", "case-th-plans", artifacts, seen)
    _visit(page, story_url, _first_link(page, r"/repatriation/[0-9a-f-]{36}"), "case-th-plan", artifacts, seen)
    _visit(page, story_url, "/cases/new", "case-th-new-case", artifacts, seen)
    assert len(seen) == 9


def test_a_secretariat_in_burmese(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="my-MM").new_page()
    seen = []
    _sign_in(page, story_url, "secretariat", "TL")
    assert page.locator("html").get_attribute("lang") == "my"
    assert page.get_by_test_id("home-meetings").is_visible()
    _check(page, "secretariat-my-home", artifacts, seen)
    _visit(page, story_url, "/meetings/", "secretariat-my-meetings", artifacts, seen)
    _visit(page, story_url, _first_link(page, r"/meetings/[0-9a-f-]{36}"), "secretariat-my-meeting", artifacts, seen)
    _visit(page, story_url, "/meetings/actions?mine=1", "secretariat-my-actions", artifacts, seen)
    assert len(seen) == 4


def test_a_viewer_in_lao(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="lo-LA").new_page()
    seen = []
    _sign_in(page, story_url, "viewer", "HX")
    assert page.locator("html").get_attribute("lang") == "lo"
    _check(page, "viewer-lo-home", artifacts, seen)
    _visit(page, story_url, "/cases/", "viewer-lo-cases", artifacts, seen)
    _visit(page, story_url, _first_link(page, r"/cases/[0-9a-f-]{36}"), "viewer-lo-case", artifacts, seen)
    _visit(page, story_url, "/referrals/?box=outbox", "viewer-lo-outbox", artifacts, seen)
    assert len(seen) == 4


def test_a_supervisor_in_thai(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="th-TH").new_page()
    seen = []
    _sign_in(page, story_url, "supervisor", "CR")
    _check(page, "supervisor-th-home", artifacts, seen)
    _visit(page, story_url, "/cases/", "supervisor-th-cases", artifacts, seen)
    case = _first_link(page, r"/cases/[0-9a-f-]{36}")
    _visit(page, story_url, f"/referrals/new/{case.rsplit('/', 1)[1]}", "supervisor-th-new-referral", artifacts, seen)
    assert page.locator('[name="override_reason"]').count() == 1  # the supervisor's box, theirs only
    _visit(page, story_url, "/referrals/?box=outbox", "supervisor-th-outbox", artifacts, seen)
    assert len(seen) == 4


def test_an_administrator_in_lao(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="lo-LA").new_page()
    seen = []
    _sign_in(page, story_url, "admin", "HX")
    _check(page, "admin-lo-home", artifacts, seen)
    _visit(page, story_url, "/admin/users", "admin-lo-users", artifacts, seen)
    _visit(page, story_url, "/account", "admin-lo-account", artifacts, seen)
    _visit(page, story_url, "/screening/settings", "admin-lo-screening-settings", artifacts, seen)
    _visit(page, story_url, "/admin/reference", "admin-lo-reference", artifacts, seen)
    _visit(page, story_url, "/reports/", "admin-lo-reports", artifacts, seen)
    assert len(seen) == 6


def test_the_network_administrator(browser, story_url, artifacts):
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    seen = []
    _sign_in(page, story_url, "network", "CR")
    _check(page, "network-home", artifacts, seen)
    _visit(page, story_url, "/admin/reference", "network-reference", artifacts, seen)
    _visit(page, story_url, _first_link(page, r"/admin/partnerships/[A-Z-]+"), "network-partnership", artifacts, seen)
    assert len(seen) == 3
