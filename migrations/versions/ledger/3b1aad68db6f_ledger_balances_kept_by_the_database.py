"""ledger: the kept balances (科目余额) are written by the database itself on PostgreSQL — a trigger adds a
voucher's lines when it is posted, a function brings a closed year's balances forward — both running as the
tables' owner (SECURITY DEFINER), so the application's role needs no write right on ``balance``

Revision ID: 3b1aad68db6f
Revises: f3b8c41d7a90
Create Date: 2026-12-02 17:30:00

"""
from alembic import op


revision = '3b1aad68db6f'
down_revision = 'f3b8c41d7a90'
branch_labels = None
depends_on = None

KEY = "institution_id, year, month, account_id, department_id, partner_id, funding_source_id, employee_id, project_id"
# Kept in the migration itself, not imported from the application, so that it never changes after the fact.
# Lines join the balances when their voucher turns posted (lines cannot be added to a posted voucher, nor
# changed): each line is added exactly once, in one aggregated upsert per statement, in key order (the row
# locks of concurrent posters are taken in one order). A function running as its owner pins its search_path
# (pg_temp last), so that no object of the caller's can stand in for the tables.
POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION ledger_book_posted_vouchers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    INSERT INTO balance AS kept ({key}, debit, credit)
    SELECT v.institution_id, v.year, v.month, l.account_id, coalesce(l.department_id, 0),
           coalesce(l.partner_id, 0), coalesce(l.funding_source_id, 0), coalesce(l.employee_id, 0),
           coalesce(l.project_id, 0), sum(l.debit), sum(l.credit)
    FROM new_vouchers v
    JOIN old_vouchers o ON o.id = v.id
    JOIN voucher_line l ON l.voucher_id = v.id
    WHERE v.state = 'posted' AND o.state IS DISTINCT FROM 'posted'
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT ({key}) DO UPDATE SET debit = kept.debit + EXCLUDED.debit, credit = kept.credit + EXCLUDED.credit;
    RETURN NULL;
END $$;

CREATE TRIGGER voucher_posted_books_balances AFTER UPDATE ON voucher
    REFERENCING OLD TABLE AS old_vouchers NEW TABLE AS new_vouchers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_book_posted_vouchers();

-- 上年结转: once per institution and closed year, the closing balances of the carried categories (assets,
-- liabilities, net assets, budget balances) become next year's month 0
CREATE OR REPLACE FUNCTION ledger_bring_forward(p_institution integer, p_year integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    written integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM fiscal_year WHERE institution_id = p_institution AND year = p_year
                   AND state = 'closed') THEN
        RAISE EXCEPTION 'fiscal year % of institution % is not closed: nothing to bring forward', p_year, p_institution
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM balance WHERE institution_id = p_institution AND year = p_year + 1 AND month = 0) THEN
        RAISE EXCEPTION 'the balances of institution % are already brought forward into %', p_institution, p_year + 1
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    INSERT INTO balance ({key}, debit, credit)
    SELECT b.institution_id, p_year + 1, 0, b.account_id, b.department_id, b.partner_id, b.funding_source_id,
           b.employee_id, b.project_id, greatest(sum(b.debit) - sum(b.credit), 0),
           greatest(sum(b.credit) - sum(b.debit), 0)
    FROM balance b JOIN account a ON a.id = b.account_id
    WHERE b.institution_id = p_institution AND b.year = p_year
      AND a.category IN ('asset', 'liability', 'net_assets', 'budget_balance')
    GROUP BY b.institution_id, b.account_id, b.department_id, b.partner_id, b.funding_source_id, b.employee_id,
             b.project_id
    HAVING sum(b.debit) <> sum(b.credit)
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;

-- only the roles granted it (erp init-db --app-role) may call it; a trigger's function is never called
REVOKE EXECUTE ON FUNCTION ledger_bring_forward(integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ledger_book_posted_vouchers() FROM PUBLIC;
"""

DROP_POSTGRES_FUNCTIONS = """
DROP TRIGGER IF EXISTS voucher_posted_books_balances ON voucher;
DROP FUNCTION IF EXISTS ledger_book_posted_vouchers();
DROP FUNCTION IF EXISTS ledger_bring_forward(integer, integer);
"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = bind.dialect.identifier_preparer.quote(bind.exec_driver_sql("SELECT current_schema()").scalar())
        op.execute(POSTGRES_FUNCTIONS.replace("{schema}", schema).replace("{key}", KEY))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_POSTGRES_FUNCTIONS)
