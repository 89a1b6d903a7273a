from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

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
    # Changes on disable and password change, which ends every open session of the user.
    session_nonce: str = Field(default_factory=new_id, max_length=36)
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
