"""A stamp that says when reference data changed (issue 15)

Each process keeps the centres, crossings, partnerships and countries in memory and reads them
again only when this stamp has changed (border_referral/centres/cache.py). Every later migration
that writes those tables must give the stamp a new value.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27
"""
import secrets

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'reference_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'stamp': secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table('reference_stamp')
