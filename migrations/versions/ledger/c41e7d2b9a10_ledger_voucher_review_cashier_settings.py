"""ledger 制单 → 审核 → 记账: the voucher's reviewer and cashier (出纳签字), the community's workflow settings

The voucher state gains ``reviewed`` (a plain string column: no type change). Negative amounts (红字冲销
lines) need no change: no constraint forbids them. The PostgreSQL immutability triggers guard whole rows,
so the new voucher columns are covered as they are.

Revision ID: c41e7d2b9a10
Revises: a2cb9da9464e
Create Date: 2026-12-02 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41e7d2b9a10'
down_revision = 'a2cb9da9464e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_settings',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('poster_may_review', sa.Boolean(), nullable=False),
    sa.Column('cashier_sign', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_ledger_settings_community_id_community')),
    sa.PrimaryKeyConstraint('community_id', name=op.f('pk_ledger_settings'))
    )
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cashier_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cashier_signed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_voucher_reviewer_id_app_user'), 'app_user', ['reviewer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_voucher_cashier_id_app_user'), 'app_user', ['cashier_id'], ['id'])


def downgrade():
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_voucher_cashier_id_app_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_voucher_reviewer_id_app_user'), type_='foreignkey')
        batch_op.drop_column('cashier_signed_at')
        batch_op.drop_column('cashier_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewer_id')
    op.drop_table('ledger_settings')
