"""An administrator signs in for the first time under the default rule (administrators must use a
second factor): the password leads to the enrolment page and nowhere else; the key is read off the
page, an authenticator (pyotp here) makes a code, the enrolment is confirmed and the recovery codes
shown; after signing out, signing in takes the password and then a code."""
import re
import time

import pyotp
import pytest

from border_referral.database import session_scope
from tests.conftest import DEMO_PASSWORD, demo_email

pytestmark = pytest.mark.browser

ADMIN = demo_email("admin", "MW")


@pytest.fixture
def two_factor_rule(live_app):
    """The default rule for this journey only (the live app is shared by every browser test), and
    the account as it was afterwards."""
    live_app.config["TWO_FACTOR_ROLES"] = ["admin", "network_admin", "supervisor"]
    yield
    live_app.config["TWO_FACTOR_ROLES"] = ()
    from border_referral.auth import services, two_factor

    with live_app.test_request_context(), session_scope() as s:
        user = services.user_by_email(s, ADMIN)
        record = two_factor.record_of(s, user.id)
        if record is not None:
            two_factor.remove(s, record)


def fresh_code(secret: str) -> str:
    """A code of a step not used yet: wait for the next step when this one is nearly over."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.5)
    return pyotp.TOTP(secret).now()


def test_an_administrator_enrols_and_signs_in_with_a_code(page, base_url, artifacts, two_factor_rule):
    page.goto(f"{base_url}/sign-in?lang=en")
    page.locator("input[type=email]").fill(ADMIN)
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/account/two-factor")
    if page.locator("html").get_attribute("lang") != "en":
        page.locator('.languages button[value="en"]').click()
        page.wait_for_url(f"{base_url}/account/two-factor")

    # nothing else is reachable before the set-up is done
    page.goto(f"{base_url}/admin/users")
    page.wait_for_url(f"{base_url}/account/two-factor")
    assert page.locator('[data-testid="qr"] svg').count() == 1  # drawn here, inline
    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.screenshot(path=str(artifacts / "two-factor-enrol.png"), full_page=True)

    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(fresh_code(secret))
    page.get_by_test_id("enrol-submit").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes)

    page.goto(f"{base_url}/admin/users")
    page.wait_for_url(f"{base_url}/admin/users")  # enrolled: the pages open again
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"{base_url}/sign-in")

    page.locator("input[type=email]").fill(ADMIN)
    page.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base_url}/sign-in")
    code_field = page.locator("input[name=code]")
    assert code_field.count() == 1
    # the half-signed-in browser reaches no page
    page.goto(f"{base_url}/admin/users")
    page.wait_for_url(f"{base_url}/sign-in")
    time.sleep(30 - time.time() % 30 + 0.5)  # the enrolment used this step's code: wait for the next one
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("code-submit").click()
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/account/sessions")
    assert page.get_by_test_id("this-session").count() == 1
    page.screenshot(path=str(artifacts / "two-factor-sessions.png"), full_page=True)
