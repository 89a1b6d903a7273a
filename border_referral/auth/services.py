"""Users, sign-in, throttling and API tokens. Services check permissions, validate, write the
audit record and flush; the request (or CLI unit of work) commits."""
from __future__ import annotations

import dataclasses
import hashlib
import secrets
from datetime import timedelta, timezone

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit, inputs
from ..centres.models import Centre
from ..errors import Conflict, NotFound, PermissionDenied, ServiceError, Throttled, ValidationError
from ..i18n import valid_locale
from ..util import utcnow
from .models import ALL_ROLES, DATA_ROLES, TOKEN_SCOPES, ApiToken, TwoFactor, User, UserRole, UserSession
from . import sessions as browser_sessions
from . import grants, throttle, two_factor
from .passwords import DEMO_PASSWORD, dummy_verify, hash_password, needs_rehash, too_easy, verify_password
from .permissions import Principal, require_role

TOKEN_PREFIX = "br_"


class SignInFailed(ServiceError):
    status = 401
    code = "sign_in_failed"
    default_message = _l("The e-mail address or password is not correct.")


# ---------------------------------------------------------------- principals

def roles_of(session: Session, user_id: str) -> frozenset:
    return frozenset(session.execute(select(UserRole.role).where(UserRole.user_id == user_id)).scalars())


def principal_for(session: Session, user: User, session_id: str | None = None) -> Principal:
    centre = session.get(Centre, user.centre_id)
    return _principal(user, centre, roles_of(session, user.id), two_factor.enabled(session, user.id), session_id)


def _principal(user: User, centre: Centre, roles: frozenset, two_factor_on: bool,
               session_id: str | None = None) -> Principal:
    return Principal(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        centre_id=user.centre_id,
        centre_code=centre.code,
        timezone=centre.timezone,
        locale=user.locale,
        roles=roles,
        session_id=session_id,
        two_factor=two_factor_on,
        two_factor_required=two_factor.required(None, user, roles, centre),
    )


def load_principal(session: Session, session_id: str) -> Principal | None:
    """Flask-Login's user loader: `<user id>.<session secret>`. An ended, idle or expired session
    row, or a disabled user, ends the session (auth/sessions.py)."""
    user_id, _, secret = (session_id or "").partition(".")
    found = session.execute(select(User, Centre, TwoFactor.confirmed_at).join(Centre, Centre.id == User.centre_id)
                            .outerjoin(TwoFactor, TwoFactor.user_id == User.id)
                            .where(User.id == user_id)).first() if user_id else None
    if found is None or not found[0].active:
        return None
    user, centre, confirmed_at = found
    if browser_sessions.current(session, user.id, secret) is None:
        return None
    return _principal(user, centre, roles_of(session, user.id), confirmed_at is not None, session_id=secret)


# ---------------------------------------------------------------- validation

def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_l("Enter a valid e-mail address."), field="email") from None


def check_password_strength(password: str, email: str = "", *, allow_demo: bool = False) -> None:
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 12)
    if len(password or "") < minimum:
        raise ValidationError(
            _l("The password must be at least %(n)s characters long.", n=minimum), field="password"
        )
    if len(set(password)) < 4:
        raise ValidationError(_l("The password is too simple: use more different characters."), field="password")
    if email and password.lower() == email.lower():
        raise ValidationError(_l("The password must not be the e-mail address."), field="password")
    if password == DEMO_PASSWORD:
        if allow_demo:  # the demo accounts of `flask seed-demo`, whose password the README publishes
            return
        raise ValidationError(_l("This password is published with the demo data: choose another."), field="password")
    if too_easy(password, email):
        raise ValidationError(_l("This password is among the first a guesser tries (a common word, a name or a "
                                 "keyboard run with digits around it): choose another."), field="password")


def _check_roles(roles) -> list[str]:
    roles = sorted(set(roles or []))
    if not roles:
        raise ValidationError(_l("Choose at least one role."), field="roles")
    unknown = [r for r in roles if r not in ALL_ROLES]
    if unknown:
        raise ValidationError(_l("Unknown role: %(role)s.", role=", ".join(unknown)), field="roles")
    return roles


