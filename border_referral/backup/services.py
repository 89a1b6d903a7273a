"""Backups: a portable logical dump of the database and a copy of the attachment store, each part
encrypted to the backup key of the key ring, described by an authenticated manifest.

A backup directory holds

    manifest.json                  what is in it, authenticated (HMAC-SHA256) with the backup key
    tables/NNN-<table>.jsonl       one file a table, in foreign-key order, one JSON object a row
    attachments/NNNNNN.bin         each file of the attachment store, as it is (already encrypted)

and every file but the manifest is chunked AES-256-GCM (the layout of crypto/files.py) under a key
derived from the backup key for this backup alone. The rows are read inside one read transaction
(PostgreSQL: REPEATABLE READ, read only; SQLite: one read transaction on the WAL), so a backup taken
while the app runs is consistent. Values are written by their Python type (bytes, datetimes with
their offset, dates, booleans, None), never by the database's own text form, so a SQLite backup
restores into PostgreSQL and the other way round. The key ring is never written into a backup.

A restore goes only into an empty instance and checks everything it can before it writes: the
manifest's tag, every file's size and SHA-256, every part's encryption and row count, and that the
key ring opens the backup's data keys. Its database writes are one transaction. docs/backup.md."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import struct
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlmodel import Session, SQLModel

from ..crypto.errors import IntegrityFailure, KeyUnavailable
from ..crypto.fields import Ciphertext

log = logging.getLogger("border_referral.backup")

FORMAT = "border_referral-backup"
VERSION = 1
MANIFEST = "manifest.json"
MAGIC = b"BRB1"
PREFIX = 8
TAG = 16
CHUNK = 1024 * 1024
BATCH = 500
ALEMBIC = "alembic_version"
GENESIS = "0" * 64
# A freshly migrated database already holds one row in each of these (migration 0001 starts the
# audit chain, 0019 writes the reference data's first stamp); "empty" allows that row as the
# migration wrote it, and a restore replaces it.
BASELINE = {"audit_head", "reference_stamp"}

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PART = re.compile(r"^(tables|attachments)/[A-Za-z0-9_.-]{1,120}$")
_STORED_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")
_HEX = re.compile(r"^[0-9a-f]{32}$")

Progress = Callable[[str, str, int], None]


class BackupError(Exception):
    """Why a backup, a check or a restore stopped. The message is for the operator; it names tables,
    files and counts, never personal data."""


@dataclass
class Summary:
    backup_id: str = ""
    created_at: str = ""
    revision: str = ""
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    missing_files: list[str] = field(default_factory=list)
    data_keys: int = 0
    audit_records: int = 0
    upgraded_to: str | None = None


# ---------------------------------------------------------------- keys and the encrypted parts
def _ring():
    from ..crypto.envelope import keyring

    return keyring()


def _derive(key: bytes, backup_id: str, purpose: str) -> bytes:
    """A key for one purpose of one backup (HKDF-SHA256, the backup id as salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(backup_id),
                info=f"{FORMAT} v{VERSION} {purpose}".encode()).derive(key)


def _aad(backup_id: str, part: str, index: int, last: bool) -> bytes:
    return f"{FORMAT}|{backup_id}|{part}|{index}|{int(last)}".encode()


