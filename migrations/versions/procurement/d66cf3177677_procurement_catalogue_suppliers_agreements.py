"""procurement master data and pricing: catalogue, formularies, suppliers, price agreements, parameters, selling
prices, and on PostgreSQL the 零差率 trigger (a marked-up price is refused even from raw SQL)

Revision ID: d66cf3177677
Revises: (branch procurement; depends on core b7d51e0c2a64 and ledger a2cb9da9464e)
Create Date: 2026-12-02 14:05:18.677618

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd66cf3177677'
down_revision = None
branch_labels = ('procurement',)
depends_on = ('b7d51e0c2a64', 'a2cb9da9464e')

# 零差率 on PostgreSQL, for any table holding an item's cost and price per package (both UnitPrice: 6 places):
#   CREATE TRIGGER … BEFORE INSERT OR UPDATE ON t FOR EACH ROW
#       EXECUTE FUNCTION procurement_zero_markup_guard('item_id', 'cost column', 'price column');
# A drug or consumable's price must equal its cost; a 中药饮片's may exceed it by the community's
# herbal_markup_cap at most (inclusive). Columns are read through to_jsonb(NEW) so one function serves
# every table (the selling prices here, the stock batches of the documents).
POSTGRES_TRIGGERS = """
CREATE OR REPLACE FUNCTION procurement_zero_markup_guard() RETURNS trigger AS $$
DECLARE
    new_row jsonb := to_jsonb(NEW);
    the_item bigint := (new_row ->> TG_ARGV[0])::bigint;
    cost numeric := (new_row ->> TG_ARGV[1])::numeric;
    price numeric := (new_row ->> TG_ARGV[2])::numeric;
    item_category text;
    item_code text;
    cap numeric;
BEGIN
    IF cost IS NULL OR price IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT i.category, i.code, coalesce(s.herbal_markup_cap, 2500) INTO item_category, item_code, cap
      FROM catalogue_item i LEFT JOIN procurement_settings s ON s.community_id = i.community_id
     WHERE i.id = the_item;
    IF item_category = 'herbal' THEN
        IF price * 10000 > cost * (10000 + cap) THEN
            RAISE EXCEPTION 'zero_markup: % price % above cost % with cap %', item_code, round(price / 1000000, 4),
                round(cost / 1000000, 4), round(cap / 10000, 4) USING ERRCODE = 'check_violation';
        END IF;
    ELSIF price <> cost THEN
        RAISE EXCEPTION 'zero_markup: % price % differs from cost %', item_code, round(price / 1000000, 4),
            round(cost / 1000000, 4) USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER selling_price_zero_markup BEFORE INSERT OR UPDATE ON selling_price
    FOR EACH ROW EXECUTE FUNCTION procurement_zero_markup_guard('item_id', 'cost_price', 'price');
