import io
import re

import pytest
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select as select_

from border_referral.cases.models import Attachment, Case
from border_referral.database import session_scope
from tests.cases.conftest import CANARY_ID, CANARY_LATIN, CANARY_MY
from tests.conftest import NOT_ACCEPTED, csrf_from, demo_email, translated

FORM = {"full_name": CANARY_MY, "latin_name": CANARY_LATIN, "sex": "female", "nationality": "MM", "status": "open",
        "assigned_to": "", "referral_source": "police", "id_documents-0-type": "passport",
        "id_documents-0-number": CANARY_ID, "id_documents-0-country": "mm", "narrative": "Story",
        "exploitation_types": ["forced_labour"], "health": "confidential health note"}


@pytest.fixture
def case_url(signed_in):
    b = signed_in("case", "CR")
    r = b.post_form("/cases/new", FORM, page="/cases/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    return b, r.location


def _version(html):
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def test_open_view_edit(case_url):
    b, url = case_url
    html = b.get(url).get_data(as_text=True)
    assert CANARY_MY in html and CANARY_ID in html and "confidential health note" in html
    edit = b.get(f"{url}/edit").get_data(as_text=True)
    assert f'value="{CANARY_ID}"' in edit  # the form carries the current values
    data = {**FORM, "status": "in_shelter", "version": _version(edit)}
    assert b.post_form(f"{url}/edit", data, page=f"{url}/edit").status_code == 302
    html = b.get(url).get_data(as_text=True)
    assert 'In shelter' in html or "in_shelter" not in html


def test_form_errors_are_shown_in_the_users_language(demo, signed_in):
    from flask_babel import force_locale, gettext

    b = signed_in("case", "CR")  # a Thai user
    r = b.post_form("/cases/new", {**FORM, "full_name": ""}, page="/cases/new")
    with demo.test_request_context(), force_locale("th"):
        expected = gettext("This field is required.")
    assert r.status_code == 422 and expected in r.get_data(as_text=True) and expected != "This field is required."
    assert b.get("/cases/").get_data(as_text=True).count('href="/cases/') <= 2  # nothing was created


def test_conflict_page_shows_what_changed_and_keeps_the_input(case_url, signed_in):
    b, url = case_url
    other = signed_in("case", "CR")
    edit_b = b.get(f"{url}/edit").get_data(as_text=True)
    edit_o = other.get(f"{url}/edit").get_data(as_text=True)
    assert other.post_form(f"{url}/edit", {**FORM, "narrative": "Their story", "version": _version(edit_o)},
                           page=f"{url}/edit").status_code == 302
    r = b.post_form(f"{url}/edit", {**FORM, "narrative": "My story", "version": _version(edit_b)}, page=f"{url}/edit")
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and 'data-testid="conflict"' in html
    assert "Their story" in html and "My story" in html
    assert _version(html) == "2"  # re-submitting is possible after review
    assert "Their story" in b.get(url).get_data(as_text=True)


def test_search_is_posted_not_in_the_url(case_url):
    b, _url = case_url
    r = b.post_form("/cases/", {"q": CANARY_LATIN.lower()})
    assert r.status_code == 200 and CANARY_MY in r.get_data(as_text=True)
    assert r.request.url.endswith("/cases/") and "q=" not in r.request.url
    assert CANARY_MY not in b.post_form("/cases/", {"q": "nobody at all"}).get_data(as_text=True)


def test_notes_and_attachments(case_url):
    b, url = case_url
    assert b.post_form(f"{url}/notes", {"body": "Called the family"}, page=url).status_code == 302
    html = b.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), "green").save(buf, "PNG")
    r = b.client.post(f"{url}/attachments", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(buf.getvalue()), "photo.png")})
    assert r.status_code == 302
    html = b.get(url).get_data(as_text=True)
    assert "Called the family" in html and "photo.png" in html
    link = re.search(r'href="(/cases/[^"]+/attachments/[^"]+)"', html).group(1)
    got = b.get(link)
    assert got.status_code == 200 and got.mimetype == "image/png" and "attachment" in got.headers["Content-Disposition"]
    r = b.client.post(f"{url}/attachments", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(b"\x00\x01bin"), "x.bin")})
    assert r.status_code == 415 and translated(b.client.application, "th", NOT_ACCEPTED) in r.get_data(as_text=True)


