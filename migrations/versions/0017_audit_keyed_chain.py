"""Audit chain keyed by the key ring, with signed checkpoints (issue 15)

- `audit_record.key_version`: the version of the key ring's audit key under which the record's hash
  is an HMAC-SHA256. Existing records keep their plain SHA-256 (NULL): the first keyed record links to
  the last of them, so rewriting any of them breaks a link nobody can recompute without the key.
- `audit_checkpoint`: signed statements of the chain's head (also appended to a file outside the
  database).

The column is added in place (no table copy), so the append-only triggers stay. The downgrade
first checks the chain as it stands (and refuses a log that does not verify), then re-chains every
record with plain SHA-256, as the release before computes it (with the triggers lifted
for that and put back), drops the checkpoints, and takes the audit key out of the instance's key ring
(a later upgrade starts a new one from the chain's end).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""
import hashlib
import hmac
import json

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column('audit_record', sa.Column('key_version', sa.Integer(), nullable=True))
    op.create_table('audit_checkpoint',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )


def _triggers(on: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not on:
        if sqlite:
            op.execute("DROP TRIGGER IF EXISTS audit_record_no_update")
            op.execute("DROP TRIGGER IF EXISTS audit_record_no_delete")
        else:
            op.execute("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
    elif sqlite:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_record_no_{event.lower()} BEFORE {event} ON audit_record "
                       "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END")
    else:
        op.execute("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only")


def _body(r, prev) -> dict:
    return {"seq": r["seq"], "at": r["at"].isoformat(timespec="microseconds"), "actor_id": r["actor_id"],
            "actor_centre": r["actor_centre"], "action": r["action"], "target_type": r["target_type"],
            "target_id": r["target_id"], "details": json.loads(r["details"]), "prev_hash": prev}


def _json(body) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def downgrade() -> None:
    conn = op.get_bind()
    records = sa.table('audit_record', sa.column('seq'), sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()),
                       sa.column('actor_id'), sa.column('actor_centre'), sa.column('action'),
                       sa.column('target_type'), sa.column('target_id'), sa.column('details'),
                       sa.column('prev_hash'), sa.column('hash'), sa.column('key_version'))
    rows = conn.execute(sa.select(records).order_by(records.c.seq)).fetchall()
    ring, prev = _keyring(), GENESIS
    keyed_from = min(ring.audit_keys().values(), default=None)
    for row in rows:   # first the chain as it stands: a downgrade must not launder a tampered log
        r = row._mapping
        body = _body(r, r["prev_hash"])
        if r["key_version"] is None:
            digest = hashlib.sha256(_json(body)).hexdigest()
            if keyed_from is not None and r["seq"] >= keyed_from:
                digest = None   # written after the key was made, yet unkeyed: rewritten
        else:
            body["key_version"] = r["key_version"]
            digest = hmac.new(ring.audit_key(r["key_version"]), _json(body), hashlib.sha256).hexdigest()
        if r["prev_hash"] != prev or digest != r["hash"]:
            raise RuntimeError(f"the audit log does not verify at record {r['seq']}: "
                               "re-chaining it for the release before would hide that; restore a backup first")
        prev = r["hash"]
    _triggers(False)
    prev = GENESIS
    for row in rows:
        r = row._mapping
        digest = hashlib.sha256(_json(_body(r, prev))).hexdigest()
        if digest != r["hash"] or r["prev_hash"] != prev:
            conn.execute(records.update().where(records.c.seq == r["seq"]).values(prev_hash=prev, hash=digest))
        prev = digest
    if rows:
        conn.execute(sa.text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": prev})
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_record', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('key_version')
    _triggers(True)
    _keyring().forget_audit_keys()


def _keyring():
    from flask import current_app, has_app_context

    from border_referral.crypto.keyring import KeyRing

    if has_app_context():
        return KeyRing(current_app.config["BORDER_REFERRAL_KEYRING"])
    from border_referral import settings
    return KeyRing(settings.load()["BORDER_REFERRAL_KEYRING"])
