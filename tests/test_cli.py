from sqlalchemy import select

from border_referral.auth.models import User
from border_referral.database import session_scope


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_seed_demo_is_idempotent_and_prints_accounts(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0 and "admin.cr@demo.border-referral.org" in first.output
    second = run(app, "seed-demo")
    assert second.exit_code == 0 and "users +0" in second.output
    with app.app_context(), session_scope() as s:
        assert len(s.execute(select(User.id)).all()) == 31  # five in each of the six centres, and the network administrator


def test_init_db_is_repeatable(app):
    assert run(app, "init-db").exit_code == 0
    assert run(app, "init-db").exit_code == 0


def test_users_create(demo):
    ok = run(demo, "users", "create", "--email", "officer@example.org", "--password", "long enough password",
             "--centre", "MS", "--role", "caseworker", "--role", "mdt", "--locale", "th")
    assert ok.exit_code == 0, ok.output


def test_users_create_bad_input_exits_non_zero_with_a_message(demo):
    unknown = run(demo, "users", "create", "--email", "o@example.org", "--password", "long enough password",
                  "--centre", "ZZ", "--role", "viewer")
    assert unknown.exit_code != 0 and "Unknown centre: ZZ" in unknown.output
    weak = run(demo, "users", "create", "--email", "o@example.org", "--password", "short",
               "--centre", "CR", "--role", "viewer")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    role = run(demo, "users", "create", "--email", "o@example.org", "--password", "long enough password",
               "--centre", "CR", "--role", "boss")
    assert role.exit_code != 0 and "Unknown role" in role.output
    with demo.app_context(), session_scope() as s:
        assert s.execute(select(User).where(User.email == "o@example.org")).first() is None


def test_tokens_create_prints_the_token_last(demo):
    out = run(demo, "tokens", "create", "case.tl@demo.border-referral.org")
    assert out.exit_code == 0
    token = out.output.strip().splitlines()[-1]
    resp = demo.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json["centre"] == "TL"
    assert run(demo, "tokens", "create", "nobody@example.org").exit_code != 0


def test_users_password_ends_sessions_and_tokens_and_refuses_weak_ones(demo, api, signed_in):
    """The contract: `flask users password EMAIL --password P` sets a password (weak or common ones:
    non-zero exit) and ends the user's sessions and tokens."""
    from tests.conftest import demo_email

    email = demo_email("case", "CR")
    browser = signed_in("case", "CR")
    token_client = api("case", "CR")
    assert browser.get("/cases/").status_code == 200 and token_client.get("/api/v1/me").status_code == 200
    for weak in ("short", "Password123!", "border-demo-2026", email):
        result = run(demo, "users", "password", email, "--password", weak)
        assert result.exit_code != 0, weak
    assert browser.get("/cases/").status_code == 200  # a refused change ended nothing
    assert run(demo, "users", "password", "nobody@example.org", "--password", "a long good passphrase 7").exit_code != 0
    ok = run(demo, "users", "password", email, "--password", "a long good passphrase 7")
    assert ok.exit_code == 0, ok.output
    assert browser.get("/cases/").status_code in (302, 401)  # signed out
    assert token_client.get("/api/v1/me").status_code == 401
    assert browser.sign_in(email, "a long good passphrase 7").status_code == 302
