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


def iso_utc(value: datetime | None) -> str | None:
    """A stored moment as ISO 8601 in UTC with a Z (what the API returns)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def next_in_sequence(session, counter, centre_id: int, period_field: str, period: int) -> int:
    """The next number of a per-centre, per-period sequence kept in `counter` (a table with centre_id,
    the period column and `last`). Concurrent requests each get their own number: the UPDATE takes
    the row lock, and a counter created by another request at the same moment is retried."""
    from sqlalchemy import select, update
    from sqlalchemy.exc import IntegrityError

    period_col = getattr(counter, period_field)
    where = (counter.centre_id == centre_id) & (period_col == period)
    if session.execute(update(counter).where(where).values(last=counter.last + 1)).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(counter(centre_id=centre_id, **{period_field: period}, last=1))
        except IntegrityError:  # another request created the counter first
            session.execute(update(counter).where(where).values(last=counter.last + 1))
    return session.execute(select(counter.last).where(where).execution_options(populate_existing=True)).scalar_one()
