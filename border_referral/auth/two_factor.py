"""The second factor: TOTP (RFC 6238, 30-second steps, 6 digits) and single-use recovery codes.

The TOTP secret is sealed with the crypto package like every other secret: a data key of its own,
wrapped by the user's centre's KEK from the key ring (so `flask keys rotate` rewraps it and a stolen
database alone reveals nothing), the secret itself AES-256-GCM under that key in a `Ciphertext`
column. It is decrypted only to check a code and, while enrolment is not confirmed, to show the
owner the QR code and the secret to type; it is never logged. Turning the factor off destroys the
data key. Recovery codes are stored as HMAC-SHA256 under a key derived from the same data key.

Every check of a code is counted in the account's sign-in throttle (auth/throttle.py) before it is
made, and each refusal is on the audit record. A TOTP code is accepted once: the step it belongs to
is stored and a code of that step or an earlier one is refused (a code seen over a shoulder or in a
proxy's log cannot be replayed)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from pyotp.utils import strings_equal
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit, inputs
from ..centres.models import Centre
from ..crypto import envelope
from ..crypto.models import DataKey
from ..crypto.vault import Vault
from ..errors import Conflict, ServiceError, Throttled, ValidationError
from ..util import utcnow
from . import sessions as browser_sessions
from . import throttle
from .models import RecoveryCode, TwoFactor, User, UserRole
from .passwords import verify_password
from .permissions import Principal, require_role

RECOVERY_CODES = 10
# No 0/O, 1/I/L: codes are read off paper. 12 characters of 31: about 59 bits each.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 12
# One step either side of now: a phone's clock a little off still works.
VALID_WINDOW = 1


class CodeRefused(ServiceError):
    status = 401
    code = "two_factor_failed"
    default_message = _l("The code is not correct, or it was already used. Enter the current code from "
                         "your authenticator app, or one of your recovery codes.")


class CodeMissing(ValidationError):
    default_message = _l("Enter the 6-digit code from your authenticator app.")


@dataclass
class Enrolment:
    """What the enrolment page shows its owner (never put in a URL, never logged)."""
    secret: str
    uri: str
    qr_svg: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, for typing it into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


# ---------------------------------------------------------------- state

def record_of(session: Session, user_id: str) -> TwoFactor | None:
    return session.execute(select(TwoFactor).where(TwoFactor.user_id == user_id)).scalars().first()


def enabled(session: Session, user_id: str) -> bool:
    tf = record_of(session, user_id)
    return tf is not None and tf.confirmed_at is not None


def required(session: Session, user: User, roles=None, centre: Centre | None = None) -> bool:
    """Must this account sign in with a second factor? Its roles (TWO_FACTOR_ROLES) or its centre's
    setting say so."""
    if roles is None:
        roles = session.execute(select(UserRole.role).where(UserRole.user_id == user.id)).scalars().all()
    if set(roles) & set(current_app.config.get("TWO_FACTOR_ROLES") or ()):
        return True
    centre = centre or session.get(Centre, user.centre_id)
    return bool(centre is not None and centre.require_two_factor)


def recovery_codes_left(session: Session, user_id: str) -> int:
    return len(session.execute(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id,
                                                                RecoveryCode.used_at.is_(None))).all())


def _secret(session: Session, tf: TwoFactor) -> str:
    # Never shown, except to its owner during enrolment: no audit record of a read (crypto/vault.py).
    return Vault.open(session, tf.data_key_id, target=tf).decrypt_unaudited(tf, ["secret"])["secret"]


def _recovery_key(session: Session, tf: TwoFactor) -> bytes:
    # A key derived from the two-factor record's data key for this one purpose.
    return Vault.open(session, tf.data_key_id, target=tf).file_key("two-factor-recovery-codes")


def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def _recovery_hash(key: bytes, code: str) -> str:
    return hmac.new(key, _normalise_recovery(code).encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(session: Session, tf: TwoFactor) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == tf.user_id))
    key = _recovery_key(session, tf)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(user_id=tf.user_id, code_hash=_recovery_hash(key, raw)))
    session.flush()
    return codes


def _now() -> float:
    """The clock codes are checked against (tests move it)."""
    return time.time()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _matching_step(secret: str, digits: str | None) -> int | None:
    """The time step (now, or one either side) whose code is `digits`; None if none is."""
    if digits is None:
        return None
    totp = _totp(secret)
    current = totp.timecode(_now())
    return next((step for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1)
                 if strings_equal(digits, totp.generate_otp(step))), None)


def _digits(code: str) -> str | None:
    code = re.sub(r"\s", "", code or "")
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


# ---------------------------------------------------------------- checking a code

def verify(session: Session, user: User, code: str, *, purpose: str, actor=None, allow_recovery: bool = True,
           counted: bool = False) -> str:
    """Check a TOTP code (or, if allowed, a recovery code) of `user`; return "totp" or "recovery".

    The attempt is counted on the account first (unless the caller already counted this request's
    attempt, `counted`); a refusal is audited (`auth.two_factor_failed`, with the purpose and the
    reason) and raises CodeRefused. The caller clears the count when the whole operation succeeded."""
    key = throttle.account_key(user.email)
    if not counted:
        try:
            throttle.attempt(key)
        except Throttled:
            audit.record(session, actor, "auth.two_factor_throttled", user, {"purpose": purpose})
            raise
    tf = record_of(session, user.id)
    if tf is None or tf.confirmed_at is None:
        raise CodeRefused()
    digits = _digits(code)
    if digits is not None:
        step = _matching_step(_secret(session, tf), digits)
        if step is not None:
            # One conditional UPDATE: of two requests with the same code at the same moment, one wins.
            taken = session.execute(
                update(TwoFactor).where(TwoFactor.id == tf.id,
                                        or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
                .values(last_step=step).execution_options(synchronize_session="fetch")).rowcount
            if taken != 1:
                audit.record(session, actor, "auth.two_factor_failed", user, {"purpose": purpose, "reason": "replayed"})
                raise CodeRefused()
            return "totp"
        reason = "wrong_code"
    elif allow_recovery and _normalise_recovery(code):
        wanted = _recovery_hash(_recovery_key(session, tf), code)
        unused = session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                            RecoveryCode.used_at.is_(None))).scalars().all()
        for rc in unused:
            if hmac.compare_digest(rc.code_hash, wanted):
                taken = session.execute(
                    update(RecoveryCode).where(RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow()).execution_options(synchronize_session="fetch")).rowcount
                if taken != 1:  # used at the same moment by another request
                    break
                audit.record(session, actor, "auth.recovery_code_used", user,
                             {"purpose": purpose, "left": len(unused) - 1})
                return "recovery"
        reason = "wrong_recovery_code"
    else:
        reason = "malformed"
    audit.record(session, actor, "auth.two_factor_failed", user, {"purpose": purpose, "reason": reason})
    raise CodeRefused()


def _check_password(session: Session, actor: Principal, user: User, password: str, purpose: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        audit.record(session, actor, "auth.two_factor_failed", user, {"purpose": purpose, "reason": "bad_password"})
        raise ValidationError(_l("The current password is not correct."), field="password")


# ---------------------------------------------------------------- enrolment

def _qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code, made here (no outside service, nothing in a URL)."""
    qr = segno.make(uri, error="m")
    return qr.svg_inline(scale=5, dark="#000", light="#fff", title=str(_l("QR code for your authenticator app")))