class _SealedWriter:
    """Writes one part: MAGIC, an 8-byte random prefix, then chunks of (4-byte length,
    ciphertext+tag); chunk i has nonce prefix || i and associated data naming the backup, the part,
    i and whether it is the last chunk, so a part moved, reordered, cut short or extended fails."""

    def __init__(self, root: Path, part: str, key: bytes, backup_id: str):
        self.part, self.path, self._backup_id = part, root / part, backup_id
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._aead, self._prefix, self._index = AESGCM(key), os.urandom(PREFIX), 0
        self._buf = bytearray()
        self._sha, self.size = hashlib.sha256(), 0
        self._emit(MAGIC + self._prefix)

    def _emit(self, data: bytes) -> None:
        self._fh.write(data)
        self._sha.update(data)
        self.size += len(data)

    def _seal(self, chunk: bytes, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        sealed = self._aead.encrypt(nonce, chunk, _aad(self._backup_id, self.part, self._index, last))
        self._emit(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) > CHUNK:  # keep one byte back: the last chunk is sealed by close()
            self._seal(bytes(self._buf[:CHUNK]), False)
            del self._buf[:CHUNK]

    def close(self) -> dict:
        self._seal(bytes(self._buf), True)
        self._buf.clear()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return {"size": self.size, "sha256": self._sha.hexdigest()}

    def abort(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


def _read_part(root: Path, part: str, key: bytes, backup_id: str) -> Iterator[bytes]:
    """The plaintext of a part, chunk by chunk; anything altered raises BackupError."""
    broken = BackupError(f"{part} does not decrypt: it was altered, or it belongs to another backup")
    with open(root / part, "rb") as fh:
        head = fh.read(len(MAGIC) + PREFIX)
        if len(head) != len(MAGIC) + PREFIX or head[: len(MAGIC)] != MAGIC:
            raise broken
        aead, prefix, index = AESGCM(key), head[len(MAGIC):], 0
        header = fh.read(4)
        while True:
            if len(header) != 4:
                raise broken
            (length,) = struct.unpack(">I", header)
            if length < TAG or length > CHUNK + TAG:
                raise broken
            sealed = fh.read(length)
            if len(sealed) != length:
                raise broken
            header = fh.read(4)
            last = header == b""
            try:
                yield aead.decrypt(prefix + struct.pack(">I", index), sealed, _aad(backup_id, part, index, last))
            except InvalidTag:
                raise broken from None
            if last:
                return
            index += 1


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        rest += chunk
        *complete, rest = rest.split(b"\n")
        yield from complete
    if rest:
        yield rest


# ---------------------------------------------------------------- values
def _encode(value):
    """A column value as JSON that decodes to the same Python value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (dict, list)):
        return {"$json": value}
    raise BackupError(f"a value of type {type(value).__name__} cannot be written into a backup")


_DECODERS = {
    "$float": float, "$b64": base64.b64decode, "$datetime": datetime.fromisoformat, "$date": date.fromisoformat,
    "$time": time.fromisoformat, "$decimal": Decimal, "$json": lambda v: v,
}


def _decode(value, type_):
    if not isinstance(value, dict):
        return value
    (tag, raw), = value.items()
    out = _DECODERS[tag](raw)
    if isinstance(out, datetime) and out.tzinfo is None and getattr(getattr(type_, "impl", type_), "timezone", False):
        out = out.replace(tzinfo=timezone.utc)  # a naive value read from SQLite for an aware column
    return out


def _typed(table: sa.Table) -> sa.TableClause:
    """The table as this release's models type its columns (so values come out as Python objects:
    aware datetimes, dates, booleans, bytes), with the database's own type for a column the models
    do not know (a backup made at an older revision). Ciphertext is copied as the bytes it is."""
    model = SQLModel.metadata.tables.get(table.name)
    columns = []
    for col in table.columns:
        type_ = model.c[col.name].type if model is not None and col.name in model.c else col.type
        if isinstance(type_, Ciphertext):
            type_ = sa.LargeBinary()
        columns.append(sa.column(col.name, type_))
    return sa.table(table.name, *columns)


def _reflect(conn) -> sa.MetaData:
    md = sa.MetaData()
    md.reflect(bind=conn)
    return md


# ---------------------------------------------------------------- create
@contextmanager
def _snapshot(engine):
    """One read transaction: every table is read as of the same moment while the app writes on."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(isolation_level="AUTOCOMMIT")  # we say BEGIN ourselves
            conn.exec_driver_sql("BEGIN")
            try:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()  # the snapshot starts here
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")
        elif engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin() as txn:
                yield conn
                txn.rollback()
        else:
            raise BackupError(f"backups of a {engine.dialect.name} database are not supported")


def _prepare_target(root: Path) -> None:
    if root.exists():
        if not root.is_dir() or any(root.iterdir()):
            raise BackupError(f"{root} is not an empty directory: a backup goes into a new or empty one")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    for sub in ("tables", "attachments"):
        (root / sub).mkdir(mode=0o700)
        os.chmod(root / sub, 0o700)


def _stored_files(store: Path) -> Iterator[tuple[str, Path]]:
    """The files of the attachment store (relative path, path), leaving out files still being
    written (`.part`) and hidden ones."""
    for path in sorted(store.rglob("*")):
        rel = path.relative_to(store)
        if any(p.startswith(".") for p in rel.parts) or path.name.endswith(".part") or not path.is_file():
            continue
        yield rel.as_posix(), path


def _tag(mac_key: bytes, manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "tag"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(mac_key, canonical, hashlib.sha256).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def create_backup(target, *, progress: Progress | None = None) -> Summary:
    """Write a backup of the app's database and attachment store into `target` (new or empty).
    The manifest is written last: a directory without one is not a backup."""
    from ..crypto.files import store_dir
    from ..database import engine as app_engine

    root = Path(target)
    _prepare_target(root)
    ring = _ring()
    key_id = ring.ensure_backup_key()
    backup_id = secrets.token_hex(16)
    key = ring.backup_key(key_id)
    part_key, mac_key = _derive(key, backup_id, "parts"), _derive(key, backup_id, "manifest")
    engine = app_engine()
    files: dict[str, dict] = {}
    tables, attachments, referenced = [], [], set()
    summary = Summary(backup_id=backup_id)
    try:
        with _snapshot(engine) as conn:
            created_at = datetime.now(timezone.utc)
            md = _reflect(conn)
            if ALEMBIC not in md.tables:
                raise BackupError("the database has no schema yet (flask init-db)")
            revisions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
            if len(revisions) != 1:
                raise BackupError(f"the database is at {len(revisions)} schema revisions; expected one")
            ordered = [md.tables[ALEMBIC]] + [t for t in md.sorted_tables if t.name != ALEMBIC]
            for n, table in enumerate(ordered, 1):
                if not _NAME.match(table.name):
                    raise BackupError(f"a table name this format does not support: {table.name!r}")
                part = f"tables/{n:03d}-{table.name}.jsonl"
                typed = _typed(table)
                order = list(table.primary_key.columns) or list(table.columns)
                stmt = sa.select(*typed.c).order_by(*(typed.c[c.name] for c in order))
                names = [c.name for c in typed.c]
                out, rows = _SealedWriter(root, part, part_key, backup_id), 0
                try:
                    for row in conn.execute(stmt.execution_options(yield_per=1000)):
                        values = dict(zip(names, row))
                        if values.get("file_id"):
                            referenced.add(str(values["file_id"]))
                        line = json.dumps({k: _encode(v) for k, v in values.items()}, ensure_ascii=False,
                                          separators=(",", ":"))
                        out.write(line.encode() + b"\n")
                        rows += 1
                except BaseException:
                    out.abort()
                    raise
                files[part] = out.close()
                tables.append({"name": table.name, "file": part, "rows": rows, "columns": names})
                summary.rows += rows
                if progress:
                    progress("table", table.name, rows)
        # The attachment store, after the snapshot: a file uploaded since is an unreferenced extra;
        # one deleted since (an erasure) is listed as missing.
        copied = set()
        for rel, path in _stored_files(store_dir()):
            try:
                source = open(path, "rb")
            except FileNotFoundError:
                continue  # deleted while we walked
            part = f"attachments/{len(attachments) + 1:06d}.bin"
            out, sha, size = _SealedWriter(root, part, part_key, backup_id), hashlib.sha256(), 0
            try:
                with source:
                    for block in iter(lambda: source.read(CHUNK), b""):
                        sha.update(block)
                        size += len(block)
                        out.write(block)
            except BaseException:
                out.abort()
                raise
            files[part] = out.close()
            attachments.append({"path": rel, "file": part, "size": size, "sha256": sha.hexdigest()})
            copied.add(Path(rel).name)
            summary.file_bytes += size
            if progress:
                progress("file", part, size)
        summary.missing_files = sorted(referenced - copied)
        manifest = {
            "format": FORMAT, "version": VERSION, "backup_id": backup_id,
            "created_at": created_at.isoformat(), "key_id": key_id,
            "encryption": "AES-256-GCM, chunked; keys HKDF-SHA256 from the key ring's backup key",
            "database": {"dialect": engine.dialect.name, "revision": revisions[0]},
            "tables": tables,
            "attachments": {"files": attachments, "missing": summary.missing_files},
            "files": files,
        }
        manifest["tag"] = {"alg": "HMAC-SHA256", "value": _tag(mac_key, manifest)}
        _write_private(root / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False).encode())
    except BaseException:
        for sub in ("tables", "attachments"):
            shutil.rmtree(root / sub, ignore_errors=True)
        raise
    summary.created_at, summary.revision = manifest["created_at"], revisions[0]
    summary.tables, summary.files = len(tables), len(attachments)
    log.info("backup created", extra={"event": "backup.created", "target": backup_id})
    return summary


# ---------------------------------------------------------------- reading a backup
def _load(root: Path) -> tuple[dict, bytes]:
    """The manifest, checked: its format, its backup key in the key ring, its tag, its shape."""
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{root} holds no {MANIFEST}: not a backup, or one that did not finish")
    try:
        manifest = json.loads(path.read_bytes())
    except ValueError:
        raise BackupError(f"{MANIFEST} is not valid JSON: it was altered or damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not the manifest of a border_referral backup")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')!r}; this release reads version {VERSION}")
    backup_id, key_id = manifest.get("backup_id"), manifest.get("key_id")
    if not isinstance(backup_id, str) or not _HEX.match(backup_id) or not isinstance(key_id, str):
        raise BackupError(f"{MANIFEST} is damaged (backup or key id)")
    ring_path = current_app.config["BORDER_REFERRAL_KEYRING"]
    try:
        key = _ring().backup_key(key_id)
    except KeyUnavailable:
        raise BackupError(
            f"the key ring at {ring_path} has no backup key {key_id}: copy the key ring of the instance "
            "that made this backup to BORDER_REFERRAL_KEYRING first (it travels separately from backups)") from None
    tag = manifest["tag"].get("value") if isinstance(manifest.get("tag"), dict) else None
    expected = _tag(_derive(key, backup_id, "manifest"), manifest)
    if not isinstance(tag, str) or not hmac.compare_digest(tag.encode(), expected.encode()):
        raise BackupError(f"{MANIFEST} does not authenticate: it was altered, or the backup key {key_id} in the "
                          f"key ring at {ring_path} is not the one that made this backup")
    _check_shape(manifest)
    return manifest, key


def _check_shape(manifest: dict) -> None:
    """Authenticated is not the same as well-formed: names and paths are checked before any is used."""
    def need(ok) -> None:
        if not ok:
            raise BackupError(f"{MANIFEST} is not well formed")

    try:
        files, tables, att = manifest.get("files"), manifest.get("tables"), manifest.get("attachments")
        need(isinstance(files, dict) and isinstance(tables, list) and isinstance(att, dict))
        need(all(isinstance(p, str) and _PART.match(p) and ".." not in p for p in files))
        need(all(isinstance(m.get("size"), int) and isinstance(m.get("sha256"), str) for m in files.values()))
        for t in tables:
            need(_NAME.match(t["name"]) and t["file"] in files and isinstance(t["rows"], int))
            need(isinstance(t["columns"], list) and all(isinstance(c, str) for c in t["columns"]))
        names = [t["name"] for t in tables]
        need(len(set(names)) == len(names) and ALEMBIC in names)
        paths = set()
        for a in att["files"]:
            parts = a["path"].split("/")
            need(a["file"] in files and 0 < len(parts) <= 4 and all(_STORED_PART.match(p) for p in parts))
            need(isinstance(a["size"], int) and isinstance(a["sha256"], str) and a["path"] not in paths)
            paths.add(a["path"])
        need(isinstance(att.get("missing", []), list))
        need(isinstance(manifest["database"]["revision"], str))
    except (KeyError, TypeError, AttributeError):
        raise BackupError(f"{MANIFEST} is not well formed") from None


def _check_files(root: Path, manifest: dict) -> int:
    """Every file the manifest lists: present, of its size, of its SHA-256."""
    total = 0
    for part, meta in manifest["files"].items():
        path = root / part
        if not path.is_file():
            raise BackupError(f"{part} is missing from the backup")
        if path.stat().st_size != meta["size"]:
            raise BackupError(f"{part} has changed: its size is not the one in the manifest")
        sha = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                sha.update(block)
        if not hmac.compare_digest(sha.hexdigest(), meta["sha256"]):
            raise BackupError(f"{part} has changed: its SHA-256 is not the one in the manifest")
        total += meta["size"]
    return total


def _rows(root: Path, entry: dict, key: bytes, backup_id: str) -> Iterator[dict]:
    columns = set(entry["columns"])
    for line in _lines(_read_part(root, entry["file"], key, backup_id)):
        try:
            row = json.loads(line)
        except ValueError:
            raise BackupError(f"{entry['file']} holds a line that is not JSON") from None
        if not isinstance(row, dict) or set(row) != columns:
            raise BackupError(f"{entry['file']} holds a row whose columns are not the table's")
        yield row


def _check_parts(root: Path, manifest: dict, key: bytes, progress: Progress | None) -> Summary:
    """Decrypt every part (nothing is written): row counts as in the manifest, attachments of
    their size and checksum, and every data key of the backup opens with this key ring."""
    from ..crypto import envelope
    from ..crypto.models import DataKey

    backup_id = manifest["backup_id"]
    part_key = _derive(key, backup_id, "parts")
    summary = Summary(backup_id=backup_id, created_at=manifest.get("created_at", ""),
                      revision=manifest["database"]["revision"], tables=len(manifest["tables"]))
    unreadable = 0
    for entry in manifest["tables"]:
        rows = 0
        for row in _rows(root, entry, part_key, backup_id):
            rows += 1
            if entry["name"] == "data_key" and row.get("wrapped") is not None:
                summary.data_keys += 1
                dk = DataKey(id=row["id"], centre_code=row["centre_code"], kek_version=row["kek_version"],
                             wrapped=_decode(row["wrapped"], None))
                try:
                    envelope.unwrap(dk)
                except IntegrityFailure:
                    unreadable += 1
            if entry["name"] == "audit_record":
                summary.audit_records += 1
        if rows != entry["rows"]:
            raise BackupError(f"{entry['file']} holds {rows} rows, the manifest says {entry['rows']}")
        summary.rows += rows
        if progress:
            progress("table", entry["name"], rows)
    if unreadable:
        raise BackupError(
            f"{unreadable} of {summary.data_keys} data keys in the backup cannot be opened with the key ring at "
            f"{current_app.config['BORDER_REFERRAL_KEYRING']}: restore with the key ring of the backup's time "
            "(a rotation or an erasure since then retired the keys they need)")
    for a in manifest["attachments"]["files"]:
        sha, size = hashlib.sha256(), 0
        for chunk in _read_part(root, a["file"], part_key, backup_id):
            sha.update(chunk)
            size += len(chunk)
        if size != a["size"] or sha.hexdigest() != a["sha256"]:
            raise BackupError(f"{a['file']} does not hold the attachment the manifest describes")
        summary.files += 1
        summary.file_bytes += size
    summary.missing_files = list(manifest["attachments"].get("missing", []))
    return summary


def verify_backup(source, *, progress: Progress | None = None) -> Summary:
    """Check a backup completely without restoring it (as `restore` does before it writes)."""
    root = Path(source)
    manifest, key = _load(root)
    _check_files(root, manifest)
    _known_revision(manifest["database"]["revision"])
    return _check_parts(root, manifest, key, progress)


# ---------------------------------------------------------------- restore
def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent.parent / "migrations"))
    return ScriptDirectory.from_config(cfg)


