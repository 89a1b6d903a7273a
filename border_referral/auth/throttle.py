"""Sign-in throttling, atomic and shared by every worker: the attempts on an account are counted in
Flask-Limiter's storage (Redis when REDIS_URL is set, else the process's memory) BEFORE the password
is checked, so thirty attempts sent at once count as thirty (the database count they replace let
twelve of thirty through before any was recorded).

Per account, the limits of LOGIN_BACKOFF apply in turn ("5 per 15 minutes; 10 per 2 hours; 20 per
day"): after five wrong passwords the account waits a quarter of an hour, after ten two hours, after
twenty a day. A correct password clears the account's count. There is no lock of a whole address
(an office behind one router would lock all its staff out); an address only has a rate
(LOGIN_RATE_PER_ADDRESS, Flask-Limiter on the sign-in form). Keys are keyed hashes, never the
e-mail address or the IP address."""
from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from ..errors import Throttled
from ..extensions import limiter


def _limits():
    return parse_many(current_app.config["LOGIN_BACKOFF"])


def account_key(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"account:{(email or '').strip().lower()}".encode(), hashlib.sha256).hexdigest()


def _ids(key: str) -> tuple[str, ...]:
    return (current_app.config["RATELIMIT_KEY_PREFIX"], "sign-in", key)


def attempt(key: str) -> None:
    """Count one attempt on the account, or refuse it (Throttled, with the longest wait of the
    limits it is over: 15 minutes after 5 failures, 120 after 10, ...)."""
    strategy, limits = limiter.limiter, _limits()
    over = [item for item in limits if not strategy.test(item, *_ids(key))]
    if not over:
        hits = [strategy.hit(item, *_ids(key)) for item in limits]  # atomic: of parallel attempts
        over = [item for item, ok in zip(limits, hits) if not ok]   # only the allowed number pass
        if not over:
            return
    reset = max(strategy.get_window_stats(item, *_ids(key)).reset_time for item in over)
    minutes = max(1, math.ceil((reset - time.time()) / 60))
    raise Throttled(_l("Too many failed sign-ins. Please wait %(minutes)s minutes and try again.", minutes=minutes))


def succeeded(key: str) -> None:
    """The right password: what the account had counted is forgotten."""
    strategy = limiter.limiter
    for item in _limits():
        strategy.clear(item, *_ids(key))
