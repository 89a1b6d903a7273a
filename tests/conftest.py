"""Fixtures shared by the whole suite.

The suite runs once per database: BR_TEST_DATABASE=sqlite (the default) or a
postgresql+psycopg:// URL. PostgreSQL tests run in a schema of their own, created for the run and
dropped after it; if the server cannot be reached the run fails (it never skips)."""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
import weakref
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from border_referral import create_app
from border_referral.cli import migrate
from border_referral.database import session_scope

# Issue 14: every log record of the run is scanned for the personal data the suite sealed.
pytest_plugins = ("tests.canaries",)

TEST_DB = os.environ.get("BR_TEST_DATABASE", "sqlite")
DEMO_PASSWORD = "border-demo-2026"

BASE_CONFIG = {
    "TESTING": True,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
    "LOG_LEVEL": "WARNING",
    "TWO_FACTOR_ROLES": (),  # the suite signs demo admins in with a password; tests/auth/test_two_factor.py turns it on
}


def pg_url(schema: str, base: str | None = None) -> str:
    """The URL of a PostgreSQL schema of the tests. Tests only: commits do not wait for the WAL flush
    (synchronous_commit=off; what a test sees does not change, only durability after a server crash,
    which no test needs), so the app's commit per request, and per audited read, costs no fsync."""
    base = base or TEST_DB
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


