"""What every page shares: health, headers, error pages, logging."""
import json
import logging

import pytest
from flask_babel import force_locale, gettext



def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json == {"status": "ok"}


def test_security_headers_on_pages(demo):
    resp = demo.test_client().get("/sign-in")
    csp = resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Request-Id"]


def test_pages_have_no_inline_script_or_style(signed_in):
    b = signed_in("admin", "CR")
    for path in ("/", "/account", "/admin/users", "/admin/reference", "/admin/centres/CR"):
        html = b.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path
        assert " onclick=" not in html and " onchange=" not in html, path


def _t(app, locale, message):
    with app.test_request_context(), force_locale(locale):
        return gettext(message)


@pytest.mark.parametrize("lang", ["th", "my", "lo"])
def test_404_page_is_translated(demo, lang):
    html = demo.test_client().get("/no-such-page", headers={"Accept-Language": lang}).get_data(as_text=True)
    title = _t(demo, lang, "Not found")
    assert f'lang="{lang}"' in html and title in html and title != "Not found"


def test_signed_in_users_language_wins_over_the_browser(demo, signed_in):
    html = signed_in("admin", "CR").get("/no-such-page", headers={"Accept-Language": "my"}).get_data(as_text=True)
    assert 'lang="th"' in html and _t(demo, "th", "Not found") in html


def test_500_page_has_a_reference_and_nothing_sensitive(demo, caplog):
    secret = "Somchai Jaidee 1-2345-67890-12-3"

    @demo.get("/boom-test")
    def boom():
        raise RuntimeError(secret)

    boom.is_public = True
    with caplog.at_level(logging.ERROR, logger="border_referral"):
        resp = demo.test_client().get("/boom-test?q=" + secret.replace(" ", "+"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500
    ref = resp.headers["X-Request-Id"]
    assert ref in html and secret not in html and "RuntimeError" not in html
    assert secret not in caplog.text


def test_413_too_large(demo, signed_in):
    demo.config["MAX_CONTENT_LENGTH"] = 1000
    b = signed_in("admin", "CR")
    resp = b.post_form("/admin/users", {"display_name": "x" * 5000, "email": "a@example.org"})
    assert resp.status_code == 413
    assert "larger than allowed" in resp.get_data(as_text=True) or 'lang="th"' in resp.get_data(as_text=True)


def test_request_log_has_request_id_and_no_query_string(demo, capsys):
    demo.config["LOG_LEVEL"] = "INFO"
    logging.getLogger("border_referral").setLevel(logging.INFO)
    demo.test_client().get("/sign-in?lang=th&q=Aung+San+secret")
    lines = [json.loads(l) for l in capsys.readouterr().err.splitlines() if l.startswith("{")]
    entry = [l for l in lines if l.get("path") == "/sign-in"][-1]
    assert entry["request_id"] != "-" and entry["status"] == 200
    assert not any("secret" in json.dumps(l) for l in lines)


def test_secret_key_is_generated_into_the_instance(app):
    import os

    key_file = os.path.join(app.config["BORDER_REFERRAL_INSTANCE"], "secret_key.json")
    assert os.path.exists(key_file) and oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    assert len(app.config["SECRET_KEY"]) == 64
