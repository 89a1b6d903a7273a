"""Backups: a portable, encrypted logical dump of the database and a copy of the attachment store
(`flask backup create --to DIR`, `flask backup restore --from DIR`; docs/backup.md)."""
from .services import BackupError, create_backup, restore_backup, verify_backup

__all__ = ["BackupError", "create_backup", "restore_backup", "verify_backup"]
