"""budget (全面预算, 预算控制, 财政资金, 基本公卫经费, 医保总额预算): budgets, versions, lines, commitments,
actuals, warnings, fund receipts/allocations/positions, public-health funds and the 医保 global budget

Revision ID: 307710640143
Revises: (branch budget; depends on core b7d51e0c2a64 and ledger a2cb9da9464e)
Create Date: 2026-12-02 14:10:21.247662

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '307710640143'
down_revision = None
branch_labels = ('budget',)
depends_on = ('b7d51e0c2a64', 'a2cb9da9464e')


def upgrade():
    op.create_table('budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'executing', 'closed', name='budgetstate', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('version', sa.SmallInteger(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_budget_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_institution_id_institution')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['app_user.id'], name=op.f('fk_budget_prepared_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget')),
    sa.UniqueConstraint('institution_id', 'year', name=op.f('uq_budget_institution_id_year'))
    )
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_institution_id'), ['institution_id'], unique=False)

    op.create_table('fund_position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('funding_source_id', sa.Integer(), nullable=False),
    sa.Column('granted', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['funding_source_id'], ['funding_source.id'], name=op.f('fk_fund_position_funding_source_id_funding_source')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_fund_position_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_position')),
    sa.UniqueConstraint('institution_id', 'funding_source_id', name=op.f('uq_fund_position_institution_id_funding_source_id'))
    )
    with op.batch_alter_table('fund_position', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_position_institution_id'), ['institution_id'], unique=False)

    op.create_table('insurance_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('funding_total', sa.BigInteger(), nullable=False),
    sa.Column('previous_funding_total', sa.BigInteger(), nullable=False),
    sa.Column('serious_illness_fund', sa.BigInteger(), nullable=False),
    sa.Column('share', sa.BigInteger(), nullable=False),
    sa.Column('reserve_rate', sa.BigInteger(), nullable=False),
    sa.Column('overspend_share', sa.BigInteger(), nullable=False),
    sa.Column('risk_reserve', sa.BigInteger(), nullable=False),
    sa.Column('base', sa.BigInteger(), nullable=False),
    sa.Column('community_budget', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=True),
    sa.Column('surplus', sa.BigInteger(), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_insurance_budget_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_insurance_budget_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_budget')),
    sa.UniqueConstraint('community_id', 'year', name=op.f('uq_insurance_budget_community_id_year'))
    )
    with op.batch_alter_table('insurance_budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_budget_community_id'), ['community_id'], unique=False)

    op.create_table('public_health_fund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('per_capita', sa.BigInteger(), nullable=False),
    sa.Column('pre_allocation_share', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('pre_allocation', sa.BigInteger(), nullable=False),
    sa.Column('funding_source_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_public_health_fund_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_public_health_fund_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['funding_source_id'], ['funding_source.id'], name=op.f('fk_public_health_fund_funding_source_id_funding_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_health_fund')),
    sa.UniqueConstraint('community_id', 'year', name=op.f('uq_public_health_fund_community_id_year'))
    )
    with op.batch_alter_table('public_health_fund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_health_fund_community_id'), ['community_id'], unique=False)

    op.create_table('budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('account_code', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('funding_source_id', sa.Integer(), nullable=True),
    sa.Column('control', sa.Enum('stop', 'warn', 'ignore', name='control', native_enum=False, length=8), nullable=False),
    sa.Column('check_period', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('committed', sa.BigInteger(), nullable=False),
    sa.Column('actual', sa.BigInteger(), nullable=False),
    sa.Column('m01', sa.BigInteger(), nullable=False),
    sa.Column('m02', sa.BigInteger(), nullable=False),
    sa.Column('m03', sa.BigInteger(), nullable=False),
    sa.Column('m04', sa.BigInteger(), nullable=False),
    sa.Column('m05', sa.BigInteger(), nullable=False),
    sa.Column('m06', sa.BigInteger(), nullable=False),
    sa.Column('m07', sa.BigInteger(), nullable=False),
    sa.Column('m08', sa.BigInteger(), nullable=False),
    sa.Column('m09', sa.BigInteger(), nullable=False),
    sa.Column('m10', sa.BigInteger(), nullable=False),
    sa.Column('m11', sa.BigInteger(), nullable=False),
    sa.Column('m12', sa.BigInteger(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_budget_line_account_id_account')),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_budget_line_budget_id_budget')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_budget_line_department_id_department')),
    sa.ForeignKeyConstraint(['funding_source_id'], ['funding_source.id'], name=op.f('fk_budget_line_funding_source_id_funding_source')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_line_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line'))
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_line_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index('ix_budget_line_lookup', ['institution_id', 'year', 'account_code'], unique=False)
    # one line per (budget, account, department, source); NULL = every department / source
    op.create_index('uq_budget_line', 'budget_line', ['budget_id', 'account_id', sa.text('coalesce(department_id, 0)'),
                                                      sa.text('coalesce(funding_source_id, 0)')], unique=True)

    op.create_table('budget_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'rejected', name='versionstate', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=512), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_budget_version_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_budget_version_budget_id_budget')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_version_institution_id_institution')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['app_user.id'], name=op.f('fk_budget_version_prepared_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_version')),
    sa.UniqueConstraint('budget_id', 'number', name=op.f('uq_budget_version_budget_id_number'))
    )
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_version_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_version_institution_id'), ['institution_id'], unique=False)

    op.create_table('fund_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('funding_source_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('memo', sa.String(length=256), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('voucher_number', sa.String(length=32), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['funding_source_id'], ['funding_source.id'], name=op.f('fk_fund_receipt_funding_source_id_funding_source')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_fund_receipt_institution_id_institution')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['app_user.id'], name=op.f('fk_fund_receipt_posted_by_id_app_user')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_fund_receipt_user_id_app_user')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_fund_receipt_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_receipt')),
    sa.UniqueConstraint('institution_id', 'number', name=op.f('uq_fund_receipt_institution_id_number'))
    )
    with op.batch_alter_table('fund_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_receipt_funding_source_id'), ['funding_source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_receipt_institution_id'), ['institution_id'], unique=False)

    op.create_table('insurance_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('voucher_number', sa.String(length=32), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['insurance_budget.id'], name=op.f('fk_insurance_allocation_budget_id_insurance_budget')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_insurance_allocation_institution_id_institution')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_insurance_allocation_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_allocation')),
    sa.UniqueConstraint('budget_id', 'institution_id', name=op.f('uq_insurance_allocation_budget_id_institution_id'))
    )
    with op.batch_alter_table('insurance_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_allocation_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insurance_allocation_institution_id'), ['institution_id'], unique=False)

    op.create_table('insurance_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['insurance_budget.id'], name=op.f('fk_insurance_month_budget_id_insurance_budget')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_month')),
    sa.UniqueConstraint('budget_id', 'month', name=op.f('uq_insurance_month_budget_id_month'))
    )
    with op.batch_alter_table('insurance_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_month_budget_id'), ['budget_id'], unique=False)

    op.create_table('budget_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('commitment', 'actual', name='entrykind', native_enum=False, length=16), nullable=False),
    sa.Column('state', sa.Enum('open', 'released', 'consumed', 'posted', name='entrystate', native_enum=False, length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('open_amount', sa.BigInteger(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('voucher_number', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('source_module', sa.String(length=32), nullable=False),
    sa.Column('source_kind', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('source_label', sa.String(length=64), nullable=False),
    sa.Column('source_url', sa.String(length=256), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_entry_institution_id_institution')),
    sa.ForeignKeyConstraint(['line_id'], ['budget_line.id'], name=op.f('fk_budget_entry_line_id_budget_line')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_budget_entry_user_id_app_user')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_budget_entry_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_entry'))
    )
    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_entry_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_entry_line_id'), ['line_id'], unique=False)
        batch_op.create_index('ix_budget_entry_source', ['source_module', 'source_kind', 'source_key'], unique=False)

    op.create_table('budget_version_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('funding_source_id', sa.Integer(), nullable=True),
    sa.Column('control', sa.Enum('stop', 'warn', 'ignore', name='control', native_enum=False, length=8), nullable=False),
    sa.Column('check_period', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=256), nullable=False),
    sa.Column('m01', sa.BigInteger(), nullable=False),
    sa.Column('m02', sa.BigInteger(), nullable=False),
    sa.Column('m03', sa.BigInteger(), nullable=False),
    sa.Column('m04', sa.BigInteger(), nullable=False),
    sa.Column('m05', sa.BigInteger(), nullable=False),
    sa.Column('m06', sa.BigInteger(), nullable=False),
    sa.Column('m07', sa.BigInteger(), nullable=False),
    sa.Column('m08', sa.BigInteger(), nullable=False),
    sa.Column('m09', sa.BigInteger(), nullable=False),
    sa.Column('m10', sa.BigInteger(), nullable=False),
    sa.Column('m11', sa.BigInteger(), nullable=False),
    sa.Column('m12', sa.BigInteger(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_budget_version_line_account_id_account')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_budget_version_line_department_id_department')),
    sa.ForeignKeyConstraint(['funding_source_id'], ['funding_source.id'], name=op.f('fk_budget_version_line_funding_source_id_funding_source')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_version_line_institution_id_institution')),
    sa.ForeignKeyConstraint(['version_id'], ['budget_version.id'], name=op.f('fk_budget_version_line_version_id_budget_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_version_line'))
    )
    with op.batch_alter_table('budget_version_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_version_line_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_version_line_version_id'), ['version_id'], unique=False)
    op.create_index('uq_budget_version_line', 'budget_version_line',
                    ['version_id', 'account_id', sa.text('coalesce(department_id, 0)'),
                     sa.text('coalesce(funding_source_id, 0)')], unique=True)

    op.create_table('fund_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('memo', sa.String(length=256), nullable=False),
    sa.Column('lead_voucher_number', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('voucher_number', sa.String(length=32), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_fund_allocation_institution_id_institution')),
    sa.ForeignKeyConstraint(['receipt_id'], ['fund_receipt.id'], name=op.f('fk_fund_allocation_receipt_id_fund_receipt')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_fund_allocation_user_id_app_user')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_fund_allocation_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_allocation'))
    )
    with op.batch_alter_table('fund_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_allocation_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_allocation_receipt_id'), ['receipt_id'], unique=False)

    op.create_table('budget_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('available', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=512), nullable=False),
    sa.Column('source_label', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['budget_entry.id'], name=op.f('fk_budget_warning_entry_id_budget_entry')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_budget_warning_institution_id_institution')),
    sa.ForeignKeyConstraint(['line_id'], ['budget_line.id'], name=op.f('fk_budget_warning_line_id_budget_line')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_budget_warning_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_warning'))
    )
    with op.batch_alter_table('budget_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_warning_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_warning_line_id'), ['line_id'], unique=False)

    op.create_table('public_health_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('basis', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['fund_allocation.id'], name=op.f('fk_public_health_share_allocation_id_fund_allocation')),
    sa.ForeignKeyConstraint(['fund_id'], ['public_health_fund.id'], name=op.f('fk_public_health_share_fund_id_public_health_fund')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_public_health_share_institution_id_institution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_health_share')),
    sa.UniqueConstraint('fund_id', 'stage', 'institution_id', name=op.f('uq_public_health_share_fund_id_stage_institution_id'))
    )
    with op.batch_alter_table('public_health_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_health_share_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_health_share_institution_id'), ['institution_id'], unique=False)



def downgrade():
    with op.batch_alter_table('public_health_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_health_share_institution_id'))
        batch_op.drop_index(batch_op.f('ix_public_health_share_fund_id'))

    op.drop_table('public_health_share')
    with op.batch_alter_table('budget_warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_warning_line_id'))
        batch_op.drop_index(batch_op.f('ix_budget_warning_institution_id'))

    op.drop_table('budget_warning')
    with op.batch_alter_table('fund_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_allocation_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_fund_allocation_institution_id'))

    op.drop_table('fund_allocation')
    with op.batch_alter_table('budget_version_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_version_line_version_id'))
        batch_op.drop_index(batch_op.f('ix_budget_version_line_institution_id'))

    op.drop_index('uq_budget_version_line', table_name='budget_version_line')
    op.drop_table('budget_version_line')
    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_entry_source')
        batch_op.drop_index(batch_op.f('ix_budget_entry_line_id'))
        batch_op.drop_index(batch_op.f('ix_budget_entry_institution_id'))

    op.drop_table('budget_entry')
    with op.batch_alter_table('insurance_month', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insurance_month_budget_id'))

    op.drop_table('insurance_month')
    with op.batch_alter_table('insurance_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insurance_allocation_institution_id'))
        batch_op.drop_index(batch_op.f('ix_insurance_allocation_budget_id'))

    op.drop_table('insurance_allocation')
    with op.batch_alter_table('fund_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_receipt_institution_id'))
        batch_op.drop_index(batch_op.f('ix_fund_receipt_funding_source_id'))

    op.drop_table('fund_receipt')
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_version_institution_id'))
        batch_op.drop_index(batch_op.f('ix_budget_version_budget_id'))

    op.drop_table('budget_version')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_line_lookup')
        batch_op.drop_index(batch_op.f('ix_budget_line_institution_id'))
        batch_op.drop_index(batch_op.f('ix_budget_line_budget_id'))

    op.drop_index('uq_budget_line', table_name='budget_line')
    op.drop_table('budget_line')
    with op.batch_alter_table('public_health_fund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_health_fund_community_id'))

    op.drop_table('public_health_fund')
    with op.batch_alter_table('insurance_budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insurance_budget_community_id'))

    op.drop_table('insurance_budget')
    with op.batch_alter_table('fund_position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_position_institution_id'))

    op.drop_table('fund_position')
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_institution_id'))

    op.drop_table('budget')
