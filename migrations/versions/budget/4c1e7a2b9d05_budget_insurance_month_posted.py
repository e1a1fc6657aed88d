"""budget: a 医保 monthly settlement is posted (its voucher and date)

Revision ID: 4c1e7a2b9d05
Revises: 990c01129aea
Create Date: 2026-12-02 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c1e7a2b9d05'
down_revision = '990c01129aea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('insurance_month', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('voucher_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('voucher_number', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_insurance_month_voucher_id_voucher'), 'voucher', ['voucher_id'], ['id'])


def downgrade():
    with op.batch_alter_table('insurance_month', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_insurance_month_voucher_id_voucher'), type_='foreignkey')
        batch_op.drop_column('voucher_number')
        batch_op.drop_column('voucher_id')
        batch_op.drop_column('date')
