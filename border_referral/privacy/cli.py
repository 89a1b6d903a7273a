"""`flask retention apply [--confirm]`: erase the closed cases whose retention period (the centre's
jurisdiction profile) has ended. Without --confirm it only says what it would do. Output names
cases by number only."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..database import session_scope
from .services import apply_retention, plan_retention


def register(app: Flask) -> None:
    group = AppGroup("retention", help="Retention of closed cases (the jurisdiction profiles' periods).")
    app.cli.add_command(group)

    @group.command("apply")
    @click.option("--confirm", is_flag=True, help="Erase for good (without it: a dry run that changes nothing).")
    def retention_apply(confirm: bool):
        """Erase closed cases not changed for the retention period of their centre's profile."""
        with session_scope() as s:
            plan = plan_retention(s)
            due = [(c.id, c.case_number) for c in plan.due]
            kept = [(c.case_number, why) for c, why in plan.kept]
            periods = dict(plan.periods)
        if not periods:
            click.echo("No jurisdiction profile sets a retention period: nothing to do.")
            return
        click.echo("Retention periods: " + ", ".join(f"{code} {years} year(s)" for code, years in sorted(periods.items())))
        for number, why in kept:
            click.echo(f"keep {number}: {why.replace('_', ' ')}")
        if not confirm:
            for _id, number in due:
                click.echo(f"would erase {number}")
            click.echo(f"Dry run: {len(due)} case(s) would be erased, {len(kept)} kept. "
                       "Nothing was changed; run again with --confirm to erase.")
            return
        erased = 0
        for case_id, number in due:
            with session_scope() as s:  # one unit of work per case: one failure does not undo the others
                done = apply_retention(s, case_id)
            if done:
                erased += 1
                click.echo(f"erased {number}")
        click.echo(f"{erased} case(s) erased, {len(kept)} kept, {len(due) - erased} no longer due.")
