"""API tokens expire and carry a scope (issue 14): a read-only token reads and changes nothing; an
expired one is refused; tokens made before expiry existed get the default lifetime."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from border_referral.auth import services
from border_referral.auth.models import ApiToken
from border_referral.database import session_scope
from border_referral.errors import ValidationError
from border_referral.util import utcnow
from tests.conftest import DEMO_PASSWORD, demo_email, principal


def _token(app, **kw):
    with app.test_request_context(), session_scope() as s:
        me = principal(s, "case", "CR")
        token, plain = services.create_token(s, me, me.id, "script", password=DEMO_PASSWORD, **kw)
        return token.id, plain


def test_a_read_only_token_reads_and_is_refused_any_change(demo):
    _id, plain = _token(demo, scope="read")
    client, auth = demo.test_client(), {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    r = client.post("/api/v1/cases", headers=auth, json={"person": {"full_name": "X", "sex": "female", "nationality": "MM"}})
    assert r.status_code == 403 and r.json["error"]["code"] == "read_only_token"
    _id, writer = _token(demo, scope="write")
    r = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {writer}"},
                    json={"person": {"full_name": "X", "sex": "female", "nationality": "MM"}})
    assert r.status_code == 201


def test_a_token_stops_working_when_it_expires(demo):
    ident, plain = _token(demo, days=7)
    client, auth = demo.test_client(), {"Authorization": f"Bearer {plain}"}
    with demo.app_context(), session_scope() as s:
        token = s.get(ApiToken, ident)
        left = token.expires_at - utcnow() if token.expires_at.tzinfo else token.expires_at - utcnow().replace(tzinfo=None)
        assert timedelta(days=6, hours=23) < left <= timedelta(days=7)
        token.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/api/v1/me", headers=auth).status_code == 401


@pytest.mark.parametrize("days", [0, -3, 366, "many", True])
def test_the_lifetime_is_between_one_day_and_the_maximum(demo, days):
    with pytest.raises(ValidationError):
        _token(demo, days=days)


def test_the_account_page_makes_a_read_only_token_for_a_chosen_time(demo, signed_in):
    b = signed_in("case", "CR")
    html = b.post_form("/account/tokens", {"name": "report", "days": "30", "scope": "read",
                                           "password": DEMO_PASSWORD}, page="/account").get_data(as_text=True)
    plain = html.split('data-testid="token">')[1].split("<")[0]
    with demo.app_context(), session_scope() as s:
        found = services.authenticate_token(s, plain)
        assert found is not None and found[1] == "read"
    refused = b.post_form("/account/tokens", {"name": "x", "days": "0", "scope": "read", "password": DEMO_PASSWORD},
                          page="/account", follow_redirects=True)
    assert 'data-testid="token"' not in refused.get_data(as_text=True)


def test_the_command_line_makes_tokens_with_a_scope_and_a_lifetime(demo):
    out = demo.test_cli_runner().invoke(args=["tokens", "create", demo_email("viewer", "CR"), "--scope", "read",
                                              "--days", "7"])
    assert out.exit_code == 0, out.output
    plain = out.output.strip().splitlines()[-1]
    with demo.app_context(), session_scope() as s:
        assert services.authenticate_token(s, plain)[1] == "read"


def test_migration_0011_gives_earlier_tokens_the_default_lifetime(old_release):
    from border_referral.cli import migrate

    app, engine = old_release("0010")
    with app.app_context():
        with engine.connect() as conn:
            user = conn.execute(text("SELECT id FROM user_account ORDER BY email LIMIT 1")).scalar_one()
            conn.execute(text("INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at) VALUES "
                              "('00000000-0000-4000-8000-000000000001', :u, 'old', :h, 'br_x', CURRENT_TIMESTAMP)"),
                         {"u": user, "h": "a" * 64})
            conn.commit()
        migrate(app, "head")
        with session_scope() as s:
            token = s.get(ApiToken, "00000000-0000-4000-8000-000000000001")
            assert token.scope == "write"
            expires = token.expires_at.replace(tzinfo=None) if token.expires_at.tzinfo else token.expires_at
            assert timedelta(days=89) < expires - utcnow().replace(tzinfo=None) <= timedelta(days=90)
