"""core: the audit chain's head only moves forward, onto the entry it names (PostgreSQL triggers)

The application's database role (``erp init-db --app-role``) may not delete audit entries or the head,
nor disable triggers (it owns no table); these triggers let it move the head only the way an append does.

Revision ID: d81f3a5c6e27
Revises: c4e91a7d2b15
Create Date: 2026-12-02 15:10:00

"""
from alembic import op


revision = 'd81f3a5c6e27'
down_revision = 'c4e91a7d2b15'
branch_labels = None
depends_on = None

POSTGRES_TRIGGERS = """
CREATE OR REPLACE FUNCTION audit_head_starts_at_genesis() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> 1 OR NEW.seq <> 0 OR NEW.hash <> repeat('0', 64) THEN
        RAISE EXCEPTION 'the audit chain head starts at seq 0 and the genesis hash';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

-- checked at commit: the entries of the append are in by then, whatever the statement order
CREATE OR REPLACE FUNCTION audit_head_moves_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'the audit chain head keeps its id';
    END IF;
    IF NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
        RETURN NULL;
    END IF;
    IF NEW.seq <= OLD.seq
       OR NOT EXISTS (SELECT 1 FROM audit_entry WHERE seq = OLD.seq + 1 AND prev_hash = OLD.hash)
       OR NOT EXISTS (SELECT 1 FROM audit_entry WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'the audit chain head moves only forward, from its hash onto an appended entry (seq % -> %)',
            OLD.seq, NEW.seq;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_head_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain head is never deleted';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_genesis BEFORE INSERT ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_starts_at_genesis();
CREATE CONSTRAINT TRIGGER audit_head_forward AFTER UPDATE ON audit_head DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward();
CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_refuse_delete();
"""

DROP_POSTGRES_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_head_kept ON audit_head;
DROP TRIGGER IF EXISTS audit_head_forward ON audit_head;
DROP TRIGGER IF EXISTS audit_head_genesis ON audit_head;
DROP FUNCTION IF EXISTS audit_head_refuse_delete();
DROP FUNCTION IF EXISTS audit_head_moves_forward();
DROP FUNCTION IF EXISTS audit_head_starts_at_genesis();
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGERS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_POSTGRES_TRIGGERS)