NETWORK_ROLE = "network_admin"


def _check_network_grant(actor: Principal | None, before, after) -> None:
    """Only a network administrator (or the command line, actor None) grants or removes the
    network administrator role: a centre's administrator cannot make themselves one."""
    if actor is not None and (NETWORK_ROLE in set(before)) != (NETWORK_ROLE in set(after)) \
            and not actor.has_role(NETWORK_ROLE):
        raise PermissionDenied()


def _centre_by_code(session: Session, code: str) -> Centre:
    centre = session.execute(select(Centre).where(Centre.code == (code or "").strip().upper())).scalars().first()
    if centre is None or not centre.active:
        raise ValidationError(_l("Unknown centre: %(code)s.", code=code or ""), field="centre")
    return centre


# ---------------------------------------------------------------- users

def create_user(session: Session, actor: Principal | None, *, email: str, password: str, centre_code: str,
                roles, locale: str | None = None, display_name: str = "", demo: bool = False) -> User:
    """Create an account. `actor` None means the command line (an operator on the server)."""
    if actor is not None:
        require_role(actor, "admin")
    email = normalise_email(email)
    centre = _centre_by_code(session, centre_code)
    if actor is not None and actor.centre_id != centre.id:
        raise PermissionDenied(_l("Administrators create accounts for their own centre only."))
    roles = _check_roles(roles)
    _check_network_grant(actor, [], roles)
    check_password_strength(password, email, allow_demo=demo and actor is None)
    if locale and not valid_locale(locale):
        raise ValidationError(_l("Unknown language: %(code)s.", code=locale), field="locale")
    if len(display_name or "") > 200:
        raise ValidationError(_l("The name is too long (at most %(n)s characters).", n=200), field="display_name")
    if session.execute(select(User.id).where(User.email == email)).first():
        raise ValidationError(_l("An account with this e-mail address already exists."), field="email")
    user = User(email=email, password_hash=hash_password(password), centre_id=centre.id,
                locale=valid_locale(locale), display_name=(display_name or "").strip())
    session.add(user)
    session.flush()
    # Roles that read case data wait for a second administrator (auth/grants.py); the others apply.
    waiting = grants.needs_approval(actor, [], roles)
    now = [r for r in roles if r not in waiting]
    for role in now:
        session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    audit.record(session, actor, "user.create", user, {"centre": centre.code, "roles": now})
    if waiting:
        grants.request(session, actor, user, waiting)
    return user


def _user_in_scope(session: Session, actor: Principal, user_id: str) -> User:
    require_role(actor, "admin")
    user = session.get(User, user_id)
    if user is None or user.centre_id != actor.centre_id:
        raise NotFound()
    if NETWORK_ROLE in roles_of(session, user.id) and not actor.has_role(NETWORK_ROLE):
        raise NotFound()  # the network's account, not the centre's
    return user


def _check_version(obj, version) -> None:
    """A version is optional here (the CLI changes users without one); when given, the one check."""
    if version is not None:
        inputs.check_version(obj, version)


def list_users(session: Session, actor: Principal) -> list[tuple[User, frozenset]]:
    require_role(actor, "admin")
    users = session.execute(select(User).where(User.centre_id == actor.centre_id).order_by(User.email)).scalars().all()
    rows = [(u, roles_of(session, u.id)) for u in users]
    # a network administrator's account is the network's: a centre's administrator does not manage it
    return [(u, r) for u, r in rows if actor.has_role(NETWORK_ROLE) or NETWORK_ROLE not in r]


def two_factor_states(session: Session, actor: Principal) -> dict[str, bool]:
    """For the administrator's list: which accounts of the centre have a second factor on."""
    require_role(actor, "admin")
    rows = session.execute(select(TwoFactor.user_id).join(User, User.id == TwoFactor.user_id)
                           .where(User.centre_id == actor.centre_id, TwoFactor.confirmed_at.is_not(None))).scalars()
    return {user_id: True for user_id in rows}