def _known_revision(revision: str):
    from alembic.util import CommandError

    script = _scripts()
    try:
        if script.get_revision(revision) is None:
            raise CommandError(revision)
    except CommandError:
        raise BackupError(f"the backup was made at schema revision {revision}, which this release does not know "
                          "(made by a newer release?): restore it with that release or a newer one") from None
    return script


def _target_state(engine, store: Path, script, revision: str) -> str | None:
    """Refuse a target that is not empty; return its schema revision (None: no schema yet)."""
    with engine.connect() as conn:
        md = _reflect(conn)
        current = None
        if ALEMBIC in md.tables:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
            current = found[0] if len(found) == 1 else None
        busy = []
        for table in md.sorted_tables:
            if table.name in (ALEMBIC, "reference_stamp"):  # the stamp: any value (0019 writes a random one)
                continue
            query = sa.select(sa.func.count()).select_from(table)
            if table.name == "audit_head":
                query = query.where((table.c.seq != 0) | (table.c.last_hash != GENESIS))
            if conn.execute(query).scalar_one():
                busy.append(table.name)
    if busy:
        raise BackupError(f"the target database already holds data ({len(busy)} tables with rows, e.g. "
                          f"{', '.join(busy[:3])}): restore only into an empty database")
    stored = sum(1 for p in store.rglob("*") if p.is_file())
    if stored:
        raise BackupError(f"the attachment directory {store} already holds {stored} files: restore only into "
                          "an empty one")
    if current is not None and current != revision:
        below = {r.revision for r in script.iterate_revisions(revision, "base")}
        if current not in below:
            raise BackupError(f"the target database is at schema revision {current}, later than the backup's "
                              f"{revision}: restore into a database without tables (it is migrated to the "
                              "backup's revision first)")
    return current


