"""Small helpers shared by every feature."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone


def new_id() -> str:
    """An opaque identifier for URLs and the API (never a sequential integer)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (stored as UTC; shown in the reader's zone by i18n)."""
    return datetime.now(timezone.utc)


def manual_version(cls) -> dict:
    """Mapper arguments for optimistic locking where the service bumps `version` itself: every
    UPDATE says WHERE version = <the version read>, so a concurrent save raises StaleDataError."""
    return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


_ID_CHARS = frozenset("0123456789abcdefABCDEF-")
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def is_id(value) -> bool:
    """Could this be one of our opaque ids? (Anything else is "not found" without asking the
    database, which may refuse odd bytes such as NUL with an error.)"""
    return isinstance(value, str) and 0 < len(value) <= 36 and set(value) <= _ID_CHARS


def is_code(value) -> bool:
    """Could this be a centre, partnership or crossing code (CR, CR-TL, MSI-TCL)?"""
    return isinstance(value, str) and 0 < len(value) <= 24 and set(value) <= _CODE_CHARS
