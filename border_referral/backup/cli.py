"""`flask backup create --to DIR`, `flask backup restore --from DIR`, `flask backup verify --from DIR`,
`flask backup new-key`. Output for operators, in English; it names tables, files and counts only."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .services import BackupError, Summary, create_backup, restore_backup, verify_backup


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def _progress(verbose: bool):
    if not verbose:
        return None

    def report(kind: str, name: str, count: int) -> None:
        if kind == "table":
            click.echo(f"  {name}: {count} rows")
        else:
            click.echo(f"  {name}: {_size(count)}")
    return report


def _fail(message: str) -> None:
    from ..cli import fail

    fail(message)


def _missing_warning(summary: Summary) -> None:
    if summary.missing_files:
        click.echo(f"Warning: {len(summary.missing_files)} files the database refers to were not in the attachment "
                   "store when the backup was made (deleted after its snapshot, e.g. by an erasure).", err=True)


def register(app: Flask) -> None:
    group = AppGroup("backup", help="Encrypted backups of the database and the attachment store (docs/backup.md).")
    app.cli.add_command(group)

    @group.command("create")
    @click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="A new or empty directory.")
    @click.option("--verbose", is_flag=True, help="Print each table and file as it is written.")
    def create(target: Path, verbose: bool):
        """Back up the database and the attachments into DIR, encrypted to the key ring's backup key."""
        try:
            s = create_backup(target, progress=_progress(verbose))
        except BackupError as exc:
            _fail(str(exc))
        click.echo(f"Backup {s.backup_id} written to {target}: {s.tables} tables, {s.rows} records, "
                   f"{s.files} files ({_size(s.file_bytes)}), schema revision {s.revision}.")
        _missing_warning(s)
        click.echo(f"It can be restored only with the key ring ({current_app.config['BORDER_REFERRAL_KEYRING']}): "
                   "back the key ring up separately, never next to the backup.")

    @group.command("verify")
    @click.option("--from", "source", required=True, type=click.Path(file_okay=False, path_type=Path))
    @click.option("--verbose", is_flag=True, help="Print each table as it is checked.")
    def verify(source: Path, verbose: bool):
        """Check a backup completely (manifest, checksums, decryption, row counts, data keys) without
        restoring it."""
        try:
            s = verify_backup(source, progress=_progress(verbose))
        except BackupError as exc:
            _fail(str(exc))
        click.echo(f"Backup {s.backup_id} of {s.created_at} is intact: {s.tables} tables, {s.rows} records, "
                   f"{s.files} files ({_size(s.file_bytes)}), {s.data_keys} data keys open with this key ring, "
                   f"schema revision {s.revision}.")
        _missing_warning(s)

    @group.command("restore")
    @click.option("--from", "source", required=True, type=click.Path(file_okay=False, path_type=Path))
    @click.option("--no-upgrade", is_flag=True,
                  help="Leave the database at the backup's schema revision (default: migrate to the newest).")
    @click.option("--verbose", is_flag=True, help="Print each table as it is restored.")
    def restore(source: Path, no_upgrade: bool, verbose: bool):
        """Restore a backup into this instance, whose database and attachment directory must be empty.
        Copy the key ring to BORDER_REFERRAL_KEYRING first."""
        try:
            s = restore_backup(source, upgrade=not no_upgrade, progress=_progress(verbose))
        except BackupError as exc:
            _fail(str(exc))
        click.echo(f"Restored backup {s.backup_id} of {s.created_at}: {s.tables} tables, {s.rows} records, "
                   f"{s.files} files ({_size(s.file_bytes)}), schema revision {s.revision}"
                   + (f", migrated to {s.upgraded_to}." if s.upgraded_to else "."))
        click.echo(f"Checks: row counts as in the manifest, audit log intact ({s.audit_records} records), "
                   f"{s.files} attachments as backed up, {s.data_keys} data keys open with this key ring.")
        _missing_warning(s)

    @group.command("new-key")
    def new_key():
        """Start a new backup key in the key ring; older backups still restore with the older keys,
        which stay in the ring."""
        from ..crypto.envelope import keyring

        key_id = keyring().new_backup_key()
        click.echo(f"New backup key {key_id}: backups from now on are encrypted to it.")