def _insert(engine, root: Path, manifest: dict, key: bytes, progress: Progress | None) -> None:
    """Every row, in foreign-key order, in one transaction; row counts checked before it commits."""
    backup_id, revision = manifest["backup_id"], manifest["database"]["revision"]
    part_key = _derive(key, backup_id, "parts")
    with engine.begin() as conn:
        md = _reflect(conn)
        for entry in manifest["tables"]:
            table = md.tables.get(entry["name"])
            if table is None or set(entry["columns"]) != set(table.columns.keys()):
                raise BackupError(f"table {entry['name']} of the backup does not match the database migrated "
                                  f"to revision {revision}")
        for entry in manifest["tables"]:
            if entry["name"] == ALEMBIC:
                continue  # written by the migration
            typed = _typed(md.tables[entry["name"]])
            types = {c.name: c.type for c in typed.c}
            if entry["name"] in BASELINE:
                conn.execute(sa.delete(typed))
            batch = []
            for row in _rows(root, entry, part_key, backup_id):
                batch.append({k: _decode(v, types[k]) for k, v in row.items()})
                if len(batch) >= BATCH:
                    conn.execute(sa.insert(typed), batch)
                    batch = []
            if batch:
                conn.execute(sa.insert(typed), batch)
            if progress:
                progress("table", entry["name"], entry["rows"])
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, md, [e["name"] for e in manifest["tables"]])
        for entry in manifest["tables"]:
            count = conn.execute(sa.select(sa.func.count()).select_from(md.tables[entry["name"]])).scalar_one()
            if count != entry["rows"]:
                raise BackupError(f"table {entry['name']}: {count} rows restored, the manifest says {entry['rows']}")
        now_at = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        if now_at != [revision]:
            raise BackupError(f"the database is at revision {now_at}, the backup at {revision}")


