from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Optional

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from ..crypto.fields import Ciphertext
from ..util import manual_version, new_id, utcnow

# The roles of a centre's staff (what a centre's administrator grants on the users page).
ROLES = ("admin", "caseworker", "mdt", "secretariat", "viewer", "supervisor")
# Roles that read personal data of cases (an administrator cannot give one to their own account).
DATA_ROLES = frozenset({"caseworker", "mdt", "viewer", "supervisor"})
# `network_admin` maintains the network's reference data (centres, crossings, partnerships); it is
# granted only by another network administrator or on the server's command line.
NETWORK_ROLES = ("network_admin",)
ALL_ROLES = ROLES + NETWORK_ROLES


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    locale: Optional[str] = Field(default=None, max_length=5)
    active: bool = Field(default=True)
    # The calendar the user reads dates in: None follows the language (Buddhist era in Thai,
    # Gregorian otherwise); "gregorian" or "buddhist" is the user's own choice (README, "Calendars").
    calendar: Optional[str] = Field(default=None, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: Optional[datetime] = None
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"
    user_id: str = Field(foreign_key="user_account.id", primary_key=True, max_length=36)
    role: str = Field(primary_key=True, max_length=20)


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    __tablename__ = "api_token"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    # A token works until it expires (TOKEN_DAYS by default, at most TOKEN_MAX_DAYS); "read" tokens
    # may only read (GET), "write" ones may also change things.
    expires_at: datetime
    scope: str = Field(default="write", max_length=8)


TOKEN_SCOPES = ("read", "write")


class UserSession(SQLModel, table=True):
    """One signed-in browser. The cookie carries a random secret; the key is its SHA-256, so the
    table (or a backup of it) cannot be replayed as a cookie. A session works while `ended_at` is
    empty, within the idle and absolute limits (README, "Sessions")."""

    __tablename__ = "user_session"
    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    # Updated at most every SESSION_TOUCH_MINUTES, not on every request.
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: Optional[datetime] = None
    # sign_out, sign_out_all, ended, password, disabled, two_factor_on, two_factor_reset, idle, expired
    ended_reason: Optional[str] = Field(default=None, max_length=20)
    # The browser's family and operating system read from the User-Agent ("Firefox", "Windows"); no
    # version, no address.
    browser: str = Field(default="", max_length=40)
    os: str = Field(default="", max_length=40)


class TwoFactor(SQLModel, table=True):
    """A user's TOTP secret, sealed under a data key of its own (wrapped by the centre's KEK in the
    key ring, like every secret of the system). `confirmed_at` empty: enrolment begun, not yet
    confirmed with a code. `last_step` is the TOTP time step last accepted (a code is used once)."""

    __tablename__ = "user_two_factor"
    __encrypted__: ClassVar[dict[str, str]] = {"secret": "two_factor"}
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="user_account.id", unique=True, index=True, max_length=36)
    data_key_id: str = Field(foreign_key="data_key.id", max_length=36)
    secret: Optional[bytes] = Field(default=None, sa_type=Ciphertext)
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: Optional[datetime] = None
    last_step: Optional[int] = None


class RecoveryCode(SQLModel, table=True):
    """A single-use recovery code: only its keyed hash (HMAC under a key derived from the user's
    two-factor data key) is stored."""

    __tablename__ = "user_recovery_code"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: Optional[datetime] = None


class RoleGrant(SQLModel, table=True):
    """Four eyes on access to personal data: an administrator's request to give an account roles
    that read case data (DATA_ROLES) waits here until a second administrator approves it (auth/grants.py)."""

    __tablename__ = "role_grant"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="user_account.id", index=True, max_length=36)
    centre_id: int = Field(foreign_key="centre.id", index=True)
    roles: str = Field(max_length=200)              # comma-separated roles to add
    state: str = Field(default="pending", max_length=10)  # pending | approved | refused | withdrawn
    requested_by_id: str = Field(max_length=36)
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by_id: Optional[str] = Field(default=None, max_length=36)
    decided_at: Optional[datetime] = None
    version: int = Field(default=1)

    @declared_attr
    def __mapper_args__(cls):
        return manual_version(cls)

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]
