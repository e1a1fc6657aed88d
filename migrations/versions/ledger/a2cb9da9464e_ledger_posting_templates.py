"""ledger posting templates (记账模板): per community and source kind, versioned lines of role → account

The shipped defaults (the ledger data file posting_templates.csv) are loaded by the loaders, not here.

Revision ID: a2cb9da9464e
Revises: 8e00e04b1c6d
Create Date: 2026-12-02 09:37:10.105500

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2cb9da9464e'
down_revision = '8e00e04b1c6d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('posting_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_posting_template_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_template')),
    sa.UniqueConstraint('community_id', 'kind', name=op.f('uq_posting_template_community_id_kind'))
    )
    with op.batch_alter_table('posting_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_template_community_id'), ['community_id'], unique=False)

    op.create_table('posting_template_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_posting_template_version_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['template_id'], ['posting_template.id'], name=op.f('fk_posting_template_version_template_id_posting_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_template_version')),
    sa.UniqueConstraint('template_id', 'version', name=op.f('uq_posting_template_version_template_id_version'))
    )
    with op.batch_alter_table('posting_template_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_template_version_template_id'), ['template_id'], unique=False)

    op.create_table('posting_template_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('qualifier', sa.String(length=64), nullable=False),
    sa.Column('account_code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['posting_template_version.id'], name=op.f('fk_posting_template_line_version_id_posting_template_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_template_line')),
    sa.UniqueConstraint('version_id', 'role', 'qualifier', name=op.f('uq_posting_template_line_version_id_role_qualifier'))
    )
    with op.batch_alter_table('posting_template_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_template_line_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('posting_template_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_template_line_version_id'))

    op.drop_table('posting_template_line')
    with op.batch_alter_table('posting_template_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_template_version_template_id'))

    op.drop_table('posting_template_version')
    with op.batch_alter_table('posting_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_template_community_id'))

    op.drop_table('posting_template')
