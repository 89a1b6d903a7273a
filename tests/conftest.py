"""Fixtures shared by the whole suite.

The suite runs once per database: BR_TEST_DATABASE=sqlite (the default) or a
postgresql+psycopg:// URL. PostgreSQL tests run in a schema of their own, created for the run and
dropped after it; if the server cannot be reached the run fails (it never skips)."""
from __future__ import annotations

import os
import re
import shutil
import uuid
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


class Database:
    """A migrated database for the tests: a SQLite template copied per test, or a PostgreSQL
    schema truncated per test."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.kind = "sqlite" if TEST_DB == "sqlite" else "postgresql"
        if self.kind == "sqlite":
            self.template = workdir / "template.sqlite3"
            self.url = f"sqlite:///{self.template}"
        else:
            self.schema = f"br_test_{uuid.uuid4().hex[:12]}"
            self.admin = create_engine(TEST_DB)
            try:
                with self.admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            except Exception as exc:  # fail loudly: CI must not pass without PostgreSQL
                raise RuntimeError(f"PostgreSQL test database not reachable at {TEST_DB}: {exc}") from exc
            sep = "&" if "?" in TEST_DB else "?"
            self.url = f"{TEST_DB}{sep}options=-csearch_path%3D{self.schema}"
        app = create_app({**BASE_CONFIG, "DATABASE_URL": self.url, "BORDER_REFERRAL_INSTANCE": str(workdir / "migrate")})
        with app.app_context():
            migrate(app)
        app.extensions["br_engine"].dispose()

    def fresh_url(self, path: Path) -> str:
        if self.kind == "sqlite":
            target = path / "test.sqlite3"
            shutil.copy(self.template, target)
            return f"sqlite:///{target}"
        eng = create_engine(self.url)
        with eng.begin() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename NOT IN ('alembic_version', 'audit_head')"),
                {"s": self.schema})]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            conn.execute(text("UPDATE audit_head SET seq = 0, last_hash = :h"), {"h": "0" * 64})
        eng.dispose()
        return self.url

    def drop(self) -> None:
        if self.kind == "postgresql":
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    db = Database(tmp_path_factory.mktemp("database"))
    yield db
    db.drop()


def make_app(database: Database, path: Path, **overrides):
    path.mkdir(parents=True, exist_ok=True)
    # Counts of one test never meet another's, in memory or in Redis (when REDIS_URL is set).
    cfg = {**BASE_CONFIG, "DATABASE_URL": database.fresh_url(path), "BORDER_REFERRAL_INSTANCE": str(path / "instance"),
           "RATELIMIT_KEY_PREFIX": f"br-test-{uuid.uuid4().hex[:12]}"}
    cfg.update(overrides)
    return create_app(cfg)


@pytest.fixture
def app(database, tmp_path):
    app = make_app(database, tmp_path)
    yield app
    app.extensions["br_engine"].dispose()


@pytest.fixture
def demo(app):
    from border_referral.demo import seed

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
    schema = unquote(options).split("=", 1)[-1]
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
            sep = "&" if "?" in TEST_DB else "?"
            url = f"{TEST_DB}{sep}options=-csearch_path%3D{schema}"
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