class Database:
    """A migrated database for the tests: a SQLite template copied per test, or a PostgreSQL
    schema emptied per test.

    A test that uses the demo set (the `demo` fixture, directly or through another fixture) gets it
    ready-made instead of loading it itself: a copy of a seeded template (SQLite) or the seeded rows
    put back from a snapshot schema (PostgreSQL). That copy is the same rows as `demo.seed` writes:
    it is made by `demo.seed` itself, and made again once it is older than SEEDED_MAX_AGE seconds, so
    that its timestamps (accounts, audit records) are never more than that behind the test's clock."""

    SEEDED_MAX_AGE = 60.0

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.kind = "sqlite" if TEST_DB == "sqlite" else "postgresql"
        self._seeded_at: float | None = None  # when the seeded template / snapshot was made (monotonic)
        if self.kind == "sqlite":
            self.template = workdir / "template.sqlite3"
            self.seeded_template = workdir / "template-seeded.sqlite3"
            self.url = f"sqlite:///{self.template}"
        else:
            self.schema = f"br_test_{uuid.uuid4().hex[:12]}"
            self.snapshot = f"{self.schema}_seeded"
            self.admin = create_engine(TEST_DB)
            try:
                with self.admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            except Exception as exc:  # fail loudly: CI must not pass without PostgreSQL
                raise RuntimeError(f"PostgreSQL test database not reachable at {TEST_DB}: {exc}") from exc
            self.url = pg_url(self.schema)
        app = create_app({**BASE_CONFIG, "DATABASE_URL": self.url, "BORDER_REFERRAL_INSTANCE": str(workdir / "migrate")})
        with app.app_context():
            migrate(app)
        app.extensions["br_engine"].dispose()
        if self.kind == "postgresql":
            self.engine = create_engine(self.url)  # one connection that empties the schema before each test
            self._plan = None

    def fresh_url(self, path: Path, seeded: bool = False) -> str:
        """A database for one test: empty (migrated), or holding the demo set when `seeded`."""
        stale = seeded and (self._seeded_at is None or time.monotonic() - self._seeded_at > self.SEEDED_MAX_AGE)
        if self.kind == "sqlite":
            if stale:
                self._seed_sqlite_template()
            target = path / "test.sqlite3"
            shutil.copy(self.seeded_template if seeded else self.template, target)
            return f"sqlite:///{target}"
        restored = self._reset_pg(seeded=seeded and not stale)
        if seeded and not restored:
            self._seed_pg_snapshot()  # the schema, just emptied, now holds the demo set
        return self.url

    # ------------------------------------------------------------------ the demo set, made once a while
    def _seed(self, url: str) -> None:
        from border_referral.demo import seed

        app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "BORDER_REFERRAL_INSTANCE": str(self.workdir / "seed")})
        try:
            with app.app_context(), session_scope() as s:
                seed(s)
        finally:
            app.extensions["br_engine"].dispose()  # closes the last connection: SQLite folds its WAL in

    def _seed_sqlite_template(self) -> None:
        building = self.workdir / "template-seeding.sqlite3"
        shutil.copy(self.template, building)
        self._seed(f"sqlite:///{building}")
        assert not Path(f"{building}-wal").exists(), "the seeded template still has a write-ahead log"
        building.replace(self.seeded_template)
        self._seeded_at = time.monotonic()

    def _seed_pg_snapshot(self) -> None:
        """Load the demo set into the (empty) test schema and keep a copy of its rows, of the
        sequences and of the audit head in the snapshot schema."""
        self._seed(self.url)
        plan = self._plan
        with self.engine.begin() as conn:
            filled = [t for t in plan["tables"]
                      if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{self.schema}"."{t}")')).scalar()]
            copy = [f'DROP SCHEMA IF EXISTS "{self.snapshot}" CASCADE', f'CREATE SCHEMA "{self.snapshot}"']
            copy += [f'CREATE TABLE "{self.snapshot}"."{t}" AS TABLE "{self.schema}"."{t}"' for t in filled]
            conn.exec_driver_sql("; ".join(copy))
            sequences = {q: conn.execute(text(f'SELECT last_value, is_called FROM "{self.schema}"."{q}"')).one()
                         for q in plan["sequences"]}
            head = conn.execute(text("SELECT seq, last_hash FROM audit_head WHERE id = 1")).one()
        parents_first = [t for t in reversed(plan["delete_order"]) if t in filled]
        restore = [f'INSERT INTO "{self.schema}"."{t}" OVERRIDING SYSTEM VALUE SELECT * FROM "{self.snapshot}"."{t}"'
                   for t in parents_first]
        restore += [f"SELECT setval('\"{self.schema}\".\"{q}\"', {int(v)}, {'true' if called else 'false'})"
                    for q, (v, called) in sequences.items()]
        plan["restore"] = "; ".join(restore)
        plan["restore_head"] = {"seq": head.seq, "h": head.last_hash}
        self._seeded_at = time.monotonic()

    # ------------------------------------------------------------------ emptying the PostgreSQL schema
    def _tables_signature(self, conn) -> str:
        return conn.execute(text("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                                 "WHERE schemaname = :s"), {"s": self.schema}).scalar() or ""

    def _make_plan(self, conn) -> dict:
        """How to empty the schema as TRUNCATE ... RESTART IDENTITY CASCADE of every table but
        alembic_version and audit_head would, but faster (a TRUNCATE of ~45 tables takes PostgreSQL
        some 70 ms, a DELETE of their few rows about 1 ms): DELETE FROM every table, referencing
        tables before the tables they reference; TRUNCATE for a table whose triggers refuse a DELETE
        (the append-only audit log); then every sequence owned by those tables back to its start."""
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = :s "
            "AND tablename NOT IN ('alembic_version', 'audit_head') ORDER BY tablename"), {"s": self.schema})]
        children: dict[str, set[str]] = {t: set() for t in tables}
        for child, parent in conn.execute(text(
                "SELECT c.relname, p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                "JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace n ON n.oid = k.connamespace "
                "WHERE k.contype = 'f' AND n.nspname = :s"), {"s": self.schema}):
            if child != parent and parent in children and child in children:
                children[parent].add(child)
        order: list[str] = []
        visiting: set[str] = set()

        def visit(t: str) -> None:
            if t in order:
                return
            if t in visiting:
                raise RuntimeError(f"foreign keys form a cycle through {t}: empty the schema with TRUNCATE")
            visiting.add(t)
            for child in sorted(children[t]):
                visit(child)
            visiting.discard(t)
            order.append(t)

        for t in tables:
            visit(t)
        guarded = {r[0] for r in conn.execute(text(
            "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND NOT g.tgisinternal "
            "AND (g.tgtype & 8) <> 0"), {"s": self.schema})}  # 8: the trigger fires on DELETE
        sequences = [r[0] for r in conn.execute(text(
            "SELECT q.relname FROM pg_class q JOIN pg_depend d ON d.objid = q.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = q.relnamespace "
            "WHERE q.relkind = 'S' AND n.nspname = :s AND t.relname = ANY(:tables) ORDER BY q.relname"),
            {"s": self.schema, "tables": tables})]
        starts = dict(conn.execute(text("SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = :s"),
                                   {"s": self.schema}).all())
        steps = [f'DELETE FROM "{self.schema}"."{t}"' for t in order if t not in guarded]
        if guarded:
            steps.append("TRUNCATE " + ", ".join(f'"{self.schema}"."{t}"' for t in sorted(guarded))
                         + " RESTART IDENTITY CASCADE")
        steps += [f"SELECT setval('\"{self.schema}\".\"{q}\"', {int(starts[q])}, false)" for q in sequences]
        return {"signature": self._tables_signature(conn), "tables": tables, "delete_order": order,
                "sequences": sequences, "empty": "; ".join(steps), "restore": None}

    def _reset_pg(self, seeded: bool) -> bool:
        """Empty the schema; with `seeded`, put the snapshot of the demo set back (True if it did)."""
        with self.engine.begin() as conn:
            if self._plan is None or self._tables_signature(conn) != self._plan["signature"]:
                self._plan = self._make_plan(conn)  # first use, or a test changed the tables: plan again
                self._seeded_at = None
                seeded = False
            conn.exec_driver_sql(self._plan["empty"])
            conn.execute(text("UPDATE audit_head SET seq = 0, last_hash = :h"), {"h": "0" * 64})
            if seeded:
                conn.exec_driver_sql(self._plan["restore"])
                conn.execute(text("UPDATE audit_head SET seq = :seq, last_hash = :h"), self._plan["restore_head"])
        return seeded

    def drop(self) -> None:
        if self.kind == "postgresql":
            self.engine.dispose()
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.snapshot}" CASCADE'))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    db = Database(tmp_path_factory.mktemp("database"))
    yield db
    db.drop()


