"""Engine and the session of a request.

One commit point per request: services flush, never commit; `after_request` commits when the
response is a success (status < 400) and rolls back otherwise, before anything reaches the
client, so a failed commit becomes an error page and never a false success."""
from __future__ import annotations

import os
from contextlib import contextmanager

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def _private_sqlite_file(url: str) -> None:
    """The SQLite file (and so its -wal and -shm files, which SQLite creates with the same mode)
    is readable by its owner only: it holds ciphertext, but also case numbers, coded fields and the
    audit log."""
    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


SYNCHRONOUS = ("FULL", "NORMAL")


def make_engine(url: str, busy_timeout_ms: int = 5000, synchronous: str = "FULL") -> Engine:
    """SQLite: WAL, foreign keys, a busy timeout, and `synchronous` FULL by default (each commit is
    on disk before the answer goes out, so a read is never served whose audit record a power cut
    could lose); NORMAL (SQLITE_SYNCHRONOUS) spares that fsync per commit at the price of the last
    commits before a power cut (never corruption). PostgreSQL: SQLAlchemy's pool (5 connections and
    10 more on demand, per process: above gunicorn's 4 threads per worker), checked before use."""
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {SYNCHRONOUS}")
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no branch - runs per connection
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    app.extensions["br_engine"] = make_engine(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"],
                                              app.config.get("SQLITE_SYNCHRONOUS", "FULL"))

    @app.after_request
    def _commit(response):
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400 or g.pop("commit_despite_error", False):
                    session.commit()
                    _run_on_commit()
                else:
                    session.rollback()
                    g.pop("on_commit", None)
                    _replay_reads(session)
            finally:
                session.close()
        return response

    @app.teardown_request
    def _close(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def _replay_reads(session: Session) -> None:
    """A failed request's reads of personal data (rolled back with it) go on record again."""
    reads = g.pop("audited_reads", [])
    if not reads:
        return
    from . import audit

    for actor, action, target, details in reads:
        audit.record(session, actor, action, target, details)
    session.commit()


def on_commit(callback) -> None:
    """Run `callback` once the current unit of work has committed (e.g. delete a file that a
    committed erasure no longer references); never if it rolls back."""
    g.setdefault("on_commit", []).append(callback)


def _run_on_commit() -> None:
    for callback in g.pop("on_commit", []):
        callback()


def engine() -> Engine:
    return current_app.extensions["br_engine"]


def get_session() -> Session:
    """The request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


@contextmanager
def session_scope(eng: Engine | None = None):
    """A unit of work outside a request (CLI, jobs): commit on success, roll back on error."""
    session = Session(eng or engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        if has_app_context():
            g.pop("on_commit", None)
        raise
    else:
        if has_app_context():
            _run_on_commit()
    finally:
        session.close()


def save_versioned(session: Session, obj) -> None:
    """The one save-with-version: bump the record's version (and `updated_at`), flush, and turn a
    concurrent save (the UPDATE ... WHERE version = <read> found no row) into a Conflict (409).
    Check the version the user's change was based on first, with inputs.check_version."""
    from sqlalchemy.orm.exc import StaleDataError

    from .errors import Conflict
    from .util import utcnow

    obj.version += 1
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()
    session.add(obj)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict() from None
