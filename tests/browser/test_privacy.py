"""A breach response: Mae Sot's administrator lists what one of the centre's case workers read in the
last days, on the page (in Thai), and sees the reads, case by case number."""
import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_lists_a_case_worker_s_reads(page, base_url, artifacts, live_app):
    from border_referral.cases import services as cases
    from border_referral.database import session_scope
    from tests.cases.conftest import person
    from tests.conftest import principal

    with live_app.test_request_context(), session_scope() as s:
        worker = principal(s, "case", "MS")
        case = cases.create_case(s, worker, person(full_name="นางสาวทดสอบ การอ่าน"))
        cases.read_case(s, worker, case.id)
        number, worker_id = case.case_number, worker.id

    sign_in(page, base_url, "admin", "MS", "th")
    page.goto(f"{base_url}/privacy/reads")
    assert page.get_by_test_id("reads-form").count() == 1
    page.locator("#user_id").select_option(value=worker_id)
    # the window is filled in: the last seven days of the centre's calendar
    assert page.locator("#date_from").input_value() and page.locator("#date_to").input_value()
    page.get_by_test_id("reads-show").click()
    page.wait_for_load_state()
    rows = page.get_by_test_id("read-row")
    assert rows.count() >= 1
    assert number in page.get_by_test_id("reads-table").inner_text()
    assert "นางสาวทดสอบ" not in page.content()  # numbers only, never the person's name
    page.screenshot(path=str(artifacts / "privacy-reads-ms-th.png"), full_page=True)