# The apps whose database came with the demo set already in it (Database.fresh_url(seeded=True)).
_SEEDED_APPS: weakref.WeakSet = weakref.WeakSet()


def make_app(database: Database, path: Path, *, seeded: bool = False, **overrides):
    path.mkdir(parents=True, exist_ok=True)
    # Counts of one test never meet another's, in memory or in Redis (when REDIS_URL is set).
    cfg = {**BASE_CONFIG, "DATABASE_URL": database.fresh_url(path, seeded=seeded), "BORDER_REFERRAL_INSTANCE":
           str(path / "instance"), "RATELIMIT_KEY_PREFIX": f"br-test-{uuid.uuid4().hex[:12]}"}
    cfg.update(overrides)
    seeded = seeded and "DATABASE_URL" not in overrides
    if seeded:
        # The demo set's audit records are HMACs under the audit key of the key ring it was made
        # with: the test's instance starts with that key ring, as a restored instance would.
        instance = path / "instance"
        instance.mkdir(mode=0o700, exist_ok=True)
        shutil.copy2(database.workdir / "seed" / "keyring.json", instance / "keyring.json")
    app = create_app(cfg)
    if seeded:
        _SEEDED_APPS.add(app)
    return app


@pytest.fixture
def app(database, tmp_path, request):
    # A test that will ask for the demo set gets a database that holds it already (no fixture that
    # writes to the database comes between `app` and `demo`: `demo` is the first to write).
    app = make_app(database, tmp_path, seeded="demo" in request.fixturenames)
    yield app
    app.extensions["br_engine"].dispose()


@pytest.fixture
def demo(app):
    from border_referral.demo import seed

    if app not in _SEEDED_APPS:  # asked for late (request.getfixturevalue): load it now
        with app.app_context(), session_scope() as s:
            seed(s)
    return app


