"""Two-factor sign-in (issue 14): TOTP enrolment with a QR code made on the server, recovery codes,
the two-step sign-in, codes used once, the roles and centres that require it.

The suite's BASE_CONFIG turns the requirement off (TWO_FACTOR_ROLES=()); these tests turn it on."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from border_referral.audit.models import AuditRecord
from border_referral.auth import services, two_factor
from border_referral.auth.models import RecoveryCode, TwoFactor, User
from border_referral.centres.models import Centre
from border_referral.crypto.models import DataKey
from border_referral.database import session_scope
from border_referral.errors import Throttled, ValidationError
from tests.conftest import DEMO_PASSWORD, Browser, database_bytes, demo_email, principal, translated

REQUIRED = ["admin", "network_admin", "supervisor"]
CODE_REFUSED = ("The code is not correct, or it was already used. Enter the current code from your authenticator app, "
                "or one of your recovery codes.")


@pytest.fixture
def strict(demo):
    """The demo with the default rule: administrators, network administrators and supervisors must
    use a second factor."""
    demo.config["TWO_FACTOR_ROLES"] = REQUIRED
    return demo


@pytest.fixture
def clock(monkeypatch):
    """The clock codes are checked against, moved by the test (one TOTP step is 30 seconds)."""
    now = [time.time()]
    monkeypatch.setattr(two_factor, "_now", lambda: now[0])

    class Clock:
        def code(self, secret, steps=0):
            return pyotp.TOTP(secret).at(now[0] + 30 * steps)

        def advance(self, seconds=30):
            now[0] += seconds
    return Clock()


def secret_on(html: str) -> str:
    match = re.search(r'data-testid="secret">([^<]+)<', html)
    assert match, "the enrolment page shows no secret"
    return match.group(1).replace(" ", "")


def codes_on(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", html)


def enrol(b: Browser, clock) -> tuple[str, list[str]]:
    html = b.get("/account/two-factor").get_data(as_text=True)
    secret = secret_on(html)
    resp = b.post_form("/account/two-factor", {"password": DEMO_PASSWORD, "code": clock.code(secret)})
    assert resp.status_code == 200, resp.get_data(as_text=True)[-2000:]
    codes = codes_on(resp.get_data(as_text=True))
    assert len(codes) == 10
    clock.advance()
    return secret, codes


def signed_in_with_two_factor(app, clock, role="case", centre="CR") -> tuple[Browser, str, list[str]]:
    b = Browser(app.test_client())
    assert b.sign_in(demo_email(role, centre)).status_code == 302
    secret, codes = enrol(b, clock)
    return b, secret, codes


def actions(app, action) -> list[AuditRecord]:
    with app.app_context(), session_scope() as s:
        return s.execute(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)).scalars().all()


# ---------------------------------------------------------------- services

def test_the_secret_is_sealed_under_a_data_key_of_the_key_ring_and_codes_are_hashed(demo, clock):
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "case", "HX")
        enrolment = two_factor.enrolment(s, me)
        assert len(enrolment.secret) == 32 and enrolment.grouped.replace(" ", "") == enrolment.secret
        assert enrolment.qr_svg.startswith("<svg") and "otpauth" not in enrolment.qr_svg
        codes = two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(enrolment.secret))
        tf = s.execute(select(TwoFactor).where(TwoFactor.user_id == me.id)).scalar_one()
        assert tf.confirmed_at is not None and enrolment.secret.encode() not in bytes(tf.secret)
        dk = s.get(DataKey, tf.data_key_id)
        assert dk.centre_code == "HX" and dk.wrapped
        stored = s.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == me.id)).scalars().all()
        assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
        secret = enrolment.secret
    raw = database_bytes(demo)
    assert secret.encode() not in raw and not any(c.replace("-", "").encode() in raw for c in codes)


def test_a_code_is_accepted_once_and_recovery_codes_once(demo, clock):
    demo.config["LOGIN_BACKOFF"] = "50 per 15 minutes"  # every check below is counted
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "case", "MS")
        secret = two_factor.enrolment(s, me).secret
        codes = two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(secret))
        user = s.get(User, me.id)
        # the confirming code's step is used: the same code again is a replay
        with pytest.raises(two_factor.CodeRefused):
            two_factor.verify(s, user, clock.code(secret), purpose="sign_in")
        clock.advance()
        assert two_factor.verify(s, user, clock.code(secret), purpose="sign_in") == "totp"
        with pytest.raises(two_factor.CodeRefused):  # replayed in the same step
            two_factor.verify(s, user, clock.code(secret), purpose="sign_in")
        with pytest.raises(two_factor.CodeRefused):  # an earlier step
            two_factor.verify(s, user, clock.code(secret, steps=-1), purpose="sign_in")
        assert two_factor.verify(s, user, codes[0].lower(), purpose="sign_in") == "recovery"
        with pytest.raises(two_factor.CodeRefused):
            two_factor.verify(s, user, codes[0], purpose="sign_in")
        with pytest.raises(two_factor.CodeRefused):  # recovery codes are not accepted where a code is asked
            two_factor.verify(s, user, codes[1], purpose="token", allow_recovery=False)
        assert two_factor.recovery_codes_left(s, me.id) == 9
        reasons = [r.details for r in s.execute(select(AuditRecord).where(
            AuditRecord.action == "auth.two_factor_failed")).scalars()]
        assert any('"replayed"' in d for d in reasons) and any('"wrong_recovery_code"' in d for d in reasons)


def test_wrong_codes_count_on_the_account_throttle(demo, clock):
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "viewer", "CK")
        secret = two_factor.enrolment(s, me).secret
        two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(secret))
        user = s.get(User, me.id)
        for _ in range(5):  # LOGIN_BACKOFF: 5 per 15 minutes
            with pytest.raises(two_factor.CodeRefused):
                two_factor.verify(s, user, "000000" if clock.code(secret) != "000000" else "111111", purpose="sign_in")
        clock.advance()
        with pytest.raises(Throttled):  # even the right code now waits
            two_factor.verify(s, user, clock.code(secret), purpose="sign_in")
        # and so does the password: the count is the account's
        with pytest.raises(Throttled):
            services.authenticate(s, me.email, DEMO_PASSWORD, "10.0.0.9")


def test_turning_off_needs_password_and_code_and_is_refused_where_required(demo, clock):
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "case", "TL")
        secret = two_factor.enrolment(s, me).secret
        two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(secret))
        clock.advance()
        with pytest.raises(ValidationError):
            two_factor.disable(s, me, "not my password", clock.code(secret))
        demo.config["TWO_FACTOR_ROLES"] = ["caseworker"]
        with pytest.raises(ValidationError) as refused:
            two_factor.disable(s, me, DEMO_PASSWORD, clock.code(secret))
        assert "required" in str(refused.value.message)
        demo.config["TWO_FACTOR_ROLES"] = []
        tf = s.execute(select(TwoFactor).where(TwoFactor.user_id == me.id)).scalar_one()
        key_id = tf.data_key_id
        two_factor.disable(s, me, DEMO_PASSWORD, clock.code(secret))
        assert not two_factor.enabled(s, me.id)
        assert s.get(DataKey, key_id).wrapped is None  # the secret is shredded
        assert two_factor.recovery_codes_left(s, me.id) == 0
        assert [r.action for r in s.execute(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).scalars()] \
            == ["auth.two_factor_disabled"]


def test_who_must_use_a_second_factor(demo):
    with demo.test_request_context(), session_scope() as s:
        demo.config["TWO_FACTOR_ROLES"] = REQUIRED
        assert principal(s, "admin", "CR").must_enrol and principal(s, "supervisor", "CR").must_enrol
        assert principal(s, "network", "CR").must_enrol
        assert not principal(s, "case", "CR").two_factor_required
        with pytest.raises(Exception):  # only the centre's administrator sets the centre's rule
            two_factor.set_centre_requirement(s, principal(s, "case", "CR"), True, None)
        centre = two_factor.set_centre_requirement(s, principal(s, "admin", "CR"), True, 1)
        assert centre.require_two_factor and centre.version == 2
        assert principal(s, "case", "CR").must_enrol and not principal(s, "case", "TL").two_factor_required
        rec = s.execute(select(AuditRecord).where(AuditRecord.action == "centre.two_factor_requirement")).scalar_one()
        assert rec.target_id == "CR" and '"required": true' in rec.details


def test_an_api_token_asks_for_the_current_code(demo, clock):
    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "case", "CK")
        secret = two_factor.enrolment(s, me).secret
        two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(secret))
        clock.advance()
        for code in (None, "123 456" if clock.code(secret) != "123456" else "654321"):
            with pytest.raises(ValidationError) as refused:
                services.create_token(s, me, me.id, "script", password=DEMO_PASSWORD, code=code)
            assert refused.value.field == "code"
        _token, plain = services.create_token(s, me, me.id, "script", password=DEMO_PASSWORD, code=clock.code(secret))
        assert plain.startswith("br_")


# ---------------------------------------------------------------- pages

def test_fixed_a_required_role_cannot_skip_enrolment(strict):
    b = Browser(strict.test_client())
    resp = b.sign_in(demo_email("admin", "CR"))
    assert resp.status_code == 302 and resp.location == "/account/two-factor"
    for path in ("/", "/admin/users", "/account", "/account/sessions", "/cases/", "/meetings/"):
        resp = b.get(path)
        assert resp.status_code == 302 and resp.location == "/account/two-factor", path
    resp = b.post_form("/admin/users", {"email": "x@example.org", "password": "a good long passphrase",
                                        "roles": ["viewer"], "locale": "en"}, page="/account/two-factor")
    assert resp.status_code == 302 and resp.location == "/account/two-factor"
    with strict.app_context(), session_scope() as s:
        assert services.user_by_email(s, "x@example.org") is None
    page = b.get("/account/two-factor")
    assert page.status_code == 200 and 'data-testid="qr"' in page.get_data(as_text=True)
    assert b.post_form("/sign-out", {}, page="/account/two-factor").status_code == 302
    assert b.get("/account/two-factor").status_code == 302  # signed out


def test_enrolment_page_shows_a_qr_code_made_here_and_confirms_with_password_and_code(strict, clock):
    b = Browser(strict.test_client())
    b.sign_in(demo_email("admin", "TL"))
    page = b.get("/account/two-factor")
    html = page.get_data(as_text=True)
    secret = secret_on(html)
    assert '<svg' in html and "otpauth" not in html and "http" not in html.split('data-testid="qr"')[1][:200]
    # The CSP allows neither inline styles nor inline scripts (the layout's own script has a src).
    assert " style=" not in html and "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert secret not in page.headers.get("Location", "") and page.headers["Cache-Control"] == "no-store"
    assert secret_on(b.get("/account/two-factor").get_data(as_text=True)) == secret  # the same until confirmed
    wrong = b.post_form("/account/two-factor", {"password": DEMO_PASSWORD, "code": "12345"},
                        headers={"Accept-Language": "my"})
    assert wrong.status_code == 422
    assert translated(strict, "my", CODE_REFUSED) in wrong.get_data(as_text=True)
    bad_password = b.post_form("/account/two-factor", {"password": "wrong password!!", "code": clock.code(secret)})
    assert bad_password.status_code == 422
    done = b.post_form("/account/two-factor", {"password": DEMO_PASSWORD, "code": clock.code(secret)})
    assert done.status_code == 200 and len(codes_on(done.get_data(as_text=True))) == 10
    assert b.get("/admin/users").status_code == 200  # enrolled: everything is reachable again
    assert 'data-testid="two-factor-on"' in b.get("/account/two-factor").get_data(as_text=True)
    assert [r.action for r in actions(strict, "auth.two_factor_enabled")] == ["auth.two_factor_enabled"]
    assert len(actions(strict, "auth.two_factor_failed")) == 2  # the wrong code and the wrong password


def test_two_step_sign_in_with_a_code(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "supervisor", "MW")
    assert b.post_form("/sign-out", {}, page="/").status_code == 302
    resp = b.sign_in(demo_email("supervisor", "MW"))
    assert resp.status_code == 302 and resp.location == "/sign-in"
    step = b.get("/sign-in")
    assert 'name="code"' in step.get_data(as_text=True)
    # half signed in: no page, no API
    for path in ("/", "/account", "/cases/", "/account/two-factor"):
        assert b.get(path).status_code == 302 and b.get(path).location.endswith("/sign-in"), path
    assert b.get("/api/v1/me").status_code == 401
    resp = b.post_form("/sign-in", {"code": clock.code(secret)})
    assert resp.status_code == 302 and resp.location == "/"
    assert b.get("/").status_code == 200
    records = actions(strict, "auth.sign_in")
    assert '"second_factor": "totp"' in records[-1].details


def test_fixed_a_replayed_code_is_refused(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "case", "CR")
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("case", "CR"))
    code = clock.code(secret)
    assert b.post_form("/sign-in", {"code": code}).status_code == 302
    b.post_form("/sign-out", {}, page="/")
    other = Browser(strict.test_client())  # the same code, seen over the shoulder, in the same 30 seconds
    other.sign_in(demo_email("case", "CR"))
    resp = other.post_form("/sign-in", {"code": code}, headers={"Accept-Language": "th"})
    assert resp.status_code == 401
    assert translated(strict, "th", CODE_REFUSED) in resp.get_data(as_text=True)
    assert other.get("/").status_code == 302
    assert '"replayed"' in actions(strict, "auth.two_factor_failed")[-1].details


def test_a_recovery_code_works_once(strict, clock):
    b, _secret, codes = signed_in_with_two_factor(strict, clock, "admin", "HX")
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("admin", "HX"))
    assert b.post_form("/sign-in", {"code": codes[3].lower().replace("-", " ")}).status_code == 302
    assert b.get("/").status_code == 200
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("admin", "HX"))
    assert b.post_form("/sign-in", {"code": codes[3]}).status_code == 401
    assert b.post_form("/sign-in", {"code": codes[4]}).status_code == 302
    left = translated(strict, "lo", "Recovery codes left: %(n)s", n="8")  # admin.hx reads Lao
    assert left in b.get("/account/two-factor").get_data(as_text=True)


def test_wrong_codes_on_the_sign_in_page_are_counted_and_audited(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "viewer", "TL")
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("viewer", "TL"))
    wrong = "000000" if clock.code(secret) != "000000" else "111111"
    for _ in range(4):  # the password counted once: four codes fill the first window of five
        assert b.post_form("/sign-in", {"code": wrong}).status_code == 401
    refused = b.post_form("/sign-in", {"code": clock.code(secret)}, headers={"Accept-Language": "lo"})
    assert refused.status_code == 429
    assert translated(strict, "lo", "Too many failed sign-ins. Please wait %(minutes)s minutes and try again.",
                      minutes=15) in refused.get_data(as_text=True)
    assert len(actions(strict, "auth.two_factor_failed")) == 4
    assert actions(strict, "auth.two_factor_throttled")


def test_the_half_signed_in_state_lasts_five_minutes(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "case", "HX")
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("case", "HX"))
    with b.client.session_transaction() as sess:
        pending = dict(sess["two_factor_pending"])
        pending["at"] -= strict.config["TWO_FACTOR_PENDING_SECONDS"] + 1
        sess["two_factor_pending"] = pending
    resp = b.get("/sign-in")
    assert 'name="password"' in resp.get_data(as_text=True)  # back to the first step
    # a code posted now is not a sign-in
    html = b.get("/sign-in").get_data(as_text=True)
    assert 'name="code"' not in html
    assert b.get("/").status_code == 302


def test_start_again_leaves_the_second_step(strict, clock):
    b, _secret, _codes = signed_in_with_two_factor(strict, clock, "case", "MW")
    b.post_form("/sign-out", {}, page="/")
    b.sign_in(demo_email("case", "MW"))
    assert b.get("/sign-in?restart=1").status_code == 302
    assert 'name="password"' in b.get("/sign-in").get_data(as_text=True)


def test_new_recovery_codes_and_turning_off_on_the_page(strict, clock):
    b, secret, codes = signed_in_with_two_factor(strict, clock, "case", "TL")
    resp = b.post_form("/account/two-factor/recovery-codes", {"code": clock.code(secret)}, page="/account/two-factor")
    fresh = codes_on(resp.get_data(as_text=True))
    assert resp.status_code == 200 and len(fresh) == 10 and not set(fresh) & set(codes)
    clock.advance()
    refused = b.post_form("/account/two-factor/disable", {"password": "wrong password!!", "code": clock.code(secret)},
                          page="/account/two-factor")
    assert refused.status_code == 302
    with strict.app_context(), session_scope() as s:
        assert two_factor.enabled(s, services.user_by_email(s, demo_email("case", "TL")).id)
    done = b.post_form("/account/two-factor/disable", {"password": DEMO_PASSWORD, "code": fresh[0]},
                       page="/account/two-factor")
    assert done.status_code == 302 and done.location == "/account"
    with strict.app_context(), session_scope() as s:
        assert not two_factor.enabled(s, services.user_by_email(s, demo_email("case", "TL")).id)


def test_a_required_account_cannot_turn_it_off(strict, clock):
    b, secret, codes = signed_in_with_two_factor(strict, clock, "admin", "MS")
    page = b.get("/account/two-factor").get_data(as_text=True)
    assert "/account/two-factor/disable" not in page
    resp = b.post_form("/account/two-factor/disable", {"password": DEMO_PASSWORD, "code": codes[0]},
                       page="/account/two-factor")
    assert resp.status_code == 302 and resp.location == "/account/two-factor"
    with strict.app_context(), session_scope() as s:
        assert two_factor.enabled(s, services.user_by_email(s, demo_email("admin", "MS")).id)


def test_the_account_page_asks_the_code_for_a_token(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "case", "CK")
    assert 'name="code"' in b.get("/account").get_data(as_text=True)
    refused = b.post_form("/account/tokens", {"name": "x", "password": DEMO_PASSWORD}, page="/account")
    assert refused.status_code == 302 and "br_" not in refused.get_data(as_text=True)
    made = b.post_form("/account/tokens", {"name": "x", "password": DEMO_PASSWORD, "code": clock.code(secret)},
                       page="/account")
    assert made.status_code == 200 and 'data-testid="token"' in made.get_data(as_text=True)


def test_the_centre_administrator_requires_it_of_everyone(strict, clock):
    admin, _secret, _codes = signed_in_with_two_factor(strict, clock, "admin", "CK")
    page = admin.get("/admin/security")
    assert page.status_code == 200
    with strict.app_context(), session_scope() as s:
        version = s.execute(select(Centre.version).where(Centre.code == "CK")).scalar_one()
    case = Browser(strict.test_client())
    assert case.sign_in(demo_email("case", "CK")).location == "/"
    resp = admin.post_form("/admin/security", {"require_two_factor": "y", "version": version})
    assert resp.status_code == 302
    # the case worker already signed in is sent to enrol at the next page
    assert case.get("/cases/").location == "/account/two-factor"
    assert actions(strict, "centre.two_factor_requirement")
    # a stale form is a conflict; another centre is not touched
    assert admin.post_form("/admin/security", {"version": version}).status_code == 409
    with strict.app_context(), session_scope() as s:
        assert not s.execute(select(Centre.require_two_factor).where(Centre.code == "HX")).scalar_one()
    assert Browser(strict.test_client()).sign_in(demo_email("case", "HX")).location == "/"


def test_only_administrators_see_the_centre_security_page(demo, signed_in):
    assert signed_in("case", "CR").get("/admin/security").status_code == 403
    assert signed_in("admin", "CR").get("/admin/security").status_code == 200
    refused = signed_in("case", "CR").post_form("/admin/security", {"require_two_factor": "y", "version": "1"},
                                                page="/account")
    assert refused.status_code == 403
    with demo.app_context(), session_scope() as s:
        assert not s.execute(select(Centre.require_two_factor).where(Centre.code == "CR")).scalar_one()


def test_forms_without_the_csrf_token_are_refused(strict, clock):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "case", "MS")
    for path, data in (("/account/two-factor/disable", {"password": DEMO_PASSWORD, "code": clock.code(secret)}),
                       ("/account/two-factor/recovery-codes", {"code": clock.code(secret)}),
                       ("/account/sessions/end-all", {})):
        assert b.client.post(path, data=data).status_code in (302, 400), path
    assert b.get("/").status_code == 200  # nothing was done: still signed in, still enrolled
    with strict.app_context(), session_scope() as s:
        assert two_factor.enabled(s, services.user_by_email(s, demo_email("case", "MS")).id)


def test_an_administrator_resets_a_lost_second_factor(strict, clock, signed_in):
    b, secret, _codes = signed_in_with_two_factor(strict, clock, "case", "CR")
    with strict.app_context(), session_scope() as s:
        uid = services.user_by_email(s, demo_email("case", "CR")).id
        admin_id = services.user_by_email(s, demo_email("admin", "CR")).id
    strict.config["TWO_FACTOR_ROLES"] = []  # the administrators of this test sign in with a password
    other = signed_in("admin", "TL")
    assert other.post_form(f"/admin/users/{uid}/two-factor/reset", {}, page="/account").status_code == 404
    admin = signed_in("admin", "CR")
    assert 'two-factor/reset' in admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert admin.post_form(f"/admin/users/{admin_id}/two-factor/reset", {}, page="/account").status_code == 403
    resp = admin.post_form(f"/admin/users/{uid}/two-factor/reset", {}, page=f"/admin/users/{uid}")
    assert resp.status_code == 302
    assert b.get("/").location.endswith("/sign-in")  # the person's sessions ended
    with strict.app_context(), session_scope() as s:
        assert not two_factor.enabled(s, uid)
    assert actions(strict, "auth.two_factor_reset")
    strict.config["TWO_FACTOR_ROLES"] = ["caseworker"]  # where it is required, it is set up again
    assert Browser(strict.test_client()).sign_in(demo_email("case", "CR")).location == "/account/two-factor"


def test_the_operator_resets_a_second_factor_on_the_command_line(demo, clock):
    _b, _secret, _codes = signed_in_with_two_factor(demo, clock, "viewer", "MS")
    out = demo.test_cli_runner().invoke(args=["users", "reset-two-factor", demo_email("viewer", "MS")])
    assert out.exit_code == 0, out.output
    with demo.app_context(), session_scope() as s:
        assert not two_factor.enabled(s, services.user_by_email(s, demo_email("viewer", "MS")).id)
    out = demo.test_cli_runner().invoke(args=["users", "reset-two-factor", "nobody@example.org"])
    assert out.exit_code != 0


def test_turning_it_on_ends_the_sessions_begun_with_the_password_alone(demo, clock):
    elsewhere = Browser(demo.test_client())
    assert elsewhere.sign_in(demo_email("secretariat", "TL")).status_code == 302
    b, _secret, _codes = signed_in_with_two_factor(demo, clock, "secretariat", "TL")
    assert elsewhere.get("/").location.endswith("/sign-in")
    assert b.get("/").status_code == 200  # the browser that turned it on stays signed in


def test_fixed_the_same_code_sent_at_once_signs_in_once(demo, clock):
    """Two requests with one code at the same moment: the conditional update of the last step lets one
    through."""
    import threading

    with demo.test_request_context(), session_scope() as s:
        me = principal(s, "viewer", "HX")
        secret = two_factor.enrolment(s, me).secret
        two_factor.confirm(s, me, DEMO_PASSWORD, clock.code(secret))
    clock.advance()
    code, outcomes, start = clock.code(secret), [], threading.Barrier(4)

    def attempt():
        with demo.test_request_context():
            start.wait()
            try:
                with session_scope() as s:
                    services.second_factor_sign_in(s, me.id, code)
                outcomes.append("in")
            except two_factor.CodeRefused:
                outcomes.append("refused")
            except Exception as exc:  # SQLite may refuse a second writer outright ("database is locked")
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("in") == 1, outcomes


def test_tokens_of_an_account_that_must_enrol_wait_until_it_has(strict, clock, token_for):
    """An administrator made a token before two-factor became required: it is refused with a clear
    reason until the second factor is set up, then it works again."""
    token = token_for("admin", "HX")  # made from the command line, like an operator's token
    client = strict.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "two_factor_required"
    signed_in_with_two_factor(strict, clock, "admin", "HX")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
