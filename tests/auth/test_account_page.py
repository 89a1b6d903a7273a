"""The words of the account page and of the shared page frame (issue 16): roles by their translated
names, the time zone as a reader says it, the product's name in the title, and form fields whose
required marker, help text and errors are tied to the control."""
import re

import pytest

from tests.conftest import csrf_from, translated


def account_html(b) -> str:
    resp = b.get("/account")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def dd_of(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:ul|dd)>', html, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>", " ", match.group(1))


@pytest.mark.parametrize("lang", ["th", "my", "lo", "en"])
def test_roles_and_time_zone_are_in_words(demo, signed_in, lang):
    b = signed_in("case", "CR")
    b.post_form("/language", {"lang": lang, "next": "/account"}, page="/account")
    html = account_html(b)
    assert f'lang="{lang}"' in html
    roles = dd_of(html, "roles")
    for name in ("Case worker", "Multidisciplinary team"):
        assert translated(demo, lang, name) in roles
    assert "caseworker" not in roles and "mdt" not in roles
    zone = dd_of(html, "time-zone")
    assert "Asia/Bangkok" not in html and "UTC+7" in zone
    if lang == "en":
        assert "Thailand Time (Bangkok, UTC+7)" in zone
    else:
        assert {"th": "กรุงเทพ", "my": "ဘန်ကောက်", "lo": "ບາງກອກ"}[lang] in zone  # the city, in the reader's script


def test_a_network_administrator_and_a_myanmar_centre(demo, signed_in):
    html = account_html(signed_in("network", "CR"))
    assert translated(demo, "th", "Network administrator") in dd_of(html, "roles") and "network_admin" not in html
    html = account_html(signed_in("admin", "TL"))
    zone = dd_of(html, "time-zone")
    assert "Asia/Yangon" not in html and "UTC+6:30" in zone and "ရန်ကုန်" in zone


def test_title_names_the_product_not_the_code(demo, web):
    html = web.get("/sign-in?lang=th").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "border_referral" not in title
    assert translated(demo, "th", "Border Referral") in title and translated(demo, "th", "Sign in") in title


def test_fields_tie_marker_help_and_errors_to_the_control(demo, signed_in):
    b = signed_in("case", "CR")
    html = account_html(b)
    assert 'aria-describedby="None"' not in html and "aria-describedby=\"\"" not in html
    current = re.search(r'<input[^>]*id="current_password"[^>]*>', html).group(0)
    new = re.search(r'<input[^>]*id="new_password"[^>]*>', html).group(0)
    assert 'aria-required="true"' in current and "aria-describedby" not in current  # no help text, no error
    assert 'aria-describedby="new_password-hint"' in new and 'id="new_password-hint"' in html
    assert re.search(r'<label for="current_password">[^<]*<span class="req" aria-hidden="true"', html)
    # Refused: a summary at the top links to each field; each field names its error.
    resp = b.client.post("/account", data={"csrf_token": csrf_from(html), "current_password": "", "new_password": ""})
    page = resp.get_data(as_text=True)
    assert 'data-testid="error-summary"' in page and 'role="alert"' in page
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert 'href="#current_password"' in summary and 'href="#new_password"' in summary
    assert page.index('data-testid="error-summary"') < page.index('id="current_password"')
    new = re.search(r'<input[^>]*id="new_password"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in new and 'aria-describedby="new_password-hint new_password-err"' in new
    assert 'id="new_password-err"' in page and 'aria-describedby="None"' not in page


def test_no_page_of_a_signed_in_user_says_none(demo, signed_in):
    b = signed_in("admin", "CR")
    for path in ("/", "/account", "/admin/users", "/account/two-factor", "/cases/", "/cases/new"):
        resp = b.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        assert 'aria-describedby="None"' not in html, path
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for described in re.findall(r'aria-describedby="([^"]*)"', html):
            assert described and set(described.split()) <= ids, (path, described)


def test_the_users_page_names_roles_too(demo, signed_in):
    html = signed_in("admin", "CR").get("/admin/users").get_data(as_text=True)
    cells = re.findall(r"<td>([^<]*)</td>", html)
    worker, team = translated(demo, "th", "Case worker"), translated(demo, "th", "Multidisciplinary team")
    assert f"{worker} · {team}" in cells
    assert not any(re.search(r"\b(caseworker|mdt|secretariat)\b", c) for c in cells)
