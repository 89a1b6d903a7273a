import time

from flask_babel import force_locale, gettext
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth.models import User
from border_referral.database import session_scope
from tests.conftest import DEMO_PASSWORD, Browser, csrf_from, demo_email


def translated(app, locale, message, **kw):
    with app.test_request_context(), force_locale(locale):
        return gettext(message, **kw)


def test_sign_in_and_out(web):
    resp = web.sign_in(demo_email("case", "CR"))
    assert resp.status_code == 302 and resp.location == "/"
    home = web.get("/")
    assert home.status_code == 200 and 'lang="th"' in home.get_data(as_text=True)  # the user's own language
    resp = web.post_form("/sign-out", {}, page="/")
    assert resp.status_code == 302
    assert web.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_translated_message_and_counted(demo, web):
    resp = web.sign_in(demo_email("case", "CR"), "wrong password!!", headers={"Accept-Language": "th"})
    text = resp.get_data(as_text=True)
    expected = translated(demo, "th", "The e-mail address or password is not correct.")
    assert resp.status_code == 401
    assert expected in text and expected != "The e-mail address or password is not correct."
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(AuditRecord).where(AuditRecord.action == "auth.sign_in_failed")).scalars().first()


def test_repeated_failures_throttle_the_account(demo, web):
    for _ in range(5):  # LOGIN_BACKOFF: 5 per 15 minutes first
        assert web.sign_in(demo_email("viewer", "MW"), "wrong password!!").status_code == 401
    resp = web.sign_in(demo_email("viewer", "MW"), DEMO_PASSWORD, headers={"Accept-Language": "my"})
    assert resp.status_code == 429
    expected = translated(demo, "my", "Too many failed sign-ins. Please wait %(minutes)s minutes and try again.",
                          minutes=15)
    assert expected in resp.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(demo):
    client = demo.test_client()
    resp = client.post("/sign-in", data={"email": demo_email("admin", "CR"), "password": DEMO_PASSWORD})
    assert resp.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_session_expires_after_inactivity(demo, signed_in):
    b = signed_in("case", "CR")
    assert b.get("/").status_code == 200
    with b.client.session_transaction() as sess:
        sess["seen"] = int(time.time()) - demo.config["SESSION_IDLE_MINUTES"] * 60 - 5
    resp = b.get("/")
    assert resp.status_code == 302 and resp.location.endswith("/sign-in")
    assert b.get("/").status_code == 302


def test_session_cookie_flags(demo):
    b = Browser(demo.test_client())
    resp = b.sign_in(demo_email("case", "CR"))
    cookie = resp.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = Browser(demo.test_client())
    html = https.get("/sign-in", base_url="https://localhost").get_data(as_text=True)
    resp = https.client.post("/sign-in", base_url="https://localhost", data={
        "csrf_token": csrf_from(html), "email": demo_email("case", "CR"), "password": DEMO_PASSWORD})
    assert "Secure" in resp.headers.get("Set-Cookie")


def test_language_switch_is_stored_on_the_user(demo, signed_in):
    b = signed_in("case", "CR")
    resp = b.post_form("/language", {"lang": "lo", "next": "/account"}, page="/")
    assert resp.status_code == 302 and resp.location == "/account"
    assert 'lang="lo"' in b.get("/").get_data(as_text=True)
    with demo.app_context(), session_scope() as s:
        user = s.execute(select(User).where(User.email == demo_email("case", "CR"))).scalar_one()
        assert user.locale == "lo"
    # A fresh sign-in somewhere else comes back in Lao.
    other = Browser(demo.test_client())
    other.sign_in(demo_email("case", "CR"))
    assert 'lang="lo"' in other.get("/").get_data(as_text=True)


def test_language_switch_refuses_open_redirects(web):
    resp = web.post_form("/language", {"lang": "th", "next": "https://evil.example/"}, page="/sign-in")
    assert resp.location == "/"


