"""Server-side sessions: one `user_session` row per signed-in browser.

Flask-Login's id of a signed-in user is `<user id>.<session secret>`; the row's key is the SHA-256
of the secret, so the table cannot be turned back into cookies. A session is valid while its row
has no `ended_at`, its user is active, and it is within the idle limit (SESSION_IDLE_MINUTES, also
checked on the cookie in web.py) and the absolute lifetime (SESSION_MAX_HOURS from signing in).
Ending a row ends the session at the next request of that browser, wherever the cookie was copied.

Rows keep no address; only the browser's family and operating system (read from the User-Agent,
without versions) so that a person can tell their sessions apart."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlmodel import Session

from ..util import utcnow
from .models import UserSession

# (pattern, name), the first match wins: the order matters (Edge and Opera also say "Chrome", Chrome
# also says "Safari").
BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"SamsungBrowser/", "Samsung Internet"),
    (r"UCBrowser/", "UC Browser"), (r"Firefox/|FxiOS/", "Firefox"), (r"Chromium/", "Chromium"),
    (r"Chrome/|CriOS/", "Chrome"), (r"Safari/", "Safari"),
)
SYSTEMS = (
    (r"Windows", "Windows"), (r"iPhone|iPad|iPod", "iOS"), (r"Android", "Android"), (r"CrOS", "ChromeOS"),
    (r"Mac OS X|Macintosh", "macOS"), (r"Linux|X11", "Linux"),
)


def describe_agent(user_agent: str | None) -> tuple[str, str]:
    """("Firefox", "Windows") from a User-Agent header; "" for what is not recognised."""
    ua = (user_agent or "")[:512]
    browser = next((name for pattern, name in BROWSERS if re.search(pattern, ua)), "")
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, ua)), "")
    return browser, system


def key_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def start(session: Session, user_id: str, user_agent: str | None) -> tuple[UserSession, str]:
    """A new session of the user: the row and the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    browser, system = describe_agent(user_agent)
    row = UserSession(id=key_of(secret), user_id=user_id, browser=browser, os=system)
    session.add(row)
    session.flush()
    return row, secret


def _expired(row: UserSession, now) -> str | None:
    cfg = current_app.config
    if now - _aware(row.created_at) > timedelta(hours=cfg["SESSION_MAX_HOURS"]):
        return "expired"
    # last_seen_at is written at most every SESSION_TOUCH_MINUTES: allow for that
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"] + cfg.get("SESSION_TOUCH_MINUTES", 5))
    if now - _aware(row.last_seen_at) > idle:
        return "idle"
    return None


def current(session: Session, user_id: str, secret: str) -> UserSession | None:
    """The live session row for a cookie's `<user id>.<secret>`, touched at most every few minutes;
    None when there is none, it was ended or it ran out (then it is ended now)."""
    if not user_id or not secret or len(secret) > 100:
        return None
    row = session.get(UserSession, key_of(secret))
    if row is None or not hmac.compare_digest(row.user_id, user_id) or row.ended_at is not None:
        return None
    now = utcnow()
    reason = _expired(row, now)
    if reason:
        end(session, row, reason)
        return None
    if now - _aware(row.last_seen_at) > timedelta(minutes=current_app.config.get("SESSION_TOUCH_MINUTES", 5)):
        row.last_seen_at = now
        session.add(row)
    return row


def end(session: Session, row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.ended_reason = reason
        session.add(row)
        session.flush()


def end_all(session: Session, user_id: str, reason: str, *, keep: str | None = None) -> int:
    """End every open session of the user (but `keep`, a row key, if given); return how many."""
    where = [UserSession.user_id == user_id, UserSession.ended_at.is_(None)]
    if keep:
        where.append(UserSession.id != keep)
    result = session.execute(update(UserSession).where(*where).values(ended_at=utcnow(), ended_reason=reason)
                             .execution_options(synchronize_session="fetch"))
    session.flush()
    return result.rowcount or 0


def active(session: Session, user_id: str) -> list[UserSession]:
    now = utcnow()
    rows = session.execute(select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                           .order_by(UserSession.last_seen_at.desc())).scalars().all()
    return [row for row in rows if _expired(row, now) is None]