def centre_security(session: Session, actor: Principal) -> Centre:
    """The administrator's own centre, for its security settings page."""
    require_role(actor, "admin")
    return session.get(Centre, actor.centre_id)


def get_user(session: Session, actor: Principal, user_id: str) -> tuple[User, frozenset]:
    user = _user_in_scope(session, actor, user_id)
    return user, roles_of(session, user.id)


def update_user(session: Session, actor: Principal, user_id: str, *, roles, active: bool, version) -> User:
    user = _user_in_scope(session, actor, user_id)
    _check_version(user, version)
    roles = _check_roles(roles)
    if user.id == actor.id and (not active or "admin" not in roles):
        raise ValidationError(_l("You cannot disable your own account or remove your own administrator role."))
    before = sorted(roles_of(session, user.id))
    if user.id == actor.id and set(roles) & DATA_ROLES - set(before):
        raise PermissionDenied(_l("You cannot give your own account access to case data: another administrator "
                                  "of your centre must do it."))
    _check_network_grant(actor, before, roles)
    waiting = grants.needs_approval(actor, before, roles)  # asked for; a second administrator grants
    roles = [r for r in roles if r not in waiting]
    changes = {}
    if before != roles:
        session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        for role in roles:
            session.add(UserRole(user_id=user.id, role=role))
        changes["roles"] = {"from": before, "to": roles}
    if waiting:  # a request changes the account too (a stale page asking again is a conflict)
        changes["roles_requested"] = waiting
    if user.active != bool(active):
        user.active = bool(active)
        if not user.active:  # ends the user's open sessions
            changes["sessions_ended"] = browser_sessions.end_all(session, user.id, "disabled")
        changes["active"] = user.active
    if changes:
        user.version += 1
        session.add(user)
        try:
            session.flush()
        except StaleDataError:
            raise Conflict() from None
        audit.record(session, actor, "user.update", user, changes)
    if waiting:
        grants.request(session, actor, user, waiting)
    return user


def disable_user(session: Session, actor: Principal | None, email: str) -> User:
    """Disable an account from the command line (actor None) or by a service: its sessions end at
    once and its tokens stop working (both check `active`)."""
    if actor is not None:
        require_role(actor, "admin")
    user = user_by_email(session, email)
    if user is None or (actor is not None and user.centre_id != actor.centre_id):
        raise NotFound()
    if user.active:
        user.active = False
        user.version += 1
        session.add(user)
        session.flush()
        ended = browser_sessions.end_all(session, user.id, "disabled")
        audit.record(session, actor, "user.update", user, {"active": False, "sessions_ended": ended,
                                                           **({} if actor else {"via": "cli"})})
    return user


def reset_two_factor(session: Session, actor: Principal | None, user_id: str) -> User:
    """For someone who lost both the phone and the recovery codes: an administrator of the account's
    centre (or the operator on the command line, actor None) removes its second factor (the secret's
    key is destroyed) and ends its sessions. The owner sets it up again, where required at the next
    sign-in. Not for one's own account (that is the two-factor page, with a code)."""
    user = _user_in_scope(session, actor, user_id) if actor is not None else session.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor is not None and user.id == actor.id:
        raise PermissionDenied()
    record = two_factor.record_of(session, user.id)
    if record is None:
        return user
    two_factor.remove(session, record)
    ended = browser_sessions.end_all(session, user.id, "two_factor_reset")
    audit.record(session, actor, "auth.two_factor_reset", user,
                 {"sessions_ended": ended, **({} if actor else {"via": "cli"})})
    return user


def set_locale(session: Session, actor: Principal, locale: str) -> None:
    code = valid_locale(locale)
    if code is None:
        raise ValidationError(_l("Unknown language: %(code)s.", code=locale or ""), field="locale")
    user = session.get(User, actor.id)
    user.locale = code
    session.add(user)
    session.flush()


