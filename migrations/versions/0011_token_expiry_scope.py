"""API tokens expire and have a scope (read or read-write)

Tokens made before this migration never expired: they now expire 90 days from the migration (the
default lifetime) and keep full (read-write) access, so no script stops working today.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    until = datetime.now(timezone.utc) + timedelta(days=90)
    tokens = sa.table('api_token', sa.column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                      sa.column('scope', sa.String()))
    op.execute(tokens.update().values(expires_at=until, scope='write'))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.alter_column('scope', existing_type=sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')