def _reset_sequences(conn, md: sa.MetaData, names: list[str]) -> None:
    """Rows came with their ids: move each serial or identity sequence past the largest one."""
    for name in names:
        table = md.tables[name]
        for col in table.columns:
            if not isinstance(col.type, sa.Integer):
                continue
            seq = conn.execute(sa.select(sa.func.pg_get_serial_sequence(f'"{name}"', col.name))).scalar()
            if not seq:
                continue
            largest = sa.select(sa.func.max(col)).scalar_subquery()
            conn.execute(sa.select(sa.func.setval(seq, sa.func.coalesce(largest, 1), largest.is_not(None))))


def _stage(root: Path, manifest: dict, key: bytes, staging: Path) -> None:
    backup_id = manifest["backup_id"]
    part_key = _derive(key, backup_id, "parts")
    staging.mkdir(mode=0o700)
    for a in manifest["attachments"]["files"]:
        dest = staging / a["path"]
        for parent in reversed(dest.relative_to(staging).parents[:-1]):
            (staging / parent).mkdir(mode=0o700, exist_ok=True)
        sha, size = hashlib.sha256(), 0
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in _read_part(root, a["file"], part_key, backup_id):
                out.write(chunk)
                sha.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != a["size"] or sha.hexdigest() != a["sha256"]:
            raise BackupError(f"{a['file']} does not hold the attachment the manifest describes")


