"""notifications become a shared part: a notice names its record by subject and id

Before, a notice had one column per feature (referral_id with a foreign key, plan_id without);
each new feature would have added another. Now a notice says what kind of record it is about
(`subject`, as the feature registered it) and its id. Existing notices keep their links.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    op.execute("UPDATE notification SET subject = 'referral', subject_id = referral_id WHERE referral_id IS NOT NULL")
    op.execute("UPDATE notification SET subject = 'repatriation_plan', subject_id = plan_id "
               "WHERE referral_id IS NULL AND plan_id IS NOT NULL")
    # A notice that named no record (none were written that way) would have no link: keep it, marked.
    op.execute("UPDATE notification SET subject = 'none', subject_id = '' WHERE subject IS NULL")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('subject', existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.alter_column('subject_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False)
        batch_op.drop_column('plan_id')
        batch_op.drop_column('referral_id')


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.create_foreign_key('fk_notification_referral_id', 'referral', ['referral_id'], ['id'])
    op.execute("UPDATE notification SET referral_id = subject_id WHERE subject = 'referral'")
    op.execute("UPDATE notification SET plan_id = subject_id WHERE subject = 'repatriation_plan'")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject')
