"""core: a background job's progress message (已生成 1200 / 5000 份工资条)

Revision ID: a9c3e5f71b28
Revises: 5b0e7a3c9d14
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a9c3e5f71b28'
down_revision = '5b0e7a3c9d14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('message')
