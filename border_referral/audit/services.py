from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from ..util import utcnow
from .models import GENESIS, AuditHead, AuditRecord

# Keys that would put personal data into the log; the details of an audit record describe what
# happened (ids, codes, counts, field names), never the content.
FORBIDDEN_DETAIL_KEYS = {
    "password", "token", "email", "name", "full_name", "latin_name", "date_of_birth", "dob",
    "narrative", "address", "phone", "id_number", "id_numbers", "ip",
}


def _canonical(rec: AuditRecord) -> bytes:
    body = {
        "seq": rec.seq,
        "at": rec.at.isoformat(timespec="microseconds"),
        "actor_id": rec.actor_id,
        "actor_centre": rec.actor_centre,
        "action": rec.action,
        "target_type": rec.target_type,
        "target_id": rec.target_id,
        "details": json.loads(rec.details),
        "prev_hash": rec.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hash(rec: AuditRecord) -> str:
    return hashlib.sha256(_canonical(rec)).hexdigest()


def _check_details(details: dict) -> None:
    for key, value in details.items():
        if key.lower() in FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"audit details must not carry personal data ({key!r})")
        if isinstance(value, dict):
            _check_details(value)


def _target(target: Any) -> tuple[str | None, str | None]:
    if target is None:
        return None, None
    if isinstance(target, tuple):
        return str(target[0]), (None if target[1] is None else str(target[1]))
    kind = getattr(target, "__tablename__", type(target).__name__.lower())
    ident = getattr(target, "id", None)
    if ident is None:
        ident = getattr(target, "code", None)
    return kind, (None if ident is None else str(ident))


def record(session: Session, actor: Any, action: str, target: Any = None, details: dict | None = None, *,
           read: bool = False) -> AuditRecord:
    """Append one record. `actor` is a User (or None for the system / an anonymous caller);
    `target` a model instance or a (type, id) tuple; `details` ids and codes only.

    `read=True` marks a read of personal data: if the request then fails (and its unit of work is
    rolled back), the read is recorded again after the rollback (database.py), so a look at personal
    data is on record even when the page that showed it answered with an error."""
    details = dict(details or {})
    _check_details(details)
    if read:
        from flask import g, has_request_context

        if has_request_context():
            g.setdefault("audited_reads", []).append((actor, action, _target(target), details))
    # Lock the head row first: the UPDATE takes the row lock (PostgreSQL) or the write lock
    # (SQLite), so concurrent writers queue up here and the chain stays linear.
    result = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    if result.rowcount == 0:
        session.add(AuditHead(id=1, seq=1, last_hash=GENESIS))
        session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)).scalar_one()
    actor_id = getattr(actor, "id", None)
    actor_centre = None
    if actor is not None and getattr(actor, "centre_id", None) is not None:
        from ..centres.models import Centre

        centre = session.get(Centre, actor.centre_id)
        actor_centre = centre.code if centre else None
    kind, ident = _target(target)
    rec = AuditRecord(
        seq=head.seq,
        at=utcnow(),
        actor_id=actor_id,
        actor_centre=actor_centre,
        action=action,
        target_type=kind,
        target_id=ident,
        details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=head.last_hash,
        hash="",
    )
    rec.hash = _hash(rec)
    head.last_hash = rec.hash
    session.add(rec)
    session.flush()
    return rec


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str | None = None


def verify(session: Session, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order; report the first record whose link or hash does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch)).scalars()
    for rec in rows:
        if rec.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "missing record")
        if rec.prev_hash != prev:
            return VerifyResult(False, checked, rec.seq, "link to previous record broken")
        if _hash(rec) != rec.hash:
            return VerifyResult(False, checked, rec.seq, "record altered")
        prev = rec.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return VerifyResult(False, checked, expected_seq, "newest records missing")
    return VerifyResult(True, checked)
