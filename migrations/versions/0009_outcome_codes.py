"""outcome codes up to 32 characters

The Thai MDT outcome "forced_labour_or_services" (Act s.6/1, from the TH jurisdiction profile) is 25
characters; the screening's and the decision's outcome and a referral's identification status held
16. Widening keeps every existing value as it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""
from alembic import op
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = [("screening", "outcome", True), ("screening_decision", "outcome", False),
           ("referral", "identification_status", True)]


def upgrade() -> None:
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.AutoString(length=16),
                                  type_=sqlmodel.sql.sqltypes.AutoString(length=32), existing_nullable=nullable)


def downgrade() -> None:
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
                                  type_=sqlmodel.sql.sqltypes.AutoString(length=16), existing_nullable=nullable)
