"""payroll: opening figures, dean salary approval, pool preparer, ID number unique per community

Revision ID: ae13fd8befaf
Revises: 6a38f0ade5d7
Create Date: 2026-12-02 17:15:27.504180

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ae13fd8befaf'
down_revision = '6a38f0ade5d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payroll_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('through_month', sa.SmallInteger(), nullable=False),
    sa.Column('months', sa.SmallInteger(), nullable=False),
    sa.Column('income', sa.BigInteger(), nullable=False),
    sa.Column('special_deduction', sa.BigInteger(), nullable=False),
    sa.Column('additional_deduction', sa.BigInteger(), nullable=False),
    sa.Column('other_deduction', sa.BigInteger(), nullable=False),
    sa.Column('tax_withheld', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_payroll_opening_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_opening_employee_id_employee')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_opening_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_opening')),
    sa.UniqueConstraint('employee_id', 'year', name=op.f('uq_payroll_opening_employee_id_year'))
    )
    with op.batch_alter_table('payroll_opening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_opening_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_opening_institution_id'), ['institution_id'], unique=False)

    with op.batch_alter_table('payroll_dean_salary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payroll_dean_salary_approved_by_id_app_user'), 'app_user', ['approved_by_id'], ['id'])

    with op.batch_alter_table('payroll_performance_pool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('computed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payroll_performance_pool_computed_by_id_app_user'), 'app_user', ['computed_by_id'], ['id'])

    # the profile's community (an ID number is unique within it): the institution's, filled in before NOT NULL
    with op.batch_alter_table('payroll_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
    op.execute("UPDATE payroll_profile SET community_id = (SELECT institution.community_id FROM institution "
               "WHERE institution.id = payroll_profile.institution_id)")
    with op.batch_alter_table('payroll_profile', schema=None) as batch_op:
        batch_op.alter_column('community_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_payroll_profile_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payroll_profile_community_id_id_number'), ['community_id', 'id_number'])
        batch_op.create_foreign_key(batch_op.f('fk_payroll_profile_community_id_community'), 'community', ['community_id'], ['id'])



def downgrade():
    with op.batch_alter_table('payroll_profile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payroll_profile_community_id_community'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_payroll_profile_community_id_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payroll_profile_id_number'), ['id_number'])
        batch_op.drop_column('community_id')

    with op.batch_alter_table('payroll_performance_pool', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payroll_performance_pool_computed_by_id_app_user'), type_='foreignkey')
        batch_op.drop_column('computed_by_id')

    with op.batch_alter_table('payroll_dean_salary', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payroll_dean_salary_approved_by_id_app_user'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')

    with op.batch_alter_table('payroll_opening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_opening_institution_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_opening_employee_id'))

    op.drop_table('payroll_opening')
