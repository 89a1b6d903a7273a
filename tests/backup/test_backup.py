"""Backups (issue 14): the restore drill, tampering, refusal of a non-empty target, no plaintext in a
backup, the command line, a consistent snapshot while the app writes, older revisions and the
other database."""
from __future__ import annotations

import base64
import json
import os
import secrets
import stat

import pytest
from sqlalchemy import MetaData, func, inspect, select, text
from sqlmodel import SQLModel

from border_referral.audit import verify
from border_referral.backup import BackupError, create_backup, restore_backup
from border_referral.backup import services as backup_services
from border_referral.database import session_scope
from tests.backup.conftest import (ATTACHMENT, CANARY_ID, CANARY_NAME, CANARY_TH, MORE, fill, seed_demo,
                                   store_files)
from tests.conftest import TEST_DB


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def dump(app) -> dict[str, list[tuple]]:
    """Every table of the database, every row, every column, as this release's models read them."""
    with app.extensions["br_engine"].connect() as conn:
        md = MetaData()
        md.reflect(bind=conn)
        out = {}
        for table in md.sorted_tables:
            typed = SQLModel.metadata.tables.get(table.name, table)
            assert set(typed.c.keys()) == set(table.c.keys()), table.name
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(typed)).all()), key=repr)
    return out


def is_empty(app) -> bool:
    """No rows anywhere (the audit chain's head and the reference stamp as the migrations leave
    them) and no stored file."""
    with app.extensions["br_engine"].connect() as conn:
        md = MetaData()
        md.reflect(bind=conn)
        for table in md.sorted_tables:
            if table.name in ("alembic_version", "reference_stamp"):
                continue
            query = select(func.count()).select_from(table)
            if table.name == "audit_head":
                query = query.where(table.c.seq != 0)
            if conn.execute(query).scalar_one():
                return False
    return not store_files(app)


def manifest_of(backup):
    return json.loads((backup / "manifest.json").read_text())


@pytest.fixture
def source(demo):
    """The demo instance with cases, attachments, a referral and audit records in it."""
    return demo, fill(demo)


@pytest.fixture
def backup(source, tmp_path):
    app, _data = source
    path = tmp_path / "backup"
    with app.app_context():
        create_backup(path)
    return path


# ---------------------------------------------------------------- 1. the restore drill
@pytest.mark.parametrize("migrated", [False, True], ids=["no-schema", "migrated-empty"])
def test_restore_drill(source, instance, tmp_path, capsys, migrated):
    app, data = source
    path = tmp_path / "backup"
    with app.app_context():
        made = create_backup(path)
    target = instance("restored", migrated=migrated, keyring_from=app)
    with target.app_context():
        restored = restore_backup(path)

    before, after = dump(app), dump(target)
    assert sorted(before) == sorted(after)
    assert set(before) == set(SQLModel.metadata.tables) | {"alembic_version"}
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the restore"
    files = store_files(app)
    assert len(files) == 2 and store_files(target) == files  # byte for byte, same names
    with target.app_context(), session_scope() as s:
        result = verify(s)
    assert result.ok and result.checked == len(before["audit_record"]) > 0
    assert made.rows == restored.rows == sum(len(rows) for rows in before.values())
    assert restored.files == made.files == 2 and restored.upgraded_to is None

    # The restored instance works: the case reads back through its API, decrypted, and so does its file.
    client = target.test_client()
    r = client.get(f"/api/v1/cases/{data['case_id']}", headers=data["headers"])
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["person"]["latin_name"] == CANARY_NAME and r.json["person"]["full_name"] == CANARY_TH
    got = client.get(f"/api/v1/cases/{data['case_id']}/attachments/{data['attachment_id']}", headers=data["headers"])
    assert got.status_code == 200 and got.data == ATTACHMENT
    r = client.get(f"/api/v1/referrals/{data['referral_id']}", headers=data["headers"])
    assert r.status_code == 200 and r.json["state"] == "acknowledged"
    after = {"full_name": "After Restore", "sex": "male", "nationality": "MM"}
    new = client.post("/api/v1/cases", headers=data["headers"], json={**MORE, "person": after})
    assert new.status_code == 201, new.get_data(as_text=True)  # sequences and counters carry on

    # Private on disk: the backup and the restored store.
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    for p in path.rglob("*"):
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    with target.app_context():
        from border_referral.crypto.files import store_dir

        for p in store_dir().rglob("*"):
            assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p

    records = sum(len(rows) for rows in before.values())
    with capsys.disabled():
        print(f"\nbackup drill ({TEST_DB.split('+')[0]}, {'migrated' if migrated else 'blank'} target): "
              f"{len(before)} tables, {records} records, {len(files)} files restored, 0 lost")