def _move_into_place(staging: Path, store: Path, manifest: dict) -> None:
    for a in manifest["attachments"]["files"]:
        dest = store / a["path"]
        for parent in reversed(Path(a["path"]).parents[:-1]):
            (store / parent).mkdir(mode=0o700, exist_ok=True)
        os.replace(staging / a["path"], dest)
    shutil.rmtree(staging)


def _file_sha(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            sha.update(block)
    return sha.hexdigest()


def _after_checks(engine, store: Path, manifest: dict, summary: Summary) -> None:
    """The restored instance: the audit chain holds, every attachment is there as it was backed up,
    and every file the database refers to is there (but those the backup itself lacked)."""
    from ..audit import verify

    with Session(engine) as session:
        result = verify(session)
    if not result.ok:
        raise BackupError(f"restored, but the audit log does not verify: record {result.first_broken}, "
                          f"{result.reason}; discard this instance")
    if result.checked != summary.audit_records:
        raise BackupError(f"restored, but the audit log has {result.checked} records, the backup "
                          f"{summary.audit_records}; discard this instance")
    for a in manifest["attachments"]["files"]:
        path = store / a["path"]
        if not path.is_file() or _file_sha(path) != a["sha256"]:
            raise BackupError(f"restored, but attachment {a['file']} is not as backed up; discard this instance")
    with engine.connect() as conn:
        md = _reflect(conn)
        referenced = set()
        for table in md.tables.values():
            if "file_id" in table.c:
                referenced |= {r for r in conn.execute(sa.select(table.c.file_id)).scalars() if r}
    present = {Path(a["path"]).name for a in manifest["attachments"]["files"]}
    lost = referenced - present - set(summary.missing_files)
    if lost:
        raise BackupError(f"restored, but {len(lost)} files the database refers to are not in the attachment store")


def restore_backup(source, *, upgrade: bool = True, progress: Progress | None = None) -> Summary:
    """Restore a backup into this app's (empty) database and attachment store. Everything is checked
    before anything is written; the database writes are one transaction; the restored instance is
    checked after. With `upgrade`, a backup of an older revision is then migrated to the newest."""
    from ..cli import migrate
    from ..crypto.files import store_dir
    from ..database import engine as app_engine

    root = Path(source)
    manifest, key = _load(root)
    _check_files(root, manifest)
    revision = manifest["database"]["revision"]
    script = _known_revision(revision)
    engine, store = app_engine(), store_dir()
    current = _target_state(engine, store, script, revision)
    summary = _check_parts(root, manifest, key, None)
    staging = store / f".restore-{manifest['backup_id']}"
    try:
        _stage(root, manifest, key, staging)
        if current != revision:
            migrate(current_app, revision)
        _insert(engine, root, manifest, key, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_into_place(staging, store, manifest)
    log.info("backup restored", extra={"event": "backup.restored", "target": manifest["backup_id"]})
    head = script.get_current_head()
    if upgrade and revision != head:
        migrate(current_app)
        summary.upgraded_to = head
    _after_checks(engine, store, manifest, summary)
    return summary
