"""Meeting records sealed at rest (issue 14): agendas, minutes, participants and actions

Every text of a meeting's records becomes ciphertext under a data key of its own per meeting, wrapped
by the host centre's KEK (crypto.at_rest; the formats are those of crypto.envelope, restated here so
that this migration keeps working whatever the code becomes):

- meeting: chair_name, venue, arising (the matters arising as they stood when the agenda closed)
- agenda_item: title, description, translations, references
- meeting_participant: name, position, agency (and `uid`, the row's name in the associated data)
- meeting_minutes: others_attending, recorder, checker, items, corrections
- meeting_action: title, updates

Each table gains `key_id`. Existing rows are sealed here, with the key ring of the instance being
migrated (a new centre KEK is made if the ring has none for a host centre, as the app would). The
downgrade opens them again into text columns.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""
import json
import os
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import sqlmodel
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# table: (the column naming the row in the associated data, {field: (text length before, nullable)})
SEALED = {
    'meeting': ('id', {'chair_name': (200, True), 'venue': (300, False), 'arising': (20000, True)}),
    'agenda_item': ('id', {'title': (500, False), 'description': (5000, False), 'translations': (20000, False),
                           'references': (1000, False)}),
    'meeting_participant': ('uid', {'name': (200, False), 'position': (200, False), 'agency': (200, False)}),
    'meeting_minutes': ('meeting_id', {'others_attending': (2000, False), 'recorder': (200, False),
                                       'checker': (200, False), 'items': (200000, False),
                                       'corrections': (50000, False)}),
    'meeting_action': ('id', {'title': (1000, False), 'updates': (50000, False)}),
}
NONCE = 12
FORMAT = b"\x01"


def _keyring():
    from flask import current_app, has_app_context

    from border_referral.crypto.keyring import KeyRing

    if has_app_context():
        return KeyRing(current_app.config["BORDER_REFERRAL_KEYRING"])
    from border_referral import settings
    return KeyRing(settings.load()["BORDER_REFERRAL_KEYRING"])


def _row_key(table: str) -> str:
    return SEALED[table][0]


def _tables():
    out = {}
    for name, (ident, fields) in SEALED.items():
        cols = [sa.column(ident), sa.column('key_id')]
        if ident != 'meeting_id' and name != 'meeting':
            cols.append(sa.column('meeting_id'))
        cols += [sa.column(f, sa.String) for f in fields] + [sa.column(f'{f}_x', sa.LargeBinary) for f in fields]
        out[name] = sa.table(name, *cols)
    return out


def upgrade() -> None:
    for name, (ident, fields) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
            if name == 'meeting_participant':
                batch_op.add_column(sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
            for f in fields:
                batch_op.add_column(sa.Column(f'{f}_x', sa.LargeBinary(), nullable=True))

    conn = op.get_bind()
    participants = sa.table('meeting_participant', sa.column('id'), sa.column('uid'))
    for (pid,) in conn.execute(sa.select(participants.c.id)).fetchall():
        conn.execute(participants.update().where(participants.c.id == pid).values(uid=str(uuid.uuid4())))
    _seal_all(conn)

    for name, (ident, fields) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for f, (_length, nullable) in fields.items():
                batch_op.drop_column(f)
                batch_op.alter_column(f'{f}_x', new_column_name=f, existing_type=sa.LargeBinary(),
                                      nullable=nullable)
            if name == 'meeting_participant':
                batch_op.alter_column('uid', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36),
                                      nullable=False)
            batch_op.create_foreign_key(f'fk_{name}_key_id', 'data_key', ['key_id'], ['id'])


def _seal_all(conn) -> None:
    tables = _tables()
    meetings = conn.execute(sa.text("SELECT m.id, c.code FROM meeting m JOIN centre c ON c.id = m.host_centre_id")).fetchall()
    if not meetings:
        return
    ring = _keyring()
    data_key = sa.table('data_key', sa.column('id'), sa.column('centre_code'), sa.column('kek_version'),
                        sa.column('wrapped', sa.LargeBinary), sa.column('created_at', sa.DateTime))
    for meeting_id, code in meetings:
        ring.ensure_centre(code)
        version = ring.active_version(code)
        key_id, dek = str(uuid.uuid4()), AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        wrapped = nonce + AESGCM(ring.kek(code, version)).encrypt(nonce, dek, f"dek|{key_id}|{code}|{version}".encode())
        conn.execute(data_key.insert().values(id=key_id, centre_code=code, kek_version=version, wrapped=wrapped,
                                              created_at=datetime.now(timezone.utc).replace(tzinfo=None)))
        for name, t in tables.items():
            ident, fields = SEALED[name]
            where = (t.c.id == meeting_id) if name == 'meeting' else (t.c.meeting_id == meeting_id)
            for row in conn.execute(sa.select(t.c[ident], *[t.c[f] for f in fields]).where(where)).fetchall():
                values = {'key_id': key_id}
                for f in fields:
                    value = row._mapping[f]
                    values[f'{f}_x'] = None if value is None else _seal(dek, value, name, row._mapping[ident], f, key_id)
                conn.execute(t.update().where(t.c[ident] == row._mapping[ident]).values(**values))


def _aad(table, ident, field, key_id) -> bytes:
    return f"{table}|{ident}|{field}|{key_id}".encode()


def _seal(dek, value, table, ident, field, key_id) -> bytes:
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE)
    return FORMAT + nonce + AESGCM(dek).encrypt(nonce, raw, _aad(table, ident, field, key_id))


def _open(dek, sealed, table, ident, field, key_id):
    sealed = bytes(sealed)
    return json.loads(AESGCM(dek).decrypt(sealed[1:1 + NONCE], sealed[1 + NONCE:], _aad(table, ident, field, key_id)))


def downgrade() -> None:
    for name, (ident, fields) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{name}_key_id', type_='foreignkey')
            for f in fields:
                batch_op.alter_column(f, new_column_name=f'{f}_x', existing_type=sa.LargeBinary())
        with op.batch_alter_table(name, schema=None) as batch_op:
            for f, (length, _nullable) in fields.items():
                batch_op.add_column(sa.Column(f, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True))

    conn = op.get_bind()
    tables = _tables()
    keys = sa.table('data_key', sa.column('id'), sa.column('centre_code'), sa.column('kek_version'),
                    sa.column('wrapped', sa.LargeBinary))
    ring, deks, used = None, {}, set()
    for name, t in tables.items():
        ident, fields = SEALED[name]
        for row in conn.execute(sa.select(t.c[ident], t.c.key_id, *[t.c[f'{f}_x'] for f in fields])).fetchall():
            key_id = row._mapping['key_id']
            if key_id not in deks:
                ring = ring or _keyring()
                k = conn.execute(sa.select(keys).where(keys.c.id == key_id)).first()
                wrapped = bytes(k.wrapped)
                deks[key_id] = AESGCM(ring.kek(k.centre_code, k.kek_version)).decrypt(
                    wrapped[:NONCE], wrapped[NONCE:], f"dek|{k.id}|{k.centre_code}|{k.kek_version}".encode())
                used.add(key_id)
            values = {}
            for f in fields:
                sealed = row._mapping[f'{f}_x']
                values[f] = None if sealed is None else _open(deks[key_id], sealed, name, row._mapping[ident], f, key_id)
            conn.execute(t.update().where(t.c[ident] == row._mapping[ident]).values(**values))

    for name, (ident, fields) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for f, (length, nullable) in fields.items():
                batch_op.drop_column(f'{f}_x')
                batch_op.alter_column(f, existing_type=sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)
            batch_op.drop_column('key_id')
            if name == 'meeting_participant':
                batch_op.drop_column('uid')
    for key_id in used:
        conn.execute(keys.delete().where(keys.c.id == key_id))