def test_timeline_lists_reads_and_changes(case_url):
    b, url = case_url
    b.get(url)
    html = b.get(url).get_data(as_text=True)
    assert "Case opened" in html or "case.create" not in html
    assert html.count(demo_email("case", "CR")) >= 2


def test_viewer_cannot_edit_and_other_centre_gets_404(case_url, signed_in):
    _b, url = case_url
    v = signed_in("viewer", "CR")
    html = v.get(url).get_data(as_text=True)
    assert CANARY_MY in html and "confidential health note" not in html
    assert v.get(f"{url}/edit").status_code == 403
    for role in ("admin", "case", "secretariat", "viewer"):
        o = signed_in(role, "TL")
        for path in (url, f"{url}/edit", f"{url}/erase"):
            assert o.get(path).status_code == 404, (role, path)


def test_admin_erases_with_a_reason(case_url, signed_in):
    _b, url = case_url
    a = signed_in("admin", "CR")
    page = a.get(url).get_data(as_text=True)
    assert CANARY_MY not in page  # administrators see no personal data
    r = a.post_form(f"{url}/erase", {"reason": ""})
    assert r.status_code == 422
    r = a.post_form(f"{url}/erase", {"reason": "duplicate"})
    assert r.status_code == 302
    assert a.get(url).status_code == 404


def test_tampered_case_shows_an_integrity_error_page_not_empty_fields(demo, case_url, make_case, caplog):
    from border_referral.cases.models import Case
    from border_referral.database import session_scope

    b, url = case_url
    other = make_case(full_name="Other Person")
    cid = url.rsplit("/", 1)[-1]
    with demo.app_context(), session_scope() as s:
        a, o = s.get(Case, cid), s.get(Case, other)
        a.narrative, o.narrative = o.narrative, a.narrative
    r = b.get(url)
    html = r.get_data(as_text=True)
    from flask_babel import force_locale

    from border_referral.crypto.errors import IntegrityFailure
    with demo.test_request_context(), force_locale("th"):
        expected = str(IntegrityFailure.default_message)
    assert r.status_code == 500 and expected in html
    assert CANARY_MY not in html and r.headers["X-Request-Id"] in html
    assert "integrity failure" in caplog.text and CANARY_MY not in caplog.text


def test_sex_is_asked_never_assumed(signed_in, demo):
    b = signed_in("case", "CR")
    page = b.get("/cases/new").get_data(as_text=True)
    select = page[page.index('name="sex"'):]
    select = select[:select.index("</select>")]
    assert 'value=""' in select and not re.search(r"<option[^>]*selected", select)
    r = b.post_form("/cases/new", {**FORM, "sex": ""}, page="/cases/new")
    assert r.status_code == 422
    with demo.app_context(), session_scope() as s:
        assert s.execute(select_(func.count()).select_from(Case)).scalar() == 0


def test_a_new_case_takes_a_document_with_it(signed_in, demo):
    b = signed_in("case", "CR")
    html = b.get("/cases/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'data-testid="new-case-attachment"' in html
    data = {**FORM, "csrf_token": csrf_from(html), "attachment": (io.BytesIO(b"Scanned intake form, made up."), "intake.txt")}
    r = b.client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    page = b.get(r.location).get_data(as_text=True)
    assert "intake.txt" in page
    # Refused (no sex chosen): neither the case nor the file is kept.
    data = {**FORM, "sex": "", "csrf_token": csrf_from(html), "attachment": (io.BytesIO(b"Another form."), "second.txt")}
    assert b.client.post("/cases/new", data=data, content_type="multipart/form-data").status_code == 422
    with demo.app_context(), session_scope() as s:
        assert s.execute(select_(func.count()).select_from(Case)).scalar() == 1
        assert s.execute(select_(func.count()).select_from(Attachment)).scalar() == 1