def enrolment(session: Session, actor: Principal) -> Enrolment:
    """Begin (or show again) the enrolment of the signed-in user: a new secret is made once and kept
    sealed until it is confirmed with a code or replaced."""
    user = session.get(User, actor.id)
    tf = record_of(session, user.id)
    if tf is not None and tf.confirmed_at is not None:
        raise ValidationError(_l("Two-factor sign-in is already on for your account."))
    if tf is None:
        vault = Vault.create(session, actor.centre_code)
        tf = TwoFactor(user_id=user.id, data_key_id=vault.key_id)
        vault.write(tf, {"secret": pyotp.random_base32()})
        session.add(tf)
        session.flush()
        audit.record(session, actor, "auth.two_factor_enrolment_started", user)
    secret = _secret(session, tf)
    issuer = current_app.config.get("TWO_FACTOR_ISSUER") or "Border referral"
    uri = _totp(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    return Enrolment(secret=secret, uri=uri, qr_svg=_qr_svg(uri))


def confirm(session: Session, actor: Principal, password: str, code: str) -> list[str]:
    """Turn the second factor on with the password and a current code from the app; return the ten
    recovery codes, shown once and stored only hashed."""
    user = session.get(User, actor.id)
    tf = record_of(session, user.id)
    if tf is None or tf.confirmed_at is not None:
        raise ValidationError(_l("Start the set-up again: reload the page."))
    key = throttle.account_key(user.email)
    throttle.attempt(key)
    _check_password(session, actor, user, password, "enrol")
    matched = _matching_step(_secret(session, tf), _digits(code))
    if matched is None:
        audit.record(session, actor, "auth.two_factor_failed", user, {"purpose": "enrol", "reason": "wrong_code"})
        raise ValidationError(CodeRefused.default_message, field="code")
    throttle.succeeded(key)
    tf.confirmed_at = utcnow()
    tf.last_step = matched
    session.add(tf)
    session.flush()
    codes = _new_recovery_codes(session, tf)
    # sessions begun elsewhere with the password alone end; this browser stays signed in
    keep = browser_sessions.key_of(actor.session_id) if getattr(actor, "session_id", None) else None
    ended = browser_sessions.end_all(session, user.id, "two_factor_on", keep=keep)
    audit.record(session, actor, "auth.two_factor_enabled", user, {"recovery_codes": len(codes), "sessions_ended": ended})
    return codes


def regenerate_recovery_codes(session: Session, actor: Principal, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    user = session.get(User, actor.id)
    if not enabled(session, user.id):
        raise ValidationError(_l("Two-factor sign-in is not on for your account."))
    verify(session, user, code, purpose="recovery_codes", actor=actor, allow_recovery=False)
    throttle.succeeded(throttle.account_key(user.email))
    codes = _new_recovery_codes(session, record_of(session, user.id))
    audit.record(session, actor, "auth.recovery_codes_regenerated", user, {"recovery_codes": len(codes)})
    return codes


def disable(session: Session, actor: Principal, password: str, code: str) -> None:
    """Turn the second factor off (password and a code or a recovery code), unless the account must
    have it. The secret's data key is destroyed."""
    user = session.get(User, actor.id)
    tf = record_of(session, user.id)
    if tf is None or tf.confirmed_at is None:
        raise ValidationError(_l("Two-factor sign-in is not on for your account."))
    if required(session, user):
        raise ValidationError(_l("Two-factor sign-in is required for your role or your centre: it cannot be "
                                 "turned off."))
    key = throttle.account_key(user.email)
    throttle.attempt(key)
    _check_password(session, actor, user, password, "disable")
    verify(session, user, code, purpose="disable", actor=actor, counted=True)
    throttle.succeeded(key)
    remove(session, tf)
    audit.record(session, actor, "auth.two_factor_disabled", user)


def remove(session: Session, tf: TwoFactor) -> None:
    """Delete the second factor and its recovery codes; destroy the secret's data key."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == tf.user_id))
    dk = session.get(DataKey, tf.data_key_id)
    session.delete(tf)
    session.flush()
    if dk is not None:
        envelope.destroy(dk)
        session.add(dk)
        session.flush()


# ---------------------------------------------------------------- the centre's rule

def set_centre_requirement(session: Session, actor: Principal, required_: bool, version) -> Centre:
    """The centre's administrator requires (or no longer requires) a second factor of everyone of the
    centre. Those without one are sent to enrol at their next page."""
    require_role(actor, "admin")
    centre = session.get(Centre, actor.centre_id)
    if version is not None:
        inputs.check_version(centre, version)
    required_ = bool(required_)
    if centre.require_two_factor != required_:
        centre.require_two_factor = required_
        centre.version += 1
        session.add(centre)
        try:
            session.flush()
        except StaleDataError:
            raise Conflict() from None
        audit.record(session, actor, "centre.two_factor_requirement", ("centre", centre.code),
                     {"required": required_})
    return centre
