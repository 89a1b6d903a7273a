"""network governance: partnership proposals approved by every member centre; crossings per border

A partnership's membership is no longer changed by any centre's administrator: a change is
proposed and takes effect when an administrator of every member centre has approved it
(`partnership_proposal`, `partnership_approval`). A crossing point now names the two countries
of its border (`country_a`, `country_b`); the known crossings of the network are filled in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The crossings of the network as released with 0007, and the border each is on.
KNOWN_BORDERS = {
    'MSI-TCL': ('TH', 'MM'),
    'MST-MWD': ('TH', 'MM'),
    'CKG-HXY': ('TH', 'LA'),
    'RNG-KTG': ('TH', 'MM'),
}


def upgrade() -> None:
    with op.batch_alter_table('crossing_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country_a', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('country_b', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
    crossing = sa.table('crossing_point', sa.column('code', sa.String), sa.column('country_a', sa.String),
                        sa.column('country_b', sa.String))
    for code, (a, b) in KNOWN_BORDERS.items():
        op.execute(crossing.update().where(crossing.c.code == code).values(country_a=a, country_b=b))

    op.create_table('partnership_proposal',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('members', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('previous_members', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('proposed_by_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('proposed_by_centre_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_centre_id'], ['centre.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partnership_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_proposal_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnership_proposal_state'), ['state'], unique=False)

    op.create_table('partnership_approval',
    sa.Column('proposal_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['partnership_proposal.id'], ),
    sa.PrimaryKeyConstraint('proposal_id', 'centre_id')
    )


def downgrade() -> None:
    op.drop_table('partnership_approval')
    with op.batch_alter_table('partnership_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_partnership_proposal_partnership_id'))
    op.drop_table('partnership_proposal')
    with op.batch_alter_table('crossing_point', schema=None) as batch_op:
        batch_op.drop_column('country_b')
        batch_op.drop_column('country_a')
