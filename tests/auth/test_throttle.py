"""Sign-in throttling kept in Flask-Limiter's storage: Redis when REDIS_URL is set (every worker sees
the same counts; this machine runs Redis, and a run that cannot reach it fails), memory otherwise;
and a rate, not a lock, per address on the sign-in form."""
from __future__ import annotations

import uuid

import pytest

from border_referral.auth import services
from border_referral.database import session_scope
from border_referral.errors import Throttled
from tests.conftest import DEMO_PASSWORD, demo_email, make_app, translated

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_apps(database, tmp_path):
    """Two apps (two workers) on the same database and the same Redis, under a prefix of this test."""
    import redis

    prefix = f"br-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # fails loudly when Redis cannot be reached
    first = make_app(database, tmp_path / "w1", REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    url = first.config["DATABASE_URL"]
    second = make_app(database, tmp_path / "w2", REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                      DATABASE_URL=url, SECRET_KEY=first.config["SECRET_KEY"])
    from border_referral.demo import seed
    with first.app_context(), session_scope() as s:
        seed(s)
    yield first, second, client, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    first.extensions["br_engine"].dispose()
    second.extensions["br_engine"].dispose()


def test_the_counts_are_shared_by_every_worker_through_redis(redis_apps):
    first, second, client, prefix = redis_apps
    email = demo_email("viewer", "HX")
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    with first.test_request_context(), session_scope() as s:
        for _ in range(5):
            with pytest.raises(services.SignInFailed):
                services.authenticate(s, email, "wrong password!!", "10.2.2.2")
    # the other worker refuses the next attempt, even with the right password
    with second.test_request_context(), session_scope() as s:
        from border_referral.extensions import limiter
        limiter.init_app(second)  # this process now serves as the second worker
        with pytest.raises(Throttled):
            services.authenticate(s, email, DEMO_PASSWORD, "10.2.2.3")
    keys = [k.decode() for k in client.scan_iter(f"*{prefix}*")]
    assert keys and not any("@" in k or "demo.border-referral.org" in k or "10.2.2" in k for k in keys)


def test_the_sign_in_form_has_a_rate_per_address_not_a_lock(demo, web):
    demo.config["LOGIN_RATE_PER_ADDRESS"] = "3 per minute"
    for i in range(3):
        assert web.sign_in(f"nobody{i}@example.org", "wrong password!!").status_code == 401
    refused = web.sign_in(demo_email("admin", "CR"), DEMO_PASSWORD, headers={"Accept-Language": "th"})
    assert refused.status_code == 429
    assert translated(demo, "th", "Too many sign-in attempts from your network. Please wait a minute and try again.") \
        in refused.get_data(as_text=True)
    # another address is not slowed down
    other = web.sign_in(demo_email("admin", "CR"), DEMO_PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 302