@pytest.fixture
def db(app):
    """A unit of work for service tests (committed at the end of the block)."""
    def scope():
        return session_scope()
    with app.test_request_context():
        yield scope


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """The test client with the habits of a browser: fetch a page, post its form with the token."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post_form(self, path, data, page=None, **kw):
        html = self.client.get(page or path).get_data(as_text=True)
        return self.client.post(path, data={"csrf_token": csrf_from(html), **data}, **kw)

    def sign_in(self, email, password=DEMO_PASSWORD, **kw):
        return self.post_form("/sign-in", {"email": email, "password": password}, **kw)


@pytest.fixture
def web(demo):
    return Browser(demo.test_client())


def demo_email(role: str, centre: str) -> str:
    return f"{role}.{centre.lower()}@demo.border-referral.org"


@pytest.fixture
def signed_in(demo):
    """Factory: a Browser signed in as the demo user of a role at a centre."""
    def make(role="admin", centre="CR"):
        b = Browser(demo.test_client())
        resp = b.sign_in(demo_email(role, centre))
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return b
    return make


@pytest.fixture
def token_for(demo):
    """Factory: a bearer token for a demo user."""
    from border_referral.auth.services import create_token, user_by_email

    def make(role="admin", centre="CR"):
        with demo.app_context(), session_scope() as s:
            user = user_by_email(s, demo_email(role, centre))
            _t, plain = create_token(s, None, user.id, "test")
        return plain
    return make


def principal(session, role="admin", centre="CR"):
    from border_referral.auth.services import principal_for, user_by_email

    return principal_for(session, user_by_email(session, demo_email(role, centre)))


def translated(app, locale: str, message: str, **kw) -> str:
    """What a reader of `locale` sees for a message of the code."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(locale):
        return gettext(message, **kw)


NOT_ACCEPTED = ("This kind of file is not accepted. Attach a JPEG or PNG photo, a PDF, a Word document (DOCX) "
                "or a plain text file.")


@pytest.fixture
def api(demo, token_for):
    """Factory: a test client that calls the API as the demo user of a role at a centre."""
    def make(role="case", centre="CR"):
        client = demo.test_client()
        headers = {"Authorization": f"Bearer {token_for(role, centre)}"}

        class Api:
            def __getattr__(self, method):
                def call(path, **kw):
                    return getattr(client, method)(path, headers={**headers, **kw.pop("headers", {})}, **kw)
                return call
        return Api()
    return make


def database_bytes(app) -> bytes:
    """Everything the database holds on disk: the SQLite file and its WAL, or a PostgreSQL dump of the
    test schema (to look for personal data that should only be there encrypted)."""
    import subprocess
    from urllib.parse import parse_qs, unquote, urlsplit

    from sqlalchemy.engine import make_url

    url = make_url(app.config["DATABASE_URL"])
    if url.drivername.startswith("sqlite"):
        db_file = Path(url.database)
        return b"".join(p.read_bytes() for p in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")) if p.exists())
    options = parse_qs(urlsplit(url.render_as_string(hide_password=False)).query).get("options", [""])[0]
    schema = re.search(r"search_path=(\S+)", unquote(options)).group(1)
    dump = subprocess.run(["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U",
                           url.username or "postgres", "-n", schema, "--inserts", url.database],
                          capture_output=True, check=True)
    return dump.stdout


def dispose(made) -> None:
    """Undo what a fixture made, last first: (engine, None) is disposed; (engine, schema) has its
    PostgreSQL schema dropped."""
    for thing, schema in reversed(made):
        if schema is None:
            thing.dispose()
            continue
        with thing.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        thing.dispose()


def _downgrade(app, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    cfg.attributes["engine"] = app.extensions["br_engine"]
    command.downgrade(cfg, revision)


@pytest.fixture
def old_release(database, tmp_path):
    """Factory: an app on an empty database of its own (a SQLite file, or a PostgreSQL schema dropped
    afterwards) migrated to `revision` and loaded with the demo set, for testing the next migrations
    on data of the release before. Returns (app, engine); the test migrates on with cli.migrate."""
    from border_referral.cli import migrate
    from border_referral.demo import seed

    made = []

    def make(revision: str):
        if TEST_DB == "sqlite":
            url = f"sqlite:///{tmp_path / f'old-{revision}.sqlite3'}"
        else:
            schema = f"br_mig_{uuid.uuid4().hex[:12]}"
            admin = create_engine(TEST_DB)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            made.append((admin, schema))
            url = pg_url(schema)
        app = make_app(database, tmp_path / f"old-{revision}", DATABASE_URL=url)
        with app.app_context():
            # The demo set is loaded by today's code, so at today's schema; then the schema goes down
            # to `revision` (every migration has a downgrade), keeping the rows as that release had them.
            migrate(app, "head")
            with session_scope() as s:
                seed(s)
            _downgrade(app, revision)
        made.append((app.extensions["br_engine"], None))
        return app, app.extensions["br_engine"]

    yield make
    dispose(made)
