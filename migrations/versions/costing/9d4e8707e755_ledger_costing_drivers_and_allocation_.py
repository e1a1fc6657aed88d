"""ledger costing (全成本核算): allocation drivers and the allocation plan

Revision ID: 9d4e8707e755
Revises: (branch costing; depends on ledger 8c2116fac914)
Create Date: 2026-11-24 02:24:58.164450

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e8707e755'
down_revision = None
branch_labels = ('costing',)
depends_on = '8c2116fac914'


def upgrade():
    op.create_table('cost_allocation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_class', sa.Enum('clinical', 'medical_tech', 'medical_support', 'admin', name='costclass', native_enum=False, length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('base_kind', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_cost_allocation_rule_department_id_department')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_cost_allocation_rule_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_allocation_rule'))
    )
    with op.batch_alter_table('cost_allocation_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_allocation_rule_institution_id'), ['institution_id'], unique=False)
    # one rule per class, and one override per department (NULL department = the class rule)
    op.create_index('uq_cost_allocation_rule', 'cost_allocation_rule',
                    ['institution_id', 'from_class', sa.text('coalesce(department_id, 0)')], unique=True)

    op.create_table('cost_driver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_cost_driver_department_id_department')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_cost_driver_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_driver')),
    sa.UniqueConstraint('institution_id', 'year', 'month', 'department_id', 'kind', name=op.f('uq_cost_driver_institution_id_year_month_department_id_kind'))
    )
    with op.batch_alter_table('cost_driver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_driver_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_driver_institution_id'), ['institution_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cost_driver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_driver_institution_id'))
        batch_op.drop_index(batch_op.f('ix_cost_driver_department_id'))

    op.drop_table('cost_driver')
    op.drop_index('uq_cost_allocation_rule', table_name='cost_allocation_rule')
    with op.batch_alter_table('cost_allocation_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_allocation_rule_institution_id'))

    op.drop_table('cost_allocation_rule')