# ---------------------------------------------------------------- 2. tampering and keys
def _part_of(backup, table):
    entry = next(t for t in manifest_of(backup)["tables"] if t["name"] == table)
    return backup / entry["file"]


def test_a_changed_table_file_is_refused_and_nothing_is_written(source, backup, instance):
    part = _part_of(backup, "case_file")
    raw = bytearray(part.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    part.write_bytes(bytes(raw))
    target = instance("restored", keyring_from=source[0])
    out = run(target, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "has changed" in out.output and part.name in out.output
    assert inspect(target.extensions["br_engine"]).get_table_names() == [] and not store_files(target)
    assert run(target, "backup", "verify", "--from", backup).exit_code != 0


def test_a_changed_attachment_or_a_missing_file_is_refused(source, backup, instance):
    part = backup / manifest_of(backup)["attachments"]["files"][0]["file"]
    part.write_bytes(part.read_bytes()[:-1])
    target = instance("restored", keyring_from=source[0])
    out = run(target, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "has changed" in out.output
    part.unlink()
    out = run(target, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "is missing" in out.output
    assert is_empty(target)


def test_a_changed_manifest_is_refused(source, backup, instance):
    manifest = manifest_of(backup)
    next(t for t in manifest["tables"] if t["name"] == "case_file")["rows"] += 1
    (backup / "manifest.json").write_text(json.dumps(manifest))
    target = instance("restored", keyring_from=source[0])
    out = run(target, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "manifest.json does not authenticate" in out.output
    assert inspect(target.extensions["br_engine"]).get_table_names() == []


def test_a_forged_part_that_matches_its_checksum_still_does_not_decrypt(source, backup, instance):
    """Someone who can write the backup but has no key: a part and its checksum changed together
    cannot get past the manifest's tag, and a part of another backup does not decrypt here."""
    app = source[0]
    other = backup.parent / "other"
    with app.app_context():
        create_backup(other)
    mine, theirs = _part_of(backup, "centre"), _part_of(other, "centre")
    mine.write_bytes(theirs.read_bytes())
    target = instance("restored", keyring_from=app)
    with target.app_context(), pytest.raises(BackupError, match="has changed"):
        restore_backup(backup)
    # Checksums forged too (the tag is not): refused by the tag.
    manifest = manifest_of(backup)
    name = mine.relative_to(backup).as_posix()
    forged = manifest_of(other)["files"][theirs.relative_to(other).as_posix()]
    manifest["files"][name] = forged
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with target.app_context(), pytest.raises(BackupError, match="does not authenticate"):
        restore_backup(backup)
    assert is_empty(target)
    # Below the tag, the encryption binds each part to its backup and its name.
    backup_id = manifest["backup_id"]
    with app.app_context():
        from border_referral.crypto.envelope import keyring

        part_key = backup_services._derive(keyring().backup_key(manifest["key_id"]), backup_id, "parts")
    with pytest.raises(BackupError, match="does not decrypt"):
        list(backup_services._read_part(backup, name, part_key, backup_id))  # another backup's part
    user_part = _part_of(backup, "user_account").relative_to(backup).as_posix()
    (backup / name).write_bytes((backup / user_part).read_bytes())
    with pytest.raises(BackupError, match="does not decrypt"):
        list(backup_services._read_part(backup, name, part_key, backup_id))  # another table's part
    assert b"".join(backup_services._read_part(backup, user_part, part_key, backup_id))


def _edit_ring(app, change):
    path = app.config["BORDER_REFERRAL_KEYRING"]
    with open(path) as fh:
        ring = json.load(fh)
    change(ring)
    with open(path, "w") as fh:
        json.dump(ring, fh)


def test_a_missing_or_wrong_backup_key_is_refused_clearly(source, backup, instance):
    key_id = manifest_of(backup)["key_id"]
    missing = instance("missing", keyring_from=source[0])
    _edit_ring(missing, lambda ring: ring.pop("backup"))
    out = run(missing, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and f"has no backup key {key_id}" in out.output and "copy the key ring" in out.output
    wrong = instance("wrong", keyring_from=source[0])
    other_key = base64.b64encode(secrets.token_bytes(32)).decode()
    _edit_ring(wrong, lambda ring: ring["backup"]["keys"][key_id].update(key=other_key))
    out = run(wrong, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "does not authenticate" in out.output and key_id in out.output
    no_ring = instance("no-ring")
    assert run(no_ring, "backup", "restore", "--from", backup).exit_code != 0
    for app in (missing, wrong, no_ring):
        assert inspect(app.extensions["br_engine"]).get_table_names() == []


def test_a_key_ring_that_cannot_open_the_data_keys_is_refused_before_writing(source, backup, instance):
    """The backup key is there but the centres' KEKs are not the backup's (a key ring of the wrong
    time): refused before anything is written, saying so."""
    target = instance("restored", keyring_from=source[0])
    _edit_ring(target, lambda ring: ring["centres"]["CR"]["keks"]["1"].update(
        key=base64.b64encode(secrets.token_bytes(32)).decode()))
    out = run(target, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "data keys in the backup cannot be opened" in out.output
    assert inspect(target.extensions["br_engine"]).get_table_names() == []


def test_a_failure_while_inserting_leaves_the_target_empty_and_a_retry_works(source, backup, instance, monkeypatch):
    target = instance("restored", keyring_from=source[0])
    calls = {"n": 0}
    decode = backup_services._decode

    def failing(value, type_):
        calls["n"] += 1
        if calls["n"] == 400:
            raise RuntimeError("disk full")
        return decode(value, type_)

    monkeypatch.setattr(backup_services, "_decode", failing)
    with target.app_context(), pytest.raises(RuntimeError):
        restore_backup(backup)
    assert is_empty(target)
    with target.app_context():
        staging = [p for p in backup_services.Path(target.config["BORDER_REFERRAL_INSTANCE"]).rglob(".restore-*")]
    assert staging == []
    monkeypatch.setattr(backup_services, "_decode", decode)
    with target.app_context():
        restore_backup(backup)
    assert dump(target) == dump(source[0])


# ---------------------------------------------------------------- 3. only into an empty instance
def test_restore_into_a_non_empty_instance_is_refused(source, backup, instance):
    app = source[0]
    out = run(app, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "already holds data" in out.output
    target = instance("restored", keyring_from=app)
    assert run(target, "backup", "restore", "--from", backup).exit_code == 0
    before = dump(target)
    again = run(target, "backup", "restore", "--from", backup)
    assert again.exit_code != 0 and "already holds data" in again.output
    assert dump(target) == before
    # An empty database but files in the attachment directory: refused too.
    files_only = instance("files-only", keyring_from=app)
    with files_only.app_context():
        from border_referral.crypto.files import store_dir

        (store_dir() / "stray").write_bytes(b"x")
    out = run(files_only, "backup", "restore", "--from", backup)
    assert out.exit_code != 0 and "attachment directory" in out.output
    assert inspect(files_only.extensions["br_engine"]).get_table_names() == []


# ---------------------------------------------------------------- 4. no plaintext in a backup
def test_no_personal_data_in_the_backup_files(backup):
    canaries = [c.encode() for c in (CANARY_NAME, CANARY_TH, CANARY_ID, "Wan Kat", "Daw Aye")] + [ATTACHMENT[:30]]
    files = [p for p in backup.rglob("*") if p.is_file()]
    assert len(files) > 40
    for p in files:
        raw = p.read_bytes()
        for canary in canaries:
            assert canary not in raw, f"{p.name} holds plaintext"
    # Nor the table names' contents: the parts are encrypted, not merely encoded.
    assert b'"case_number"' not in b"".join(p.read_bytes() for p in files if p.name != "manifest.json")


# ---------------------------------------------------------------- 5. the command line
def test_command_line(source, tmp_path, instance):
    app = source[0]
    path = tmp_path / "cli-backup"
    out = run(app, "backup", "create", "--to", path)
    assert out.exit_code == 0, out.output
    assert "Backup " in out.output and "2 files" in out.output and "key ring" in out.output
    assert CANARY_NAME not in out.output
    again = run(app, "backup", "create", "--to", path)
    assert again.exit_code != 0 and "not an empty directory" in again.output
    target = instance("restored", keyring_from=app)
    checked = run(target, "backup", "verify", "--from", path)
    assert checked.exit_code == 0 and "is intact" in checked.output, checked.output
    restored = run(target, "backup", "restore", "--from", path, "--verbose")
    assert restored.exit_code == 0 and "Restored backup" in restored.output, restored.output
    assert "audit log intact" in restored.output and "case_file:" in restored.output
    nothing = run(instance("nothing", keyring_from=app), "backup", "restore", "--from", tmp_path / "absent")
    assert nothing.exit_code != 0 and "holds no manifest.json" in nothing.output
    assert run(app, "backup", "create").exit_code != 0  # --to is required
    key = run(app, "backup", "new-key")
    assert key.exit_code == 0
    later = tmp_path / "later"
    assert run(app, "backup", "create", "--to", later).exit_code == 0
    assert manifest_of(later)["key_id"] != manifest_of(path)["key_id"]
    assert run(target, "backup", "verify", "--from", path).exit_code == 0  # the old key still opens the old one


# ---------------------------------------------------------------- consistency while the app writes
def test_the_backup_is_one_snapshot_while_the_app_writes(source, tmp_path, instance):
    app, data = source
    client = app.test_client()
    written = []

    def write_meanwhile(kind, name, _count):
        if kind == "table" and name == "audit_head" and not written:
            r = client.post("/api/v1/cases", headers=data["headers"],
                            json={**MORE, "person": {"full_name": "Meanwhile", "sex": "male", "nationality": "MM"}})
            assert r.status_code == 201
            written.append(r.json["id"])

    with app.app_context():
        before = dump(app)
        create_backup(tmp_path / "backup", progress=write_meanwhile)
    assert written and len(dump(app)["case_file"]) == len(before["case_file"]) + 1
    target = instance("restored", keyring_from=app)
    with target.app_context():
        restore_backup(tmp_path / "backup")
        with session_scope() as s:
            assert verify(s).ok
    assert dump(target) == before


# ---------------------------------------------------------------- an older revision
def test_a_backup_of_an_older_revision_restores_and_migrates_to_the_newest(old_release, instance, tmp_path):
    old, engine = old_release("0011")
    with old.app_context():
        made = create_backup(tmp_path / "old")
    assert made.revision == "0011"
    head_target = instance("at-head", migrated=True, keyring_from=old)
    with head_target.app_context(), pytest.raises(BackupError, match="later than the backup's"):
        restore_backup(tmp_path / "old")
    target = instance("restored", keyring_from=old)
    with target.app_context():
        restored = restore_backup(tmp_path / "old")
        head = backup_services._scripts().get_current_head()
        assert restored.upgraded_to == head != "0011"
    with target.extensions["br_engine"].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    with engine.connect() as conn:
        users = conn.execute(text("SELECT id, email FROM user_account ORDER BY id")).all()
    with target.extensions["br_engine"].connect() as conn:
        assert conn.execute(text("SELECT id, email FROM user_account ORDER BY id")).all() == users
    kept = instance("kept", keyring_from=old)
    out = run(kept, "backup", "restore", "--from", tmp_path / "old", "--no-upgrade")
    assert out.exit_code == 0, out.output
    with kept.extensions["br_engine"].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0011"


# ---------------------------------------------------------------- from one database to the other
@pytest.mark.skipif(TEST_DB == "sqlite", reason="needs PostgreSQL beside SQLite: runs in the PostgreSQL run")
def test_sqlite_and_postgresql_backups_restore_into_each_other(source, instance, tmp_path):
    pg, data = source
    with pg.app_context():
        create_backup(tmp_path / "from-pg")
    lite = instance("lite", kind="sqlite", keyring_from=pg)
    with lite.app_context():
        restore_backup(tmp_path / "from-pg")
    assert dump(lite) == dump(pg)
    r = lite.test_client().get(f"/api/v1/cases/{data['case_id']}", headers=data["headers"])
    assert r.status_code == 200 and r.json["person"]["full_name"] == CANARY_TH
    # ... and back: the SQLite instance (now with its own reads on record) into a new PostgreSQL schema.
    with lite.app_context():
        create_backup(tmp_path / "from-lite")
    back = instance("back", kind="postgresql", keyring_from=lite)
    with back.app_context():
        restore_backup(tmp_path / "from-lite")
    assert dump(back) == dump(lite)


def test_seed_only_instance_backs_up_and_restores(instance, tmp_path):
    """The smallest instance (the demo set, no case yet, no file) round-trips too."""
    src = seed_demo(instance("src", migrated=True))
    with src.app_context():
        made = create_backup(tmp_path / "b")
    assert made.files == 0 and not any((tmp_path / "b" / "attachments").iterdir())
    target = instance("restored", keyring_from=src)
    with target.app_context():
        restore_backup(tmp_path / "b")
    assert dump(target) == dump(src)


# ---------------------------------------------------------------- the formats
CHUNK = backup_services.CHUNK


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5])
def test_parts_of_any_size_round_trip_and_a_cut_one_fails(tmp_path, size):
    key, backup_id = secrets.token_bytes(32), secrets.token_hex(16)
    (tmp_path / "attachments").mkdir()
    data = secrets.token_bytes(size)
    out = backup_services._SealedWriter(tmp_path, "attachments/000001.bin", key, backup_id)
    for i in range(0, size, 300_000):
        out.write(data[i:i + 300_000])
    meta = out.close()
    path = tmp_path / "attachments" / "000001.bin"
    assert meta["size"] == path.stat().st_size
    assert b"".join(backup_services._read_part(tmp_path, "attachments/000001.bin", key, backup_id)) == data
    if size > backup_services.CHUNK:  # drop the last chunk: the one before it was not sealed as the last
        raw = path.read_bytes()
        last_len = size % backup_services.CHUNK + backup_services.TAG + 4
        path.write_bytes(raw[:-last_len])
        with pytest.raises(BackupError, match="does not decrypt"):
            list(backup_services._read_part(tmp_path, "attachments/000001.bin", key, backup_id))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(BackupError, match="does not decrypt"):
        list(backup_services._read_part(tmp_path, "attachments/000001.bin", key, backup_id))


def test_values_round_trip_exactly():
    from datetime import date, datetime, time, timedelta, timezone
    from decimal import Decimal

    bangkok = timezone(timedelta(hours=7))
    values = [None, True, False, 0, -7, 2**40, "ทดสอบ ငှက် ທົດ", "", b"", b"\x00\xff" * 10,
              datetime(2026, 11, 27, 9, 12, 3, 123456, tzinfo=timezone.utc),
              datetime(2019, 9, 24, 13, 5, tzinfo=bangkok), datetime(2020, 1, 1, 0, 0), date(2562 - 543, 9, 24),
              time(13, 5, 1), Decimal("12.50"), 1.25, {"a": [1, "b"]}, [1, 2]]
    for value in values:
        encoded = json.loads(json.dumps(backup_services._encode(value)))
        decoded = backup_services._decode(encoded, None)
        assert decoded == value and type(decoded) is type(value), value
        if isinstance(value, datetime):
            assert decoded.utcoffset() == value.utcoffset()
    with pytest.raises(BackupError):
        backup_services._encode(object())
