"""ledger document door: voucher source, template version, ledger_document

The voucher's source document (module, kind, key, label, url) and posting-template version, and one
lock row per posted document. The PostgreSQL immutability triggers guard whole rows (no column list):
the new voucher columns are covered without changing them.

Revision ID: 8e00e04b1c6d
Revises: 8c2116fac914
Create Date: 2026-12-02 09:36:46.345343

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e00e04b1c6d'
down_revision = '8c2116fac914'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_ledger_document_community_id_community')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_ledger_document_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_document')),
    sa.UniqueConstraint('community_id', 'module', 'kind', 'key', name=op.f('uq_ledger_document_community_id_module_kind_key'))
    )
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_module', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('source_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('source_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_label', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_url', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('template_version', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_column('template_version')
        batch_op.drop_column('source_url')
        batch_op.drop_column('source_label')
        batch_op.drop_column('source_key')
        batch_op.drop_column('source_kind')
        batch_op.drop_column('source_module')

    op.drop_table('ledger_document')
