"""Commands of the accounts part, added to the `users` group: `flask users reset-two-factor EMAIL` and
`flask users password EMAIL --password P`."""
from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    users = app.cli.commands.get("users")
    if users is None:  # pragma: no cover - cli.register makes the group first
        return

    @users.command("reset-two-factor")
    @click.argument("email")
    def users_reset_two_factor(email):
        """Remove a user's second factor (lost phone and recovery codes) and end their sessions; they
        set it up again at the next sign-in."""
        from ..cli import fail
        from ..database import session_scope
        from .services import reset_two_factor, user_by_email

        with session_scope() as s:
            user = user_by_email(s, email)
            if user is None:
                fail(f"no such user: {email}")
            reset_two_factor(s, None, user.id)
        click.echo(f"Two-factor sign-in of {email} was reset.")

    @users.command("password")
    @click.argument("email")
    @click.option("--password", required=True, help="The new password (the strength rules apply).")
    def users_password(email, password):
        """Set a user's password; every session and API token of the account ends."""
        from ..cli import fail
        from ..database import session_scope
        from ..errors import NotFound, ServiceError
        from .services import set_password

        try:
            with session_scope() as s:
                set_password(s, email, password)
        except NotFound:
            fail(f"no such user: {email}")
        except ServiceError as exc:
            fail(str(exc.message))
        click.echo(f"The password of {email} was set; its sessions and tokens have ended.")
