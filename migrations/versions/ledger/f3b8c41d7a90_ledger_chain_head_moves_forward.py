"""ledger: a voucher chain position is unique per institution; the chain head only moves forward, onto the
posted voucher it names (PostgreSQL triggers)

The application's database role (``erp init-db --app-role``) may not delete a chain head nor disable
triggers (it owns no table); these triggers let it move a head only the way posting does.

Revision ID: f3b8c41d7a90
Revises: c41e7d2b9a10
Create Date: 2026-12-02 15:12:00

"""
from alembic import op


revision = 'f3b8c41d7a90'
down_revision = 'c41e7d2b9a10'
branch_labels = None
depends_on = None

POSTGRES_TRIGGERS = """
CREATE OR REPLACE FUNCTION ledger_chain_head_starts_at_genesis() RETURNS trigger AS $$
BEGIN
    IF NEW.seq <> 0 OR NEW.hash <> repeat('0', 64) THEN
        RAISE EXCEPTION 'a voucher chain head starts at seq 0 and the genesis hash';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

-- checked at commit: the posted vouchers are written by then, whatever the statement order of the flush
CREATE OR REPLACE FUNCTION ledger_chain_head_moves_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.institution_id <> OLD.institution_id THEN
        RAISE EXCEPTION 'a voucher chain head keeps its institution';
    END IF;
    IF NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
        RETURN NULL;
    END IF;
    IF NEW.seq <= OLD.seq
       OR NOT EXISTS (SELECT 1 FROM voucher WHERE institution_id = OLD.institution_id AND chain_seq = OLD.seq + 1
                      AND prev_hash = OLD.hash AND state = 'posted')
       OR NOT EXISTS (SELECT 1 FROM voucher WHERE institution_id = NEW.institution_id AND chain_seq = NEW.seq
                      AND hash = NEW.hash AND state = 'posted') THEN
        RAISE EXCEPTION 'the voucher chain head of institution % moves only forward, from its hash onto a posted '
                        'voucher (seq % -> %)', OLD.institution_id, OLD.seq, NEW.seq;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_chain_head_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a voucher chain head is never deleted';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_chain_head_genesis BEFORE INSERT ON ledger_chain_head
    FOR EACH ROW EXECUTE FUNCTION ledger_chain_head_starts_at_genesis();
CREATE CONSTRAINT TRIGGER ledger_chain_head_forward AFTER UPDATE ON ledger_chain_head
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_chain_head_moves_forward();
CREATE TRIGGER ledger_chain_head_kept BEFORE DELETE ON ledger_chain_head
    FOR EACH ROW EXECUTE FUNCTION ledger_chain_head_refuse_delete();
"""

DROP_POSTGRES_TRIGGERS = """
DROP TRIGGER IF EXISTS ledger_chain_head_kept ON ledger_chain_head;
DROP TRIGGER IF EXISTS ledger_chain_head_forward ON ledger_chain_head;
DROP TRIGGER IF EXISTS ledger_chain_head_genesis ON ledger_chain_head;
DROP FUNCTION IF EXISTS ledger_chain_head_refuse_delete();
DROP FUNCTION IF EXISTS ledger_chain_head_moves_forward();
DROP FUNCTION IF EXISTS ledger_chain_head_starts_at_genesis();
"""


def upgrade():
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_voucher_institution_id_chain_seq'),
                                          ['institution_id', 'chain_seq'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGERS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_POSTGRES_TRIGGERS)
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_voucher_institution_id_chain_seq'), type_='unique')