def calendar_of(session: Session, actor: Principal) -> str | None:
    """The reader's own choice of calendar (None: their language's)."""
    user = session.get(User, actor.id)  # already loaded by the sign-in or token check
    return user.calendar if user is not None else None


def set_calendar(session: Session, actor: Principal, calendar) -> None:
    """The reader's calendar: "gregorian", "buddhist", or None/"" to follow the language again."""
    from ..i18n import CALENDARS

    if calendar in (None, ""):
        calendar = None
    elif calendar not in CALENDARS:
        raise ValidationError(_l("Choose one of the listed values."), field="calendar")
    user = session.get(User, actor.id)
    if user.calendar != calendar:
        user.calendar = calendar
        session.add(user)
        session.flush()
        audit.record(session, actor, "user.calendar", user, {"calendar": calendar})


def change_password(session: Session, actor: Principal, current: str, new: str) -> None:
    user = session.get(User, actor.id)
    if not verify_password(user.password_hash, current or ""):
        raise ValidationError(_l("The current password is not correct."), field="current_password")
    _new_password(session, actor, user, new)


def set_password(session: Session, email: str, new: str) -> User:
    """An operator sets an account's password on the command line (`flask users password`): the
    same strength rules (the e-mail address and the demo password refused too), and every session
    and token of the account ends."""
    user = user_by_email(session, email)
    if user is None:
        raise NotFound()
    _new_password(session, None, user, new, via="cli")
    return user


def _new_password(session: Session, actor: Principal | None, user: User, new: str, **details) -> None:
    """A new password ends what the old one opened: every session (this one too: the page asks to
    sign in again) and every API token of the account."""
    check_password_strength(new, user.email)
    user.password_hash = hash_password(new)
    user.version += 1
    session.add(user)
    revoked = _revoke_all_tokens(session, user.id)
    session.flush()
    ended = browser_sessions.end_all(session, user.id, "password")
    audit.record(session, actor, "user.password_change", user,
                 {"tokens_revoked": revoked, "sessions_ended": ended, **details})


def _revoke_all_tokens(session: Session, user_id: str) -> int:
    """A new password ends what the old one made: every API token of the account stops working."""
    now = utcnow()
    tokens = session.execute(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))).scalars().all()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    return len(tokens)


# ---------------------------------------------------------------- sign-in

def authenticate(session: Session, email: str, password: str, address: str | None) -> Principal:
    """Check a sign-in's password (the first step). The attempt is counted on the account before the
    password is checked (auth/throttle.py); past the account's limits it is refused without checking.
    `address` is not counted here: an address has a rate on the sign-in form (auth/views.py), never a
    lock.

    For an account with a second factor (`principal.two_factor`) this is only half a sign-in: the
    count is not cleared and nothing says "signed in" until `second_factor_sign_in` accepts a code.
    The caller then starts the browser's session (`start_session`)."""
    user = session.execute(select(User).where(User.email == (email or "").strip().lower())).scalars().first()
    key = throttle.account_key(email)
    try:
        throttle.attempt(key)
    except Throttled:
        audit.record(session, None, "auth.sign_in_throttled", user, {})
        raise
    if user is None:
        dummy_verify(password or "")
        ok, reason = False, "unknown_account"
    elif not verify_password(user.password_hash, password or ""):
        ok, reason = False, "bad_password"
    elif not user.active:
        ok, reason = False, "disabled"
    else:
        ok, reason = True, None
    if not ok:
        audit.record(session, None, "auth.sign_in_failed", user, {"reason": reason})
        raise SignInFailed()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if two_factor.enabled(session, user.id):
        # Half signed in: the count stays (else each right password would buy five more code guesses).
        session.add(user)
        session.flush()
        principal = principal_for(session, user)
        audit.record(session, principal, "auth.password_accepted", user)
        return principal
    throttle.succeeded(key)
    user.last_sign_in_at = utcnow()
    session.add(user)
    session.flush()
    principal = principal_for(session, user)
    audit.record(session, principal, "auth.sign_in", user,
                 {"two_factor_enrolment_due": True} if principal.must_enrol else {})
    return principal


