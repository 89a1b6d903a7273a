"""The key ring: per-centre key-encryption keys (KEKs, versioned) and blind-index keys, kept in a
file outside the database (BORDER_REFERRAL_KEYRING, mode 0600).

The database holds only data keys wrapped by these KEKs, so a stolen database reveals nothing;
the key ring holds no data, so a stolen key ring reveals nothing either.

File format (JSON): {"format": 1, "centres": {CODE: {"active": N, "index_key": b64,
"keks": {"N": {"key": b64, "created": iso, "state": "active|previous|retired"}}}},
"backup": {"active": ID, "keys": {ID: {"key": b64, "created": iso}}}}
The "backup" entry (added by the first `flask backup create`) holds the keys that backups are
encrypted to: not a centre's KEK, and never written into a backup itself. The "audit" entry
({"active": N, "keys": {N: {"key", "created", "from_seq"}}}, made by the first audit record) holds the
HMAC keys of the audit chain; `from_seq` is the first record keyed with it (records before the first
audit key, written by releases before 0017, are chained with plain SHA-256).
Writes are atomic (temporary file, fsync, rename) under an exclusive lock, so a crash never leaves a
half-written ring; readers reload it when the file changes (a rotation by the command line is seen
by running gunicorn workers)."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .errors import KeyUnavailable

KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class KeyRing:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._cache: dict | None = None
        self._stamp = None
        self._mutex = threading.Lock()

    # ------------------------------------------------------------ file handling
    @contextmanager
    def _exclusive(self):
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _read(self) -> dict:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {"format": 1, "centres": {}}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._mutex:
            if self._cache is None or stamp != self._stamp:
                self._cache = json.loads(self.path.read_text())
                self._stamp = stamp
            return self._cache

    def _write(self, data: dict) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        with self._mutex:
            self._cache = None

    @contextmanager
    def _update(self):
        with self._exclusive():
            self._cache = None
            data = json.loads(json.dumps(self._read()))  # a private copy
            yield data
            self._write(data)

    # ------------------------------------------------------------ reading
    def _centre(self, code: str) -> dict:
        entry = self._read()["centres"].get(code)
        if entry is None:
            raise KeyUnavailable()
        return entry

    def has_centre(self, code: str) -> bool:
        return code in self._read()["centres"]

    def active_version(self, code: str) -> int:
        return int(self._centre(code)["active"])

    def kek(self, code: str, version: int) -> bytes:
        entry = self._centre(code)["keks"].get(str(version))
        if entry is None or not entry.get("key"):
            raise KeyUnavailable()
        return base64.b64decode(entry["key"])

    def versions(self, code: str) -> dict[int, str]:
        return {int(v): e["state"] for v, e in self._centre(code)["keks"].items()}

    def index_key(self, code: str) -> bytes:
        return base64.b64decode(self._centre(code)["index_key"])

    # ------------------------------------------------------------ changing
    def ensure_centre(self, code: str) -> None:
        if self.has_centre(code):
            return
        with self._update() as data:
            if code in data["centres"]:
                return
            data["centres"][code] = {
                "active": 1,
                "index_key": _b64(secrets.token_bytes(KEY_BYTES)),
                "keks": {"1": {"key": _b64(secrets.token_bytes(KEY_BYTES)), "state": "active",
                               "created": datetime.now(timezone.utc).isoformat()}},
            }

    def add_version(self, code: str) -> int:
        """A new KEK version becomes the active one; earlier versions stay readable ("previous")
        until every data key has been rewrapped and they are retired."""
        self.ensure_centre(code)
        with self._update() as data:
            entry = data["centres"][code]
            new = max(int(v) for v in entry["keks"]) + 1
            for e in entry["keks"].values():
                if e["state"] == "active":
                    e["state"] = "previous"
            entry["keks"][str(new)] = {"key": _b64(secrets.token_bytes(KEY_BYTES)), "state": "active",
                                       "created": datetime.now(timezone.utc).isoformat()}
            entry["active"] = new
            return new

    def retire(self, code: str, versions: list[int]) -> None:
        """Destroy the key material of versions no data key uses any more."""
        with self._update() as data:
            entry = data["centres"][code]
            for v in versions:
                e = entry["keks"].get(str(v))
                if e and int(v) != int(entry["active"]):
                    e["state"] = "retired"
                    e["key"] = None
                    e["retired"] = datetime.now(timezone.utc).isoformat()

    # ------------------------------------------------------------ backup keys
    def backup_key(self, key_id: str) -> bytes:
        """The backup key named in a backup's manifest (KeyUnavailable when this ring lacks it)."""
        entry = self._read().get("backup", {}).get("keys", {}).get(key_id)
        if entry is None or not entry.get("key"):
            raise KeyUnavailable()
        return base64.b64decode(entry["key"])

    def ensure_backup_key(self) -> str:
        """The id of the key new backups are encrypted to, made on first use."""
        active = self._read().get("backup", {}).get("active")
        return active if active else self.new_backup_key(only_if_none=True)

    def new_backup_key(self, *, only_if_none: bool = False) -> str:
        """Start a new backup key; earlier ones stay in the ring so that older backups restore."""
        with self._update() as data:
            backup = data.setdefault("backup", {"active": None, "keys": {}})
            if only_if_none and backup.get("active"):
                return backup["active"]
            key_id = secrets.token_hex(8)
            backup["keys"][key_id] = {"key": _b64(secrets.token_bytes(KEY_BYTES)),
                                      "created": datetime.now(timezone.utc).isoformat()}
            backup["active"] = key_id
            return key_id

    # ------------------------------------------------------------ audit keys
    def audit_key(self, version: int) -> bytes:
        entry = self._read().get("audit", {}).get("keys", {}).get(str(version))
        if entry is None or not entry.get("key"):
            raise KeyUnavailable()
        return base64.b64decode(entry["key"])

    def audit_keys(self) -> dict[int, int]:
        """{version: the first record sequence number keyed with it}."""
        return {int(v): int(e["from_seq"]) for v, e in self._read().get("audit", {}).get("keys", {}).items()}

    def ensure_audit_key(self, from_seq: int) -> int:
        """The version of the key that chains new audit records, made on first use (the first record
        it keys is `from_seq`: nothing after it may be unkeyed)."""
        active = self._read().get("audit", {}).get("active")
        if active:
            return int(active)
        with self._update() as data:
            audit = data.setdefault("audit", {"active": None, "keys": {}})
            if not audit.get("active"):
                audit["keys"]["1"] = {"key": _b64(secrets.token_bytes(KEY_BYTES)), "from_seq": int(from_seq),
                                      "created": datetime.now(timezone.utc).isoformat()}
                audit["active"] = 1
            return int(audit["active"])

    def forget_audit_keys(self) -> None:
        """After the audit log was re-chained without keys (migration 0017's downgrade): the next
        upgrade starts a new key from the chain's end."""
        if "audit" in self._read():
            with self._update() as data:
                data.pop("audit", None)
