from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from ..crypto.envelope import keyring
from ..util import utcnow
from .models import GENESIS, AuditCheckpoint, AuditHead, AuditRecord

_PENDING = "br_audit_pending"
_CHECKPOINT_LINES = "br_audit_checkpoint_lines"
# Execution options of a query of the log that wants only the records already committed.
_PAST_ONLY_OPTION = "br_audit_past_only"
PAST_ONLY = {_PAST_ONLY_OPTION: True}


def _config(name: str, default):
    from flask import current_app, has_app_context

    return current_app.config.get(name, default) if has_app_context() else default

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
    if rec.key_version is not None:
        body["key_version"] = rec.key_version
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hash(rec: AuditRecord) -> str:
    """An HMAC-SHA256 under the key ring's audit key: with the database alone, a record cannot be
    rewritten and the chain recomputed. Records of releases before 0017 carry a plain SHA-256."""
    if rec.key_version is None:
        return hashlib.sha256(_canonical(rec)).hexdigest()
    return hmac.new(keyring().audit_key(rec.key_version), _canonical(rec), hashlib.sha256).hexdigest()


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


@dataclass
class Pending:
    """A record of the unit of work, not yet numbered: plain data until `_write_pending` inserts it
    (building an ORM instance per record cost more than hashing and writing it)."""
    at: datetime
    actor_id: str | None
    actor_centre: str | None
    action: str
    target_type: str | None
    target_id: str | None
    details: str
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""
    key_version: int | None = None


def record(session: Session, actor: Any, action: str, target: Any = None, details: dict | None = None, *,
           read: bool = False) -> Pending:
    """Add one record to the unit of work. `actor` is a User (or None for the system / an anonymous
    caller); `target` a model instance or a (type, id) tuple; `details` ids and codes only.

    Nothing is locked or written here: the records of a unit of work are chained and written
    together just before it commits (`_write_pending`), in the same transaction as the change they
    record, so a change or a read is never committed without its record, and no request holds the
    chain's head longer than its own commit.

    `read=True` marks a read of personal data: if the request then fails (and its unit of work is
    rolled back), the read is recorded again after the rollback (database.py), so a look at personal
    data is on record even when the page that showed it answered with an error."""
    details = dict(details or {})
    _check_details(details)
    if read:
        from flask import g, has_request_context

        if has_request_context():
            g.setdefault("audited_reads", []).append((actor, action, _target(target), details))
    actor_id = getattr(actor, "id", None)
    actor_centre = getattr(actor, "centre_code", None) if actor is not None else None
    if actor_centre is None and actor is not None and getattr(actor, "centre_id", None) is not None:
        from ..centres.models import Centre

        centre = session.get(Centre, actor.centre_id)
        actor_centre = centre.code if centre else None
    kind, ident = _target(target)
    rec = Pending(at=utcnow(), actor_id=actor_id, actor_centre=actor_centre, action=action, target_type=kind,
                  target_id=ident, details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str))
    session.info.setdefault(_PENDING, []).append(rec)
    return rec


