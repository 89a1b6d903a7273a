"""The privacy pages: who reaches them, CSRF, the PDF in the person's language, the reads and their CSV."""
import re

import pytest

from border_referral.cases import services as cases
from border_referral.centres.models import Centre
from border_referral.database import session_scope
from tests.conftest import csrf_from, principal, translated
from tests.privacy.conftest import NAMES, NOTE, pdf_text


def url(case_id):
    return f"/privacy/cases/{case_id}/access-report"


def centre_name(app, code, lang):
    from sqlalchemy import select

    with app.app_context(), session_scope() as s:
        return s.execute(select(Centre).where(Centre.code == code)).scalar_one().name(lang)


@pytest.mark.parametrize("centre, lang, partner", [("TL", "my", "CR"), ("CR", "th", "TL")])
def test_the_report_is_a_pdf_in_the_person_s_language(demo, signed_in, full_case, centre, lang, partner):
    case_id, _r = full_case(centre, language=lang)
    admin = signed_in("admin", centre)
    page = admin.get(url(case_id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NAMES[centre] not in html  # the form shows the case number only
    assert re.search(rf'<option selected value="{lang}"|<option value="{lang}" selected', html), "default language"
    resp = admin.post_form(url(case_id), {"language": lang})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and NAMES[centre] not in disposition and "access-report-" in disposition
    # Table cells wrap anywhere; pdftotext puts the Burmese vowel sign E (U+1031, drawn before its
    # consonant) back in a different place or drops it, depending on the line: compared without it.
    flat = re.sub(r"[\s\u1031]+", "", pdf_text(resp.get_data()).replace("\u200b", ""))

    def squash(value):
        return re.sub(r"[\s\u1031]+", "", value)

    assert squash(NAMES[centre]) in flat
    # the partner centre, by its name in the person's language (its first word: pdftotext reorders some
    # Burmese vowels of the longer words) and its code
    assert squash(centre_name(demo, partner, lang).split()[0]) in flat and f"({partner})" in flat
    assert squash("Zq-ground MOU 2009") in flat and NOTE in flat
    if lang == "th":  # labels in the person's language (Burmese ones are reordered by pdftotext)
        assert squash(translated(demo, lang, "Full name (native script)")) in flat


def test_only_the_case_s_centre_s_administrator_reaches_the_report(demo, signed_in, make_case):
    case_id = make_case()
    assert signed_in("case", "CR").get(url(case_id)).status_code == 403
    assert signed_in("viewer", "CR").get(url(case_id)).status_code == 403
    assert signed_in("admin", "TL").get(url(case_id)).status_code == 404
    assert signed_in("admin", "MS").get(url(case_id)).status_code == 404
    tl = signed_in("admin", "TL")
    resp = tl.client.post(url(case_id), data={"csrf_token": csrf_from(tl.get("/privacy/reads").get_data(as_text=True)),
                                       "language": "th"})
    assert resp.status_code == 404
    assert signed_in("admin", "CR").get("/privacy/cases/not-an-id/access-report").status_code == 404


def test_posts_need_the_csrf_token(demo, signed_in, make_case):
    case_id = make_case()
    admin = signed_in("admin", "CR")
    assert admin.client.post(url(case_id), data={"language": "th"}).status_code == 400
    assert admin.client.post("/privacy/reads", data={"user_id": "x", "date_from": "2026-01-01",
                                                     "date_to": "2026-01-02"}).status_code == 400


def test_an_erased_case_has_no_report(demo, signed_in, make_case):
    case_id = make_case()
    with demo.test_request_context(), session_scope() as s:
        cases.erase_case(s, principal(s, "admin", "CR"), case_id, "data_subject_request")
    assert signed_in("admin", "CR").get(url(case_id)).status_code == 404


def test_the_case_page_links_the_report_for_its_administrator_only(demo, signed_in, make_case):
    case_id = make_case()
    assert url(case_id) in signed_in("admin", "CR").get(f"/cases/{case_id}").get_data(as_text=True)
    assert url(case_id) not in signed_in("case", "CR").get(f"/cases/{case_id}").get_data(as_text=True)


def _worker_read(demo, case_id):
    with demo.test_request_context(), session_scope() as s:
        cases.read_case(s, principal(s, "case", "CR"), case_id)
        return principal(s, "case", "CR").id


def test_the_reads_page_lists_and_downloads(demo, signed_in, make_case):
    case_id = make_case()
    worker_id = _worker_read(demo, case_id)
    with demo.test_request_context(), session_scope() as s:
        number = cases.reach_case(s, principal(s, "case", "CR"), case_id).case_number
    admin = signed_in("admin", "CR")
    page = admin.get("/privacy/reads")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    dates = dict(re.findall(r'name="(date_from|date_to)"[^>]*value="([0-9-]+)"', html)) or \
        {k: v for v, k in re.findall(r'value="([0-9-]+)"[^>]*name="(date_from|date_to)"', html)}
    form = {"user_id": worker_id, **dates}
    shown = admin.post_form("/privacy/reads", {**form, "format": "list"})
    assert shown.status_code == 200 and number in shown.get_data(as_text=True)
    assert "read-row" in shown.get_data(as_text=True)
    csv = admin.post_form("/privacy/reads", {**form, "format": "csv"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "attachment;" in csv.headers["Content-Disposition"] and worker_id not in csv.headers["Content-Disposition"]
    body = csv.get_data().decode("utf-8-sig")
    assert body.startswith("time,action,what,case_numbers,reference") and number in body and "case.read" in body
    assert "demo.border-referral.org" not in csv.headers["Content-Disposition"]


def test_the_reads_page_is_for_administrators_of_the_user_s_centre(demo, signed_in):
    assert signed_in("case", "CR").get("/privacy/reads").status_code == 403
    assert signed_in("secretariat", "CR").get("/privacy/reads").status_code == 403
    network = signed_in("network", "CR").get("/privacy/reads").get_data(as_text=True)
    assert "case.tl@demo.border-referral.org" in network
    own = signed_in("admin", "CR").get("/privacy/reads").get_data(as_text=True)
    assert "case.cr@demo.border-referral.org" in own and "case.tl@demo.border-referral.org" not in own


def test_a_window_too_long_is_refused_on_the_page(demo, signed_in):
    admin = signed_in("admin", "CR")
    with demo.test_request_context(), session_scope() as s:
        worker_id = principal(s, "case", "CR").id
    resp = admin.post_form("/privacy/reads", {"user_id": worker_id, "date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert resp.status_code == 422 and "read-row" not in resp.get_data(as_text=True)
