"""payroll: employee payroll profiles (1:1 with core employee) and 专项附加扣除, versioned parameter tables and
salary rules, monthly runs, pay slips (lines as JSON) and monthly inputs. A regular slip per employee and month
at most once (unique employee_id, regular_period).

Revision ID: 84f7970b5934
Revises:
Create Date: 2026-12-02 14:05:35.691609

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '84f7970b5934'
down_revision = None
branch_labels = ('payroll',)
depends_on = ('b7d51e0c2a64', 'a2cb9da9464e')


def upgrade():
    op.create_table('payroll_parameter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_payroll_parameter_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_payroll_parameter_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_parameter')),
    sa.UniqueConstraint('community_id', 'code', 'effective_from', name=op.f('uq_payroll_parameter_community_id_code_effective_from')),
    sa.UniqueConstraint('community_id', 'code', 'version', name=op.f('uq_payroll_parameter_community_id_code_version'))
    )
    with op.batch_alter_table('payroll_parameter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_parameter_community_id'), ['community_id'], unique=False)

    op.create_table('payroll_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.Enum('regular', 'adjustment', name='runkind', native_enum=False, length=32), nullable=False),
    sa.Column('community_wide', sa.Boolean(), nullable=False),
    sa.Column('adjusts_run_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'computed', 'approved', 'posted', 'paid', name='runstate', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('versions', sa.JSON(), nullable=False),
    sa.Column('employee_ids', sa.JSON(), nullable=False),
    sa.Column('slip_count', sa.Integer(), nullable=False),
    sa.Column('gross_total', sa.BigInteger(), nullable=False),
    sa.Column('deduction_total', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('net_total', sa.BigInteger(), nullable=False),
    sa.Column('employer_total', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['adjusts_run_id'], ['payroll_run.id'], name=op.f('fk_payroll_run_adjusts_run_id_payroll_run')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_payroll_run_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['computed_by_id'], ['app_user.id'], name=op.f('fk_payroll_run_computed_by_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_payroll_run_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_run_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_run')),
    sa.UniqueConstraint('institution_id', 'number', name=op.f('uq_payroll_run_institution_id_number'))
    )
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_run_institution_id'), ['institution_id'], unique=False)

    op.create_table('payroll_salary_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('category', sa.Enum('post_wage', 'grade_wage', 'basic_performance', 'reward_performance', 'allowance', 'personal_deduction', 'employer_contribution', 'income_tax', name='rulecategory', native_enum=False, length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('condition', sa.Text(), nullable=False),
    sa.Column('amount', sa.Text(), nullable=False),
    sa.Column('references', sa.JSON(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_payroll_salary_rule_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_payroll_salary_rule_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_salary_rule')),
    sa.UniqueConstraint('community_id', 'code', 'effective_from', name=op.f('uq_payroll_salary_rule_community_id_code_effective_from')),
    sa.UniqueConstraint('community_id', 'code', 'version', name=op.f('uq_payroll_salary_rule_community_id_code_version'))
    )
    with op.batch_alter_table('payroll_salary_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_salary_rule_community_id'), ['community_id'], unique=False)

    op.create_table('payroll_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_input_employee_id_employee')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_input_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_input')),
    sa.UniqueConstraint('employee_id', 'year', 'month', 'code', name=op.f('uq_payroll_input_employee_id_year_month_code'))
    )
    with op.batch_alter_table('payroll_input', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_input_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_input_institution_id'), ['institution_id'], unique=False)

    op.create_table('payroll_payslip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('regular_period', sa.Integer(), nullable=True),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('personal_deductions', sa.BigInteger(), nullable=False),
    sa.Column('income_tax', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('employer_contributions', sa.BigInteger(), nullable=False),
    sa.Column('taxable_wages', sa.BigInteger(), nullable=False),
    sa.Column('special_deduction', sa.BigInteger(), nullable=False),
    sa.Column('additional_deduction', sa.BigInteger(), nullable=False),
    sa.Column('other_deduction', sa.BigInteger(), nullable=False),
    sa.Column('wage_tax', sa.BigInteger(), nullable=False),
    sa.Column('tax_months', sa.SmallInteger(), nullable=False),
    sa.Column('annual_bonus', sa.BigInteger(), nullable=False),
    sa.Column('bonus_separate', sa.Boolean(), nullable=False),
    sa.Column('bonus_tax_separate', sa.BigInteger(), nullable=False),
    sa.Column('bonus_tax_merged', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_payroll_payslip_department_id_department')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_payslip_employee_id_employee')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_payslip_institution_id_institution')),
    sa.ForeignKeyConstraint(['run_id'], ['payroll_run.id'], name=op.f('fk_payroll_payslip_run_id_payroll_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_payslip')),
    sa.UniqueConstraint('employee_id', 'regular_period', name='uq_payroll_payslip_regular_month'),
    sa.UniqueConstraint('run_id', 'employee_id', name=op.f('uq_payroll_payslip_run_id_employee_id'))
    )
    with op.batch_alter_table('payroll_payslip', schema=None) as batch_op:
        batch_op.create_index('ix_payroll_payslip_employee_year', ['employee_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_payslip_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_payslip_run_id'), ['run_id'], unique=False)

    op.create_table('payroll_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('post', sa.String(length=32), nullable=False),
    sa.Column('grade', sa.SmallInteger(), nullable=False),
    sa.Column('staff_category', sa.Enum('doctor', 'nurse', 'technician', 'pharmacist', 'management', 'worker', name='staffcategory', native_enum=False, length=32), nullable=False),
    sa.Column('general_practitioner', sa.Boolean(), nullable=False),
    sa.Column('public_health', sa.Boolean(), nullable=False),
    sa.Column('establishment', sa.Enum('bianzhi', 'beian', 'contract', 'dispatch', name='establishment', native_enum=False, length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('bank_name', sa.String(length=64), nullable=False),
    sa.Column('bank_account', sa.String(length=32), nullable=False),
    sa.Column('insurance_base', sa.BigInteger(), nullable=True),
    sa.Column('housing_fund_base', sa.BigInteger(), nullable=True),
    sa.Column('hire_date', sa.Date(), nullable=False),
    sa.Column('leave_date', sa.Date(), nullable=True),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_payroll_profile_department_id_department')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_profile_employee_id_employee')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_profile_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_profile')),
    sa.UniqueConstraint('employee_id', name=op.f('uq_payroll_profile_employee_id')),
    sa.UniqueConstraint('id_number', name=op.f('uq_payroll_profile_id_number'))
    )
    with op.batch_alter_table('payroll_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_profile_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_profile_institution_id'), ['institution_id'], unique=False)

    op.create_table('payroll_special_deduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_payroll_special_deduction_institution_id_institution')),
    sa.ForeignKeyConstraint(['profile_id'], ['payroll_profile.id'], name=op.f('fk_payroll_special_deduction_profile_id_payroll_profile')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_special_deduction'))
    )
    with op.batch_alter_table('payroll_special_deduction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_special_deduction_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_special_deduction_profile_id'), ['profile_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payroll_special_deduction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_special_deduction_profile_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_special_deduction_institution_id'))

    op.drop_table('payroll_special_deduction')
    with op.batch_alter_table('payroll_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_profile_institution_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_profile_department_id'))

    op.drop_table('payroll_profile')
    with op.batch_alter_table('payroll_payslip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_payslip_run_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_payslip_institution_id'))
        batch_op.drop_index('ix_payroll_payslip_employee_year')

    op.drop_table('payroll_payslip')
    with op.batch_alter_table('payroll_input', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_input_institution_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_input_employee_id'))

    op.drop_table('payroll_input')
    with op.batch_alter_table('payroll_salary_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_salary_rule_community_id'))

    op.drop_table('payroll_salary_rule')
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_run_institution_id'))

    op.drop_table('payroll_run')
    with op.batch_alter_table('payroll_parameter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_parameter_community_id'))

    op.drop_table('payroll_parameter')
