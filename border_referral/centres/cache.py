"""Reference data kept in each process, read again only when it has changed.

Centres, crossings, partnerships, their members and the countries are read by nearly every request
(who the partners are, a centre's crossings, names in four languages) and change a few times a year.
Each process keeps the rows it last read, with the `reference_stamp` they were read under. A
request reads the stamp (one small query, once per unit of work) and uses the rows in memory when
the stamp is the same; any change to those tables gives the stamp a new random value in the same
transaction, so every process of every worker reads them again at its next request, and a rolled
back change leaves the old stamp, and the old rows, in force.

What gives the stamp a new value: any flush that adds, changes or deletes one of the cached models,
and any INSERT, UPDATE or DELETE of their tables run through a session (events below). SQL written outside the ORM (a migration,
a hand-made fix in psql) must set a new stamp itself, or the processes must be restarted.

Rows come back as instances of the models, attached to the caller's session as if loaded (no
query): callers read them exactly as they read a query's result. Changes to reference data never go
through this module (centres/services.py reads the row to change with a query and its version)."""
from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from .models import Centre, CentreCrossing, Country, CrossingPoint, Partnership, PartnershipMember, ReferenceStamp

CACHED = (Country, Centre, CrossingPoint, Partnership, PartnershipMember, CentreCrossing)
_TABLES = frozenset(m.__tablename__ for m in CACHED)
_MEMO = "reference_snapshot"  # session.info: the snapshot of this unit of work
_STAMP = ReferenceStamp.__table__


@dataclass(frozen=True)
class Snapshot:
    stamp: str | None
    rows: dict  # model -> tuple of column dicts, in primary-key order


_by_engine: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _load(session: Session, stamp: str | None) -> Snapshot:
    conn = session.connection()
    rows = {}
    for model in CACHED:
        table = model.__table__
        rows[model] = tuple(dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns)))
    return Snapshot(stamp, rows)


def snapshot(session: Session) -> Snapshot:
    """The reference data as this unit of work sees it."""
    if any(isinstance(obj, CACHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.flush()  # a change not yet written: write it (new stamp) so the rows below include it
    memo = session.info.get(_MEMO)
    if memo is not None:
        return memo
    stamp = session.connection().execute(select(_STAMP.c.stamp).where(_STAMP.c.id == 1)).scalar()
    engine = session.get_bind()
    kept = _by_engine.get(engine)
    if kept is not None and stamp is not None and kept.stamp == stamp:
        snap = kept
    else:
        snap = _load(session, stamp)
        if stamp is not None:
            with _lock:
                _by_engine[engine] = snap
    session.info[_MEMO] = snap
    return snap


def objects(session: Session, model) -> list:
    """Every row of `model`, attached to `session` (the instance already there when there is one)."""
    out = []
    mapper = model.__mapper__
    for row in snapshot(session).rows[model]:
        key = mapper.identity_key_from_primary_key([row[c.key] for c in mapper.primary_key])
        obj = session.identity_map.get(key)
        if obj is None:  # made as a query's loading makes it (no __init__, no attribute events)
            obj = mapper.class_manager.new_instance()
            obj.__dict__.update(row)
            make_transient_to_detached(obj)
            session.add(obj)
        out.append(obj)
    return out


def rows(session: Session, model) -> tuple:
    """The plain rows of `model` (column dicts), for link tables that callers only join through."""
    return snapshot(session).rows[model]


# ---------------------------------------------------------------- a new stamp with every change

def _new_stamp(session: Session) -> None:
    conn = session.connection()
    stamp = secrets.token_hex(16)
    if conn.execute(update(_STAMP).where(_STAMP.c.id == 1).values(stamp=stamp)).rowcount == 0:
        conn.execute(insert(_STAMP).values(id=1, stamp=stamp))
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    if any(isinstance(obj, CACHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        _new_stamp(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state) -> None:
    """An INSERT, UPDATE or DELETE through the session, of a model or of its bare table."""
    if (state.is_update or state.is_delete or state.is_insert) and getattr(
            getattr(state.statement, "table", None), "name", None) in _TABLES:
        _new_stamp(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_MEMO, None)
