"""Browser tests: Playwright driving Debian's chromium against the app served in a thread."""
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from border_referral.database import session_scope
from tests.conftest import Database, make_app

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app served on a free port with the demo data, on a database of its own (other tests
    reset theirs per test)."""
    from border_referral.demo import seed

    database = Database(tmp_path_factory.mktemp("live-database"))
    # Every journey signs in from 127.0.0.1, like a whole office behind one router.
    app = make_app(database, tmp_path_factory.mktemp("live"), LOGIN_RATE_PER_ADDRESS="600 per minute")
    with app.app_context(), session_scope() as s:
        seed(s)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    app.extensions["br_engine"].dispose()
    database.drop()


@pytest.fixture(scope="session")
def base_url(live_app):
    return live_app.config["LIVE_URL"]


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, base_url, role, centre, lang=None):
    """Sign in through the form as a demo user; lands on the home page (in `lang`, chosen with the
    switcher if the user's stored language is another: other tests may have changed it)."""
    from tests.conftest import DEMO_PASSWORD, demo_email

    page.goto(f"{base_url}/sign-in")
    page.locator("input[type=email]").fill(demo_email(role, centre))
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/")
    if lang and page.locator("html").get_attribute("lang") != lang:
        page.locator(f'.languages button[value="{lang}"]').click()
        page.wait_for_load_state()
