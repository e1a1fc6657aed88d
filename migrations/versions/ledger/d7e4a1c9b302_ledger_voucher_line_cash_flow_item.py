"""ledger: a voucher line on a cash account may carry its 现金流量项目 (cash_flow_item) for the 现金流量表

Nullable: lines without it (all lines written before) get the item from the voucher's counter-account when the
statement is made. The PostgreSQL immutability triggers guard whole rows, so the new column is covered as is.

Revision ID: d7e4a1c9b302
Revises: 3b1aad68db6f
Create Date: 2026-12-02 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7e4a1c9b302'
down_revision = '3b1aad68db6f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voucher_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cash_flow_item', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('voucher_line', schema=None) as batch_op:
        batch_op.drop_column('cash_flow_item')