def second_factor_sign_in(session: Session, user_id: str, code: str) -> Principal:
    """The second step of a sign-in: a TOTP code (once per time step) or an unused recovery code.
    Wrong codes count on the account's throttle and are audited (two_factor.verify)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise SignInFailed()
    method = two_factor.verify(session, user, code, purpose="sign_in")
    throttle.succeeded(throttle.account_key(user.email))
    user.last_sign_in_at = utcnow()
    session.add(user)
    session.flush()
    principal = principal_for(session, user)
    audit.record(session, principal, "auth.sign_in", user, {"second_factor": method})
    return principal


# ---------------------------------------------------------------- browser sessions

def start_session(session: Session, principal: Principal, user_agent: str | None) -> Principal:
    """A signed-in browser: a `user_session` row; the principal to give Flask-Login carries the
    secret of the cookie."""
    row, secret = browser_sessions.start(session, principal.id, user_agent)
    audit.record(session, principal, "auth.session_start", ("user_account", principal.id),
                 {"session": row.id[:12], "browser": row.browser, "os": row.os})
    return dataclasses.replace(principal, session_id=secret)


def _own_row(session: Session, actor: Principal) -> UserSession | None:
    if not getattr(actor, "session_id", None):
        return None
    row = session.get(UserSession, browser_sessions.key_of(actor.session_id))
    return row if row is not None and row.user_id == actor.id else None


def current_session_key(actor: Principal) -> str | None:
    return browser_sessions.key_of(actor.session_id) if getattr(actor, "session_id", None) else None


def sign_out(session: Session, actor: Principal) -> None:
    """Signing out ends this browser's session for good: a copy of the cookie taken before (a shared
    computer, a stolen cookie) no longer signs anyone in. The user's other browsers stay signed in
    ("sign out everywhere" ends them too)."""
    row = _own_row(session, actor)
    if row is not None:
        browser_sessions.end(session, row, "sign_out")
    audit.record(session, actor, "auth.sign_out", ("user_account", actor.id),
                 {"session": row.id[:12]} if row is not None else {})


def sign_out_everywhere(session: Session, actor: Principal) -> int:
    ended = browser_sessions.end_all(session, actor.id, "sign_out_all")
    audit.record(session, actor, "auth.sign_out_everywhere", ("user_account", actor.id), {"sessions_ended": ended})
    return ended


def end_session_of(session: Session, actor: Principal | None, reason: str) -> None:
    """End the actor's present session (idle or past its lifetime: web.py)."""
    row = _own_row(session, actor) if actor is not None else None
    if row is not None and row.ended_at is None:
        browser_sessions.end(session, row, reason)
        audit.record(session, actor, "auth.session_end", ("user_account", actor.id),
                     {"session": row.id[:12], "reason": reason})


def list_sessions(session: Session, actor: Principal) -> list[UserSession]:
    """The actor's own open sessions, the most recently used first."""
    return browser_sessions.active(session, actor.id)


def end_session(session: Session, actor: Principal, key: str) -> UserSession:
    """End one of the actor's own sessions (another browser, a lost phone). Anyone else's: not found."""
    row = session.get(UserSession, key) if isinstance(key, str) and 0 < len(key) <= 64 else None
    if row is None or row.user_id != actor.id:
        raise NotFound()
    if row.ended_at is None:
        browser_sessions.end(session, row, "ended")
        audit.record(session, actor, "auth.session_end", ("user_account", actor.id),
                     {"session": row.id[:12], "reason": "ended"})
    return row


