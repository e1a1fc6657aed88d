"""core: sign-in hardening (failed sign-ins per source address, a session generation per user)

Revision ID: b7d51e0c2a64
Revises: 3f7a1c2d9b40
Create Date: 2026-12-02 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d51e0c2a64'
down_revision = '3f7a1c2d9b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    op.drop_table('login_throttle')
