"""The case files' command: `flask cases reindex` (once after a release that indexes names in more
forms, e.g. each word of a name on its own: README, "Case files and encryption")."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..database import session_scope
from .services import reindex


def register(app: Flask) -> None:
    group = AppGroup("cases", help="Case files.")
    app.cli.add_command(group)

    @group.command("reindex")
    def cases_reindex():
        """Rebuild the search index of every case (names and id numbers, as blind digests)."""
        with session_scope() as s:
            count = reindex(s)
        click.echo(f"{count} case(s) indexed again.")