"""

DROP_POSTGRES_TRIGGERS = """
DROP TRIGGER IF EXISTS selling_price_zero_markup ON selling_price;
DROP FUNCTION IF EXISTS procurement_zero_markup_guard();
"""


def upgrade():
    op.create_table('catalogue_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.Enum('drug', 'consumable', 'herbal', name='itemcategory', native_enum=False, length=16), nullable=False),
    sa.Column('kind', sa.Enum('western_drug', 'chinese_patent', 'herbal', 'consumable', name='itemkind', native_enum=False, length=16), nullable=False),
    sa.Column('generic_name', sa.String(length=128), nullable=False),
    sa.Column('trade_name', sa.String(length=128), nullable=False),
    sa.Column('dosage_form', sa.String(length=64), nullable=False),
    sa.Column('specification', sa.String(length=128), nullable=False),
    sa.Column('package_unit', sa.String(length=16), nullable=False),
    sa.Column('min_unit', sa.String(length=16), nullable=False),
    sa.Column('units_per_package', sa.Integer(), nullable=False),
    sa.Column('manufacturer', sa.String(length=128), nullable=False),
    sa.Column('approval_number', sa.String(length=64), nullable=False),
    sa.Column('vbp', sa.Boolean(), nullable=False),
    sa.Column('negotiated', sa.Boolean(), nullable=False),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('insurance_a', sa.Boolean(), nullable=False),
    sa.Column('insurance_b', sa.Boolean(), nullable=False),
    sa.Column('consistency', sa.Boolean(), nullable=False),
    sa.Column('high_value', sa.Boolean(), nullable=False),
    sa.Column('shortage', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('code_warning', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('NOT (insurance_a AND insurance_b)', name=op.f('ck_catalogue_item_insurance_class_single')),
    sa.CheckConstraint('units_per_package > 0', name=op.f('ck_catalogue_item_units_per_package_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_catalogue_item_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_item')),
    sa.UniqueConstraint('community_id', 'code', name=op.f('uq_catalogue_item_community_id_code'))
    )
    with op.batch_alter_table('catalogue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_item_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_item_generic_name'), ['generic_name'], unique=False)

    op.create_table('procurement_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('herbal_markup_cap', sa.BigInteger(), nullable=False),
    sa.Column('former_markup', sa.BigInteger(), nullable=False),
    sa.Column('compensation_price', sa.BigInteger(), nullable=False),
    sa.Column('compensation_subsidy', sa.BigInteger(), nullable=False),
    sa.Column('compensation_absorbed', sa.BigInteger(), nullable=False),
    sa.Column('near_expiry_months', sa.Integer(), nullable=False),
    sa.Column('payment_term_days', sa.Integer(), nullable=False),
    sa.Column('match_tolerance', sa.BigInteger(), nullable=False),
    sa.Column('online_target_drugs', sa.BigInteger(), nullable=False),
    sa.Column('online_target_high_value', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('compensation_price + compensation_subsidy + compensation_absorbed = 10000', name=op.f('ck_procurement_settings_compensation_whole')),
    sa.CheckConstraint('herbal_markup_cap >= 0', name=op.f('ck_procurement_settings_herbal_markup_cap_non_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_procurement_settings_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_procurement_settings_community_id'))
    )
    op.create_table('formulary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('min_stock', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_formulary_institution_id_institution')),
    sa.ForeignKeyConstraint(['item_id'], ['catalogue_item.id'], name=op.f('fk_formulary_item_id_catalogue_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_formulary')),
    sa.UniqueConstraint('institution_id', 'item_id', name=op.f('uq_formulary_institution_id_item_id'))
    )
    with op.batch_alter_table('formulary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formulary_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_formulary_item_id'), ['item_id'], unique=False)

    op.create_table('selling_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('cost_price', sa.BigInteger(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('cost_price >= 0 AND price >= 0', name=op.f('ck_selling_price_prices_non_negative')),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_selling_price_institution_id_institution')),
    sa.ForeignKeyConstraint(['item_id'], ['catalogue_item.id'], name=op.f('fk_selling_price_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_selling_price_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selling_price')),
    sa.UniqueConstraint('institution_id', 'item_id', name=op.f('uq_selling_price_institution_id_item_id'))
    )
    with op.batch_alter_table('selling_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selling_price_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selling_price_item_id'), ['item_id'], unique=False)

    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('manufacturer', 'distributor', name='supplierrole', native_enum=False, length=16), nullable=False),
    sa.Column('licence_number', sa.String(length=64), nullable=False),
    sa.Column('licence_expires', sa.Date(), nullable=False),
    sa.Column('bank_name', sa.String(length=128), nullable=False),
    sa.Column('bank_account', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_supplier_community_id_community')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_supplier_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_supplier_partner_id'))
    )
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_community_id'), ['community_id'], unique=False)

    op.create_table('price_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('platform', sa.Enum('provincial', 'guangzhou', 'shenzhen', 'other', name='platform', native_enum=False, length=16), nullable=False),
    sa.Column('platform_code', sa.String(length=64), nullable=False),
    sa.Column('agreed_volume', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('agreed_volume IS NULL OR agreed_volume > 0', name=op.f('ck_price_agreement_agreed_volume_positive')),
    sa.CheckConstraint('unit_price > 0', name=op.f('ck_price_agreement_unit_price_positive')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_price_agreement_validity_ordered')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_price_agreement_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_price_agreement_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['item_id'], ['catalogue_item.id'], name=op.f('fk_price_agreement_item_id_catalogue_item')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['price_agreement.id'], name=op.f('fk_price_agreement_superseded_by_id_price_agreement')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_price_agreement_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_agreement'))
    )
    with op.batch_alter_table('price_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_agreement_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_agreement_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_price_agreement_item_supplier', ['item_id', 'supplier_id', 'valid_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_agreement_supplier_id'), ['supplier_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_TRIGGERS)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DROP_POSTGRES_TRIGGERS)
    with op.batch_alter_table('price_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_agreement_supplier_id'))
        batch_op.drop_index('ix_price_agreement_item_supplier')
        batch_op.drop_index(batch_op.f('ix_price_agreement_item_id'))
        batch_op.drop_index(batch_op.f('ix_price_agreement_community_id'))

    op.drop_table('price_agreement')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_community_id'))

    op.drop_table('supplier')
    with op.batch_alter_table('selling_price', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selling_price_item_id'))
        batch_op.drop_index(batch_op.f('ix_selling_price_institution_id'))

    op.drop_table('selling_price')
    with op.batch_alter_table('formulary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formulary_item_id'))
        batch_op.drop_index(batch_op.f('ix_formulary_institution_id'))

    op.drop_table('formulary')
    op.drop_table('procurement_settings')
    with op.batch_alter_table('catalogue_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_item_generic_name'))
        batch_op.drop_index(batch_op.f('ix_catalogue_item_community_id'))

    op.drop_table('catalogue_item')