def _write_pending(session: Session) -> None:
    """Chain and insert the unit of work's records: lock the head row (the UPDATE takes the row lock
    on PostgreSQL, the write lock on SQLite), number them after it, link each to the one before with
    an HMAC, move the head, and take a checkpoint when the chain passes a multiple of
    AUDIT_CHECKPOINT_EVERY. The lock is released by the commit that follows."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    n = len(pending)
    conn = session.connection()  # plain SQL on the unit of work's connection: nothing for the ORM to flush
    head_table = AuditHead.__table__
    head = conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=head_table.c.seq + n)
                        .returning(head_table.c.seq, head_table.c.last_hash)).first()
    if head is None:
        conn.execute(insert(head_table).values(id=1, seq=n, last_hash=GENESIS))
        head = (n, GENESIS)
    last, prev = head
    first = last - n + 1
    version = keyring().ensure_audit_key(first)
    for offset, rec in enumerate(pending):
        rec.seq, rec.prev_hash, rec.key_version = first + offset, prev, version
        rec.hash = prev = _hash(rec)
    conn.execute(insert(AuditRecord.__table__), [_row(rec) for rec in pending])
    conn.execute(update(head_table).where(head_table.c.id == 1).values(last_hash=prev))
    every = _config("AUDIT_CHECKPOINT_EVERY", 0)
    if every and (first - 1) // every != last // every:
        _checkpoint(session, last, prev, version)


def _row(rec: Pending) -> dict:
    return {"seq": rec.seq, "at": rec.at, "actor_id": rec.actor_id, "actor_centre": rec.actor_centre,
            "action": rec.action, "target_type": rec.target_type, "target_id": rec.target_id, "details": rec.details,
            "prev_hash": rec.prev_hash, "hash": rec.hash, "key_version": rec.key_version}


def flush_pending(session: Session) -> None:
    """Write the unit of work's records now (before reading the log within the same unit of work)."""
    if session.info.get(_PENDING):
        _write_pending(session)
        session.flush()


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        session.flush()  # the change first, its records after (the head is locked for the shortest time)
    _write_pending(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    lines = session.info.pop(_CHECKPOINT_LINES, None)
    if lines:
        fd = os.open(_config("AUDIT_CHECKPOINT_FILE", None), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, "".join(line + "\n" for line in lines).encode())
            os.fsync(fd)
        finally:
            os.close(fd)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:  # the unit of work ended: committed or not
        session.info.pop(_PENDING, None)
        session.info.pop(_CHECKPOINT_LINES, None)


@event.listens_for(Session, "do_orm_execute")
def _before_reading_the_log(state) -> None:
    """A query of the audit log sees the records its own unit of work has made so far, unless it
    asks only for the past (`PAST_ONLY`: a page's history of a record, which must not take the
    chain's lock before its commit)."""
    if state.is_select and state.session.info.get(_PENDING) and not state.execution_options.get(
            _PAST_ONLY_OPTION) and any(
            m.class_ in (AuditRecord, AuditHead) for m in state.all_mappers):
        flush_pending(state.session)


# ---------------------------------------------------------------- checkpoints
def _statement(seq: int, hash_: str, at: datetime, version: int) -> bytes:
    return f"audit-checkpoint|{seq}|{hash_}|{at.isoformat(timespec='microseconds')}|{version}".encode()


def _checkpoint_mac(seq: int, hash_: str, at: datetime, version: int) -> str:
    return hmac.new(keyring().audit_key(version), _statement(seq, hash_, at, version), hashlib.sha256).hexdigest()


def _checkpoint(session: Session, seq: int, hash_: str, version: int) -> AuditCheckpoint:
    at = utcnow()
    cp = AuditCheckpoint(seq=seq, hash=hash_, at=at, key_version=version, mac=_checkpoint_mac(seq, hash_, at, version))
    session.merge(cp)
    if _config("AUDIT_CHECKPOINT_FILE", None):
        # Written to the file once the records it names are committed, never before.
        session.info.setdefault(_CHECKPOINT_LINES, []).append(json.dumps(
            {"seq": seq, "hash": hash_, "at": at.isoformat(timespec="microseconds"), "key_version": version,
             "mac": cp.mac}, sort_keys=True))
    return cp


def checkpoint(session: Session) -> AuditCheckpoint | None:
    """Sign the chain's head now (`flask audit checkpoint`, e.g. from cron); None for an empty log."""
    flush_pending(session)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one_or_none()
    if head is None or head.seq == 0:
        return None
    # The active audit key (made now, keying from the next record, if the log is all older records).
    return _checkpoint(session, head.seq, head.last_hash, keyring().ensure_audit_key(head.seq + 1))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str | None = None


def read_checkpoints(path) -> list[dict]:
    """The checkpoints kept in a file (one JSON statement per line); a line that is not one is
    reported as a forged checkpoint by `verify`."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({"seq": None})
    return out


def _checked_checkpoints(session: Session, extra, keyed_schema: bool) -> tuple[dict[int, str], int | None]:
    """{seq: hash} of every checkpoint in the database and in `extra` whose MAC holds; the sequence
    number of the first one that does not (forged or garbled), else None."""
    from ..crypto.errors import KeyUnavailable

    statements = [{"seq": c.seq, "hash": c.hash, "at": c.at, "key_version": c.key_version, "mac": c.mac}
                  for c in session.execute(select(AuditCheckpoint)).scalars()] if keyed_schema else []
    statements += list(extra or [])
    wanted: dict[int, str] = {}
    for st in statements:
        try:
            at = st["at"] if isinstance(st["at"], datetime) else datetime.fromisoformat(st["at"])
            good = hmac.compare_digest(_checkpoint_mac(int(st["seq"]), st["hash"], at, int(st["key_version"])),
                                       str(st["mac"]))
        except (KeyError, TypeError, ValueError, KeyUnavailable):
            good = False
        if not good:
            return wanted, (st.get("seq") if isinstance(st.get("seq"), int) else 0)
        wanted[int(st["seq"])] = st["hash"]
    return wanted, None


def verify(session: Session, batch: int = 1000, checkpoints=None) -> VerifyResult:
    """Walk the chain in order and report the first record that does not hold: a gap in the
    numbers (deleted), a broken link (reordered or deleted), a hash that is not the record's HMAC
    (rewritten; without the key ring's audit key it cannot be recomputed), an unkeyed record after
    the audit key was made (rewritten as an old-style record), the head not at the newest record, or
    a signed checkpoint (in the database or given, e.g. from AUDIT_CHECKPOINT_FILE) naming a record
    that is missing or different (the log was cut off after it)."""
    from ..crypto.errors import KeyUnavailable

    flush_pending(session)
    # A database restored at a revision before 0017 (`flask backup restore --no-upgrade`) has neither
    # keyed records nor checkpoints: its chain is checked as that release wrote it.
    keyed_schema = "key_version" in {c["name"] for c in inspect(session.connection()).get_columns("audit_record")}
    keyed_from = min(keyring().audit_keys().values(), default=None) if keyed_schema else None
    wanted, forged = _checked_checkpoints(session, checkpoints, keyed_schema)
    if forged is not None:
        return VerifyResult(False, 0, forged, "checkpoint forged or garbled")
    prev = GENESIS
    expected_seq = 1
    checked = 0
    table = AuditRecord.__table__
    columns = [c for c in table.c if keyed_schema or c.name != "key_version"]
    rows = session.execute(select(*columns).order_by(table.c.seq).execution_options(yield_per=batch))
    for row in rows:
        rec = AuditRecord(**row._mapping)
        if rec.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "missing record")
        if rec.prev_hash != prev:
            return VerifyResult(False, checked, rec.seq, "link to previous record broken")
        if rec.key_version is None and keyed_from is not None and rec.seq >= keyed_from:
            return VerifyResult(False, checked, rec.seq, "record altered")
        try:
            intact = hmac.compare_digest(_hash(rec), rec.hash)
        except KeyUnavailable:
            return VerifyResult(False, checked, rec.seq, "audit key missing from the key ring")
        if not intact or wanted.get(rec.seq, rec.hash) != rec.hash:
            return VerifyResult(False, checked, rec.seq, "record altered")
        prev = rec.hash
        expected_seq += 1
        checked += 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)
                           .execution_options(populate_existing=True)).scalar_one_or_none()
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return VerifyResult(False, checked, expected_seq, "newest records missing")
    if wanted and max(wanted) > checked:
        return VerifyResult(False, checked, checked + 1, f"records cut off after the checkpoint of record {max(wanted)}")
    return VerifyResult(True, checked)
