"""core: one audit chain per institution (and one for community-wide records) instead of one for all

Transactions of different members no longer queue on one head row. The entries written before stay in
their single chain, now named ``all`` (its HMACs and the anchors that recorded it stay valid: nothing is
re-hashed); it is closed — appends go to the new chains, each starting at its own genesis head (seq 0, the
zero hash). The head-moves-forward triggers are rewritten per chain.

Revision ID: 5b0e7a3c9d14
Revises: d81f3a5c6e27
Create Date: 2026-12-02 17:30:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op


revision = '5b0e7a3c9d14'
down_revision = 'd81f3a5c6e27'
branch_labels = None
depends_on = None

LEGACY = "all"



def _single_head_revision():
    """The revision that made the single head's triggers: its SQL drops them here and re-creates them on the
    way down (one text of them)."""
    path = Path(__file__).with_name("d81f3a5c6e27_core_audit_head_moves_forward.py")
    spec = importlib.util.spec_from_file_location("core_audit_head_moves_forward", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# a chain's head is born once, at genesis, before any entry of its chain (a head cannot be re-created over
# its chain's entries), never deleted, and moves only forward within its chain (checked at commit: the
# entries of the append are in by then, whatever the statement order)
CHAIN_HEAD_TRIGGERS = """
CREATE OR REPLACE FUNCTION audit_head_starts_at_genesis() RETURNS trigger AS $$
BEGIN
    IF NEW.seq <> 0 OR NEW.hash <> repeat('0', 64)
       OR EXISTS (SELECT 1 FROM audit_entry WHERE chain = NEW.chain) THEN
        RAISE EXCEPTION 'an audit chain head starts at seq 0 and the genesis hash, before its chain has entries';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_head_moves_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.chain <> OLD.chain THEN
        RAISE EXCEPTION 'an audit chain head keeps its chain';
    END IF;
    IF NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
        RETURN NULL;
    END IF;
    IF NEW.seq <= OLD.seq
       OR NOT EXISTS (SELECT 1 FROM audit_entry WHERE chain = OLD.chain AND seq = OLD.seq + 1
                      AND prev_hash = OLD.hash)
       OR NOT EXISTS (SELECT 1 FROM audit_entry WHERE chain = NEW.chain AND seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'the audit chain head of % moves only forward, from its hash onto an appended entry '
                        '(seq % -> %)', OLD.chain, OLD.seq, NEW.seq;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_head_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'an audit chain head is never deleted';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_genesis BEFORE INSERT ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_starts_at_genesis();
CREATE CONSTRAINT TRIGGER audit_head_forward AFTER UPDATE ON audit_head DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward();
CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_refuse_delete();
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgres():
        op.execute(_single_head_revision().DROP_POSTGRES_TRIGGERS)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=16), nullable=False, server_default=LEGACY))
        batch_op.drop_constraint('uq_audit_entry_seq', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_chain_seq'), ['chain', 'seq'])
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:  # the old entries had it; new ones name theirs
        batch_op.alter_column('chain', existing_type=sa.String(length=16), server_default=None)
    # the single head (id 1) becomes the closed chain's head; the table is rebuilt keyed by chain
    heads = op.get_bind().execute(sa.text("SELECT seq, hash FROM audit_head")).all()
    op.drop_table('audit_head')
    head = op.create_table('audit_head',
                           sa.Column('chain', sa.String(length=16), nullable=False),
                           sa.Column('seq', sa.Integer(), nullable=False),
                           sa.Column('hash', sa.String(length=64), nullable=False),
                           sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_head')))
    if heads:
        op.bulk_insert(head, [{"chain": LEGACY, "seq": row.seq, "hash": row.hash} for row in heads])
    if _postgres():
        op.execute(CHAIN_HEAD_TRIGGERS)


def downgrade():
    """Back to one chain: only while every entry is still in the closed chain (nothing can be re-hashed)."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM audit_entry WHERE chain <> :legacy"), {"legacy": LEGACY}).scalar():
        raise RuntimeError("audit entries in per-institution chains cannot be folded back into one chain")
    if _postgres():
        op.execute(_single_head_revision().DROP_POSTGRES_TRIGGERS)  # the same names and functions
    heads = bind.execute(sa.text("SELECT seq, hash FROM audit_head WHERE chain = :legacy"), {"legacy": LEGACY}).all()
    op.drop_table('audit_head')
    head = op.create_table('audit_head',
                           sa.Column('id', sa.Integer(), nullable=False),
                           sa.Column('seq', sa.Integer(), nullable=False),
                           sa.Column('hash', sa.String(length=64), nullable=False),
                           sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')))
    if heads:
        op.bulk_insert(head, [{"id": 1, "seq": row.seq, "hash": row.hash} for row in heads])
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_chain_seq'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_seq'), ['seq'])
        batch_op.drop_column('chain')
    if _postgres():
        op.execute(_single_head_revision().POSTGRES_TRIGGERS)
