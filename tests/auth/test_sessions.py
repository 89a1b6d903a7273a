"""Server-side sessions (issue 14): a `user_session` row per signed-in browser, ended by signing
out (this browser), "sign out everywhere", ending it from another browser, a new password and a
disabled account; the idle and absolute limits hold on the row too."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth import services
from border_referral.auth import sessions as browser_sessions
from border_referral.auth.models import UserSession
from border_referral.database import session_scope
from border_referral.errors import NotFound
from border_referral.util import utcnow
from tests.conftest import DEMO_PASSWORD, Browser, database_bytes, demo_email, principal

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/129.0.0.0 Mobile Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.6 Mobile/15E148 Safari/604.1")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 "
                "Safari/537.36 Edg/129.0.2792.79")


@pytest.mark.parametrize("agent, expected", [
    (FIREFOX_WINDOWS, ("Firefox", "Windows")), (CHROME_ANDROID, ("Chrome", "Android")),
    (SAFARI_IPHONE, ("Safari", "iOS")), (EDGE_WINDOWS, ("Edge", "Windows")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
     ("Chrome", "Linux")),
    ("curl/8.5.0", ("", "")), (None, ("", "")),
])
def test_the_browser_is_described_by_family_and_system_only(agent, expected):
    assert browser_sessions.describe_agent(agent) == expected


def test_a_session_row_lives_until_it_is_ended(demo, db):
    with db() as s:
        me = principal(s, "case", "CR")
        one = services.start_session(s, me, FIREFOX_WINDOWS)
        two = services.start_session(s, me, CHROME_ANDROID)
        assert one.get_id().startswith(f"{me.id}.") and one.session_id != two.session_id
        # the key is the hash of the cookie's secret: the table does not hold the secret
        assert s.get(UserSession, one.session_id) is None
        row = s.get(UserSession, browser_sessions.key_of(one.session_id))
        assert (row.browser, row.os) == ("Firefox", "Windows")
        assert services.load_principal(s, one.get_id()).session_id == one.session_id
        assert services.load_principal(s, f"{me.id}.not-a-session") is None
        assert services.load_principal(s, f"{principal(s, 'case', 'TL').id}.{one.session_id}") is None  # another user
        assert services.load_principal(s, f"{me.id}.{uuid.uuid4()}") is None  # the form before 0013 (user.nonce)
        assert {r.id for r in services.list_sessions(s, me)} == {browser_sessions.key_of(x.session_id) for x in (one, two)}
        services.sign_out(s, one)
        assert services.load_principal(s, one.get_id()) is None
        assert services.load_principal(s, two.get_id()) is not None  # the other browser stays signed in
        assert services.sign_out_everywhere(s, two) == 1
        assert services.load_principal(s, two.get_id()) is None
        acts = s.execute(select(AuditRecord.action).order_by(AuditRecord.seq)).scalars().all()
        assert acts[-4:] == ["auth.session_start", "auth.session_start", "auth.sign_out", "auth.sign_out_everywhere"]


def test_idle_and_absolute_limits_hold_on_the_row(demo, db):
    with db() as s:
        me = principal(s, "viewer", "CR")
        idle = services.start_session(s, me, FIREFOX_WINDOWS)
        old = services.start_session(s, me, FIREFOX_WINDOWS)
        row = s.get(UserSession, browser_sessions.key_of(idle.session_id))
        row.last_seen_at = utcnow() - timedelta(minutes=demo.config["SESSION_IDLE_MINUTES"] + 6)
        row2 = s.get(UserSession, browser_sessions.key_of(old.session_id))
        row2.created_at = utcnow() - timedelta(hours=demo.config["SESSION_MAX_HOURS"], seconds=1)
        s.flush()
        assert services.load_principal(s, idle.get_id()) is None and row.ended_reason == "idle"
        assert services.load_principal(s, old.get_id()) is None and row2.ended_reason == "expired"
        assert services.list_sessions(s, me) == []


def test_last_seen_is_written_at_most_every_few_minutes(demo, db):
    with db() as s:
        me = principal(s, "viewer", "MS")
        signed = services.start_session(s, me, None)
        row = s.get(UserSession, browser_sessions.key_of(signed.session_id))
        recent = utcnow() - timedelta(minutes=2)
        row.last_seen_at = recent
        services.load_principal(s, signed.get_id())
        assert row.last_seen_at == recent
        row.last_seen_at = utcnow() - timedelta(minutes=6)
        services.load_principal(s, signed.get_id())
        assert utcnow() - row.last_seen_at < timedelta(seconds=5)


def test_only_ones_own_sessions_can_be_ended(demo, db):
    with db() as s:
        mine = services.start_session(s, principal(s, "case", "CR"), None)
        key = browser_sessions.key_of(mine.session_id)
        for other in (principal(s, "admin", "CR"), principal(s, "case", "TL")):
            with pytest.raises(NotFound):
                services.end_session(s, other, key)
        with pytest.raises(NotFound):
            services.end_session(s, principal(s, "case", "CR"), "x" * 500)
        assert services.load_principal(s, mine.get_id()) is not None
        services.end_session(s, principal(s, "case", "CR"), key)
        assert services.load_principal(s, mine.get_id()) is None


def test_disabling_an_account_from_the_command_line_ends_its_sessions(demo, db):
    with db() as s:
        me = principal(s, "secretariat", "CR")
        signed = services.start_session(s, me, None)
        services.disable_user(s, None, me.email)
        assert services.load_principal(s, signed.get_id()) is None
        row = s.get(UserSession, browser_sessions.key_of(signed.session_id))
        assert row.ended_reason == "disabled"


# ---------------------------------------------------------------- pages

def two_browsers(demo, role="case", centre="CR"):
    first, second = Browser(demo.test_client()), Browser(demo.test_client())
    assert first.sign_in(demo_email(role, centre), headers={"User-Agent": FIREFOX_WINDOWS}).status_code == 302
    assert second.sign_in(demo_email(role, centre), headers={"User-Agent": CHROME_ANDROID}).status_code == 302
    return first, second


def test_the_sessions_page_lists_them_and_marks_this_one(demo):
    from tests.conftest import translated

    first, second = two_browsers(demo)  # case.cr reads Thai
    html = first.get("/account/sessions").get_data(as_text=True)
    firefox = translated(demo, "th", "%(browser)s on %(os)s", browser="Firefox", os="Windows")
    assert firefox in html and translated(demo, "th", "%(browser)s on %(os)s", browser="Chrome", os="Android") in html
    assert html.count('data-testid="this-session"') == 1
    this_row = html.split('data-testid="this-session"')[1].split("</tr>")[0]
    assert firefox in this_row and translated(demo, "th", "this browser") in this_row
    assert 'href="/account/sessions"' in first.get("/account").get_data(as_text=True)


def test_fixed_ending_a_session_from_another_browser_signs_that_one_out(demo):
    first, second = two_browsers(demo)
    html = first.get("/account/sessions").get_data(as_text=True)
    other = [k for k in set(_keys(html)) if k not in html.split('data-testid="this-session"')[1].split("</tr>")[0]]
    assert len(other) == 1
    resp = first.post_form(f"/account/sessions/{other[0]}/end", {}, page="/account/sessions")
    assert resp.status_code == 302 and resp.location == "/account/sessions"
    assert second.get("/cases/").location.endswith("/sign-in")
    assert first.get("/cases/").status_code == 200
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(AuditRecord).where(AuditRecord.action == "auth.session_end")).scalars().first()


def test_ending_this_session_on_the_page_signs_out(demo):
    first, _second = two_browsers(demo)
    html = first.get("/account/sessions").get_data(as_text=True)
    this = _keys(html.split('data-testid="this-session"')[1].split("</tr>")[0])[0]
    resp = first.post_form(f"/account/sessions/{this}/end", {}, page="/account/sessions")
    assert resp.location.endswith("/sign-in") and first.get("/").status_code == 302


def test_another_users_session_cannot_be_ended(demo, signed_in):
    first, second = two_browsers(demo)
    key = _keys(first.get("/account/sessions").get_data(as_text=True))[0]
    intruder = signed_in("admin", "CR")
    assert intruder.post_form(f"/account/sessions/{key}/end", {}, page="/account/sessions").status_code == 404
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200


def test_sign_out_everywhere(demo):
    first, second = two_browsers(demo)
    resp = first.post_form("/account/sessions/end-all", {}, page="/account/sessions")
    assert resp.status_code == 302 and resp.location.endswith("/sign-in")
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302


def test_fixed_a_stolen_cookie_stops_working_after_sign_out(demo):
    first, second = two_browsers(demo, "supervisor", "TL")
    stolen = demo.test_client()
    cookie = first.client.get_cookie("br_session")
    stolen.set_cookie(cookie.key, cookie.value)
    assert stolen.get("/cases/").status_code == 200
    assert first.post_form("/sign-out", {}, page="/").status_code == 302
    assert stolen.get("/cases/").location.endswith("/sign-in")
    assert second.get("/cases/").status_code == 200  # signing out here leaves the other browser signed in


def test_fixed_a_new_password_ends_the_other_sessions(demo):
    first, second = two_browsers(demo, "viewer", "HX")
    resp = first.post_form("/account", {"current_password": DEMO_PASSWORD, "new_password": "Mekong at Huay Xai 2027"})
    assert resp.status_code == 302 and resp.location.endswith("/sign-in")
    assert second.get("/cases/").location.endswith("/sign-in")
    assert first.get("/").status_code == 302
    with demo.app_context(), session_scope() as s:
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "user.password_change")).scalar_one()
        assert '"sessions_ended": 2' in rec.details


def test_disabling_a_user_signs_them_out_everywhere(demo, signed_in):
    first, second = two_browsers(demo, "viewer", "CR")
    admin = signed_in("admin", "CR")
    with demo.app_context(), session_scope() as s:
        user = services.user_by_email(s, demo_email("viewer", "CR"))
        uid, version = user.id, user.version
    assert admin.post_form(f"/admin/users/{uid}", {"roles": ["viewer"], "version": version}).status_code == 302
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302


def test_the_idle_limit_ends_the_row_too(demo):
    import time

    first, second = two_browsers(demo, "case", "MS")
    assert first.get("/").status_code == 200
    with first.client.session_transaction() as sess:
        sess["seen"] = int(time.time()) - demo.config["SESSION_IDLE_MINUTES"] * 60 - 5
    assert first.get("/").location.endswith("/sign-in")
    with demo.app_context(), session_scope() as s:
        reasons = s.execute(select(UserSession.ended_reason).where(UserSession.ended_reason.is_not(None))).scalars().all()
        assert reasons == ["idle"]
    assert second.get("/").status_code == 200


def test_no_address_is_stored(demo):
    b = Browser(demo.test_client())
    b.sign_in(demo_email("case", "CK"), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert b.get("/account/sessions", environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code == 200
    assert b"203.0.113.77" not in database_bytes(demo)


def _keys(html: str) -> list[str]:
    import re
    return re.findall(r"/account/sessions/([0-9a-f]{64})/end", html)


def test_migration_0013_on_a_release_0012_database_with_users(old_release):
    """A 0012 database full of accounts migrates to the head; its people sign in (the second factor
    is off for everyone, no centre requires it) and get a session row."""
    from sqlalchemy import text

    from border_referral.centres.models import Centre
    from border_referral.cli import migrate

    app, engine = old_release("0012")
    with engine.connect() as conn:
        users = conn.execute(text("SELECT count(*) FROM user_account")).scalar_one()
        tables = set(engine.dialect.get_table_names(conn))
    assert users > 30 and "user_session" not in tables
    with app.app_context():
        migrate(app, "head")
        with session_scope() as s:
            assert not any(c.require_two_factor for c in s.execute(select(Centre)).scalars())
    b = Browser(app.test_client())
    assert b.sign_in(demo_email("case", "CR"), headers={"User-Agent": FIREFOX_WINDOWS}).location == "/"
    assert b.get("/cases/").status_code == 200
    with app.app_context(), session_scope() as s:
        rows = s.execute(select(UserSession)).scalars().all()
        assert [(r.browser, r.os) for r in rows] == [("Firefox", "Windows")]
    app.config["TWO_FACTOR_ROLES"] = ["admin"]  # the default rule: an administrator is sent to enrol
    admin = Browser(app.test_client())
    assert admin.sign_in(demo_email("admin", "CR")).location == "/account/two-factor"
