"""The coded legal ground of a referral, readable by both sides (issue 16)

The receiving centre never saw the legal ground a referral was sent under: it was kept only as the
sender's free text, sealed on the sender's side (it may name a guardian). The ground chosen from the
sender's jurisdiction profile is a code of law, not personal data: it is kept in the clear so the
receiver reads it too. Referrals made before have none: their page says the ground is with the
sending centre.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_ground_code', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('legal_ground_code')