# ---------------------------------------------------------------- API tokens

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, actor: Principal | None, user_id: str, name: str = "", *,
                 password: str | None = None, days=None, scope: str = "write",
                 code: str | None = None) -> tuple[ApiToken, str]:
    """Return the stored token and the token itself, which is shown once and never stored.

    Only the user creates their own tokens, after typing their password again (a token acts as
    them: an administrator who could make one for a case worker could read every case as that
    person), and the current code of the authenticator app when the account has a second factor.
    `actor` None is the command line, an operator on the server."""
    user = session.get(User, user_id)
    if actor is not None:
        if user is None or actor.id != user_id:
            raise PermissionDenied(_l("Only the owner of an account creates its tokens."))
        # A wrong password here counts like a failed sign-in (someone holding a stolen session may be
        # guessing it to get a lasting token), and is put on record.
        key = throttle.account_key(user.email)
        throttle.attempt(key)
        if not verify_password(user.password_hash, password or ""):
            audit.record(session, actor, "token.create_denied", user, {"reason": "bad_password"})
            raise ValidationError(_l("The current password is not correct."), field="password")
        if two_factor.enabled(session, user.id):
            if not (code or "").strip():
                audit.record(session, actor, "token.create_denied", user, {"reason": "no_code"})
                raise two_factor.CodeMissing(field="code")
            try:
                two_factor.verify(session, user, code, purpose="token", actor=actor, allow_recovery=False,
                                  counted=True)
            except two_factor.CodeRefused as exc:
                raise ValidationError(exc.message, field="code") from None
        throttle.succeeded(key)
    if user is None:
        raise NotFound()
    if not user.active:
        raise ValidationError(_l("The account is disabled."))
    if len(name or "") > 100:
        raise ValidationError(_l("The name is too long (at most %(n)s characters).", n=100), field="name")
    cfg = current_app.config
    if days in (None, ""):
        days = cfg["TOKEN_DAYS"]
    try:
        days = 0 if isinstance(days, (bool, float)) else int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= int(cfg["TOKEN_MAX_DAYS"]):
        raise ValidationError(_l("Choose how many days the token works: from 1 to %(n)s.", n=cfg["TOKEN_MAX_DAYS"]),
                              field="days")
    if scope not in TOKEN_SCOPES:
        raise ValidationError(_l("Choose one of the listed values."), field="scope")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "").strip(), token_hash=_token_hash(plain), prefix=plain[:10],
                     expires_at=utcnow() + timedelta(days=days), scope=scope)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", token, {"user": user.id, "days": days, "scope": scope})
    return token, plain


def list_tokens(session: Session, actor: Principal, user_id: str) -> list[ApiToken]:
    if actor.id != user_id:
        _user_in_scope(session, actor, user_id)
    return session.execute(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())).scalars().all()


def revoke_token(session: Session, actor: Principal, token_id: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    if token.user_id != actor.id:
        _user_in_scope(session, actor, token.user_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
        audit.record(session, actor, "token.revoke", token, {"user": token.user_id})
    return token


def principal_for_token(session: Session, plain: str) -> Principal | None:
    found = authenticate_token(session, plain)
    return found[0] if found else None


def authenticate_token(session: Session, plain: str) -> tuple[Principal, str] | None:
    """The account a bearer token acts for and the token's scope ("read" or "write"); None for an
    unknown, revoked or expired token or a disabled account."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    # One query for the token, its account, the account's centre and whether it has a second factor
    # (this runs on every API request), and one for the roles.
    found = session.execute(
        select(ApiToken, User, Centre, TwoFactor.confirmed_at)
        .join(User, User.id == ApiToken.user_id).join(Centre, Centre.id == User.centre_id)
        .outerjoin(TwoFactor, TwoFactor.user_id == User.id)
        .where(ApiToken.token_hash == _token_hash(plain))).first()
    if found is None:
        return None
    token, user, centre, confirmed_at = found
    if token.revoked_at is not None or not user.active:
        return None
    expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=timezone.utc)
    now = utcnow()
    if expires <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
        session.add(token)
    return _principal(user, centre, roles_of(session, user.id), confirmed_at is not None), token.scope


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == (email or "").strip().lower())).scalars().first()
