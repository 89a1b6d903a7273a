"""Drop `user_account.session_nonce`, unread since 0013

Sessions are rows of `user_session` since release 0013 (one per browser, ended one by one or all at
once); the per-user nonce that the cookies of earlier releases carried has not been read since, and a
cookie of that form is refused. The downgrade gives every account a fresh nonce: the sessions of the
release before then start again from a sign-in, as after a password change.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""
import uuid

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    conn = op.get_bind()
    users = sa.table('user_account', sa.column('id'), sa.column('session_nonce'))
    for (user_id,) in conn.execute(sa.select(users.c.id)).fetchall():
        conn.execute(users.update().where(users.c.id == user_id).values(session_nonce=str(uuid.uuid4())))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_nonce', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36),
                              nullable=False)