def test_anonymous_language_order(demo):
    c = demo.test_client()
    assert 'lang="my"' in c.get("/sign-in", headers={"Accept-Language": "my,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="lo"' in c.get("/sign-in?lang=lo", headers={"Accept-Language": "my"}).get_data(as_text=True)
    # ?lang= is remembered
    assert 'lang="lo"' in c.get("/sign-in", headers={"Accept-Language": "my"}).get_data(as_text=True)
    assert 'lang="en"' in demo.test_client().get("/sign-in?lang=xx").get_data(as_text=True)


def test_home_shows_centre_and_partners(signed_in):
    html = signed_in("admin", "CR").get("/?lang=en").get_data(as_text=True)
    for text in ("TL", "HX"):
        assert f"<strong>{text}</strong>" in html
    assert "<strong>MW</strong>" not in html  # not a partner of Chiang Rai


def test_admin_creates_and_disables_a_user(demo, signed_in):
    b = signed_in("admin", "CR")
    resp = b.post_form("/admin/users", {"email": "new.officer@example.org", "display_name": "New Officer",
                                        "password": "a good long passphrase", "roles": ["caseworker"], "locale": "th"})
    assert resp.status_code == 302
    with demo.app_context(), session_scope() as s:
        user = s.execute(select(User).where(User.email == "new.officer@example.org")).scalar_one()
        uid, version = user.id, user.version
    assert Browser(demo.test_client()).sign_in("new.officer@example.org", "a good long passphrase").status_code == 302
    resp = b.post_form(f"/admin/users/{uid}", {"roles": ["caseworker"], "version": version})  # active unchecked
    assert resp.status_code == 302
    assert Browser(demo.test_client()).sign_in("new.officer@example.org", "a good long passphrase").status_code == 401


def test_admin_form_errors_are_shown_and_change_nothing(demo, signed_in):
    b = signed_in("admin", "CR")
    resp = b.post_form("/admin/users", {"email": "weak@example.org", "password": "short", "roles": ["viewer"], "locale": "en"})
    assert resp.status_code == 422
    # the admin of CR reads Thai: the refusal is in Thai
    expected = translated(demo, "th", "The password must be at least %(n)s characters long.", n=12)
    assert expected != "The password must be at least 12 characters long."
    assert expected in resp.get_data(as_text=True)
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(User).where(User.email == "weak@example.org")).first() is None


def test_stale_edit_is_a_conflict(demo, signed_in):
    b = signed_in("admin", "CR")
    with demo.app_context(), session_scope() as s:
        user = s.execute(select(User).where(User.email == demo_email("viewer", "CR"))).scalar_one()
        uid, version = user.id, user.version
    assert b.post_form(f"/admin/users/{uid}", {"roles": ["viewer", "mdt"], "active": "y", "version": version}).status_code == 302
    resp = b.post_form(f"/admin/users/{uid}", {"roles": ["viewer"], "active": "y", "version": version})
    assert resp.status_code == 409
    with demo.app_context(), session_scope() as s:
        from border_referral.auth import grants
        from border_referral.auth.services import roles_of
        assert roles_of(s, uid) == {"viewer"}  # MDT waits for a second administrator
        assert [g.role_list for g in grants.pending_of_user(s, uid)] == [["mdt"]]


def test_non_admins_and_other_centres_cannot_manage_users(demo, signed_in):
    assert signed_in("case", "CR").get("/admin/users").status_code == 403
    with demo.app_context(), session_scope() as s:
        uid = s.execute(select(User.id).where(User.email == demo_email("viewer", "CR"))).scalar_one()
    assert signed_in("admin", "TL").get(f"/admin/users/{uid}").status_code == 404


def test_token_page_shows_the_token_once(demo, signed_in):
    b = signed_in("case", "CR")
    refused = b.post_form("/account/tokens", {"name": "script", "password": "not it"}, page="/account")
    assert refused.status_code == 302 and "br_" not in refused.get_data(as_text=True)
    resp = b.post_form("/account/tokens", {"name": "script", "password": DEMO_PASSWORD}, page="/account")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-testid="token"' in html
    token = html.split('data-testid="token">')[1].split("<")[0]
    assert token.startswith("br_")
    assert token not in b.get("/account").get_data(as_text=True)
    me = demo.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["centre"] == "CR"


def test_change_password_signs_out(demo, signed_in):
    b = signed_in("viewer", "CK")
    resp = b.post_form("/account", {"current_password": DEMO_PASSWORD, "new_password": "brand new passphrase"})
    assert resp.status_code == 302 and resp.location.endswith("/sign-in")
    assert b.get("/").status_code == 302
    assert Browser(demo.test_client()).sign_in(demo_email("viewer", "CK"), "brand new passphrase").status_code == 302


def test_fixed_signing_out_ends_the_session_for_a_copied_cookie(demo, signed_in):
    b = signed_in("case", "CR")
    stolen = demo.test_client()
    cookie = b.client.get_cookie("br_session")
    stolen.set_cookie(cookie.key, cookie.value)
    assert stolen.get("/cases/").status_code == 200
    assert b.post_form("/sign-out", {}, page="/").status_code == 302
    assert stolen.get("/cases/").status_code == 302  # sent to the sign-in page


def test_fixed_a_session_ends_after_its_absolute_lifetime(demo, signed_in):
    b = signed_in("case", "CR")
    with b.client.session_transaction() as sess:
        sess["signed_in_at"] = sess["signed_in_at"] - demo.config["SESSION_MAX_HOURS"] * 3600 - 1
    assert b.get("/cases/").status_code == 302


def test_fixed_the_admin_user_page_offers_no_token_for_another_user(signed_in, demo):
    from border_referral.auth.services import user_by_email
    from border_referral.database import session_scope

    with demo.app_context(), session_scope() as s:
        uid = user_by_email(s, "case.cr@demo.border-referral.org").id
    admin = signed_in("admin", "CR")
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert f"/admin/users/{uid}/tokens" not in page and 'name="password"' not in page
    assert admin.client.post(f"/admin/users/{uid}/tokens", data={"name": "x"}).status_code in (400, 404, 405)
