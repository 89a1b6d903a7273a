"""the chair of a meeting

A meeting records who chairs it (name and centre), printed in the header of the minutes (Thai
official form: ประธาน). Existing meetings get their host centre as the chair's centre (the default)
and no name.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chair_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('chair_centre_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_meeting_chair_centre_id', 'centre', ['chair_centre_id'], ['id'])
    op.execute("UPDATE meeting SET chair_centre_id = host_centre_id WHERE chair_centre_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint('fk_meeting_chair_centre_id', type_='foreignkey')
        batch_op.drop_column('chair_centre_id')
        batch_op.drop_column('chair_name')
