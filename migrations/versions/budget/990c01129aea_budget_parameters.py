"""budget parameters: the money rules' dated per-community parameters (医保 reserve rate, minimum share,
overspend share, public-health pre-allocation share)

Revision ID: 990c01129aea
Revises: 307710640143
Create Date: 2026-12-02 14:45:31.596284

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '990c01129aea'
down_revision = '307710640143'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_parameter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_budget_parameter_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_parameter')),
    sa.UniqueConstraint('community_id', 'key', 'valid_from', name=op.f('uq_budget_parameter_community_id_key_valid_from'))
    )
    with op.batch_alter_table('budget_parameter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_parameter_community_id'), ['community_id'], unique=False)



def downgrade():
    with op.batch_alter_table('budget_parameter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_parameter_community_id'))

    op.drop_table('budget_parameter')
