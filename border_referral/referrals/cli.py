"""The referrals' commands: `flask referrals escalate` and `flask referrals purge` (run both from cron)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..database import session_scope
from .services import escalate, purge


def register(app: Flask) -> None:
    group = AppGroup("referrals", help="Cross-border referrals (run escalate and purge from cron).")
    app.cli.add_command(group)

    @group.command("escalate")
    def referrals_escalate():
        """Record overdue referrals (once each) and notify both centres."""
        with session_scope() as s:
            done = escalate(s)
        for r, kind in done:
            click.echo(f"{r.reference}: overdue ({kind})")
        click.echo(f"{len(done)} escalation(s) recorded.")

    @group.command("purge")
    def referrals_purge():
        """Destroy the shared packages of referrals closed longer ago than the retention period."""
        with session_scope() as s:
            count = purge(s)
        click.echo(f"{count} package(s) destroyed.")
