"""Command line: `.venv/bin/flask --app wsgi COMMAND`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .database import session_scope
from .errors import ServiceError


def migrate(app: Flask, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (the only way the schema changes)."""
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config()
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.attributes["engine"] = app.extensions["br_engine"]
    command.upgrade(cfg, revision)


def fail(message) -> None:
    """End a command with a clear message and a non-zero exit."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    register_keys(app)
    from .backup.cli import register as register_backup
    register_backup(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or migrate the database schema."""
        migrate(current_app)
        click.echo("Database schema is up to date.")

    @app.cli.command("seed-demo")
    @click.option("--without-story", is_flag=True, help="Only the centres, partnerships, crossings and accounts.")
    def seed_demo(without_story):
        """Load the demo centres, partnerships, crossings and users, and the demo's invented cases,
        referrals, repatriations and meetings (idempotent)."""
        from .demo import DEMO_PASSWORD, demo_accounts, seed

        with session_scope() as s:
            added = seed(s)
        click.echo("Demo data: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
        if not without_story:
            from .demo_story import tell

            with current_app.test_request_context(), session_scope() as s:
                story = tell(s)
            click.echo("Demo story: " + (", ".join(f"{k} +{v}" for k, v in story.items()) if story else "already loaded"))
        click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for email, code, roles in demo_accounts():
            click.echo(f"  {email:48} {code}  {','.join(roles)}")

    users = AppGroup("users", help="Manage user accounts.")
    app.cli.add_command(users)

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--centre", "centre_code", required=True)
    @click.option("--role", "roles", required=True, multiple=True, help="Repeat or separate with commas.")
    @click.option("--locale", default=None)
    @click.option("--name", "display_name", default="")
    def users_create(email, password, centre_code, roles, locale, display_name):
        """Create a user in a centre."""
        from .auth.services import create_user

        role_list = [r.strip() for item in roles for r in item.split(",") if r.strip()]
        try:
            with session_scope() as s:
                user = create_user(s, None, email=email, password=password, centre_code=centre_code,
                                   roles=role_list, locale=locale, display_name=display_name)
                click.echo(f"Created user {user.email} ({user.id}).")
        except ServiceError as exc:
            fail(exc.message)

    @users.command("disable")
    @click.argument("email")
    def users_disable(email):
        """Disable a user (ends their sessions; tokens stop working)."""
        from .auth.services import disable_user
        from .errors import NotFound

        try:
            with session_scope() as s:
                disable_user(s, None, email)
        except NotFound:
            fail(f"no such user: {email}")
        click.echo("Disabled.")

    tokens = AppGroup("tokens", help="Manage API tokens.")
    app.cli.add_command(tokens)

    @tokens.command("create")
    @click.argument("email")
    @click.option("--name", default="cli")
    @click.option("--days", type=int, default=None, help="How long it works (default TOKEN_DAYS).")
    @click.option("--scope", type=click.Choice(["read", "write"]), default="write")
    def tokens_create(email, name, days, scope):
        """Print a new API token for EMAIL (shown once, as the last line)."""
        from .auth.services import create_token, user_by_email

        try:
            with session_scope() as s:
                user = user_by_email(s, email)
                if user is None:
                    fail(f"no such user: {email}")
                _token, plain = create_token(s, None, user.id, name, days=days, scope=scope)
        except ServiceError as exc:
            fail(exc.message)
        click.echo("API token (store it now; it cannot be shown again):")
        click.echo(plain)

    audit_group = AppGroup("audit", help="The audit log.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    @click.option("--checkpoints", "checkpoint_file", type=click.Path(dir_okay=False),
                  help="A file of signed checkpoints to hold the log to (default: AUDIT_CHECKPOINT_FILE).")
    def audit_verify(checkpoint_file):
        """Check the chain (HMACs, links, numbers) against the signed checkpoints; report the first
        record that does not hold."""
        from .audit import read_checkpoints, verify

        path = Path(checkpoint_file or current_app.config["AUDIT_CHECKPOINT_FILE"])
        if checkpoint_file and not path.is_file():
            fail(f"no checkpoint file at {path}")
        statements = read_checkpoints(path) if path.is_file() else []
        with session_scope() as s:
            result = verify(s, checkpoints=statements)
        if result.ok:
            click.echo(f"Audit log intact: {result.checked} records, {len(statements)} checkpoints in {path.name}.")
        else:
            fail(f"audit log broken at record {result.first_broken}: {result.reason} ({result.checked} records intact before it)")

    @audit_group.command("checkpoint")
    def audit_checkpoint():
        """Sign the chain's head now (run it from cron; keep the file, or send the line to a partner)."""
        from .audit import checkpoint

        with session_scope() as s:
            cp = checkpoint(s)
        if cp is None:
            click.echo("The audit log is empty: nothing to sign.")
        else:
            click.echo(f"Checkpoint: record {cp.seq}, hash {cp.hash}, written to "
                       f"{current_app.config['AUDIT_CHECKPOINT_FILE']}.")


def register_keys(app: Flask) -> None:
    keys = AppGroup("keys", help="Encryption keys.")
    app.cli.add_command(keys)

    @keys.command("rotate")
    @click.option("--centre", "centre_code", default=None, help="Only this centre (default: every centre).")
    def keys_rotate(centre_code):
        """Rotate key-encryption keys: rewrap every data key, then retire the old versions."""
        from .centres.services import centres
        from .crypto.rotation import rotate

        with session_scope() as s:
            codes = [c.code for c in centres(s)]
        if centre_code:
            if centre_code.upper() not in codes:
                fail(f"unknown centre: {centre_code}")
            codes = [centre_code.upper()]
        for code in codes:
            result = rotate(code)
            click.echo(f"{code}: key version {result.version}, {result.rewrapped} data keys rewrapped, "
                       f"retired versions {result.retired or '-'}")
