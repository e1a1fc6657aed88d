"""The demo books (演示账套) as `erp load-demo` leaves them, on an empty database of their own (SQLite, and
PostgreSQL when ERP_TEST_DATABASE_URL is set): every member keeping books balances, January and February are
closed, the balance sheet balances, the ledger's stock equals the stock ledger, and a second load changes
nothing. The demo books the months of the first quarter that are over, so the figures below are complete
from April on."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp.budget.models import Budget, BudgetLine
from erp.core.extensions import db
from erp.core.models import AuditEntry, Community, Institution, InstitutionKind, User
from erp.core.security import scope_for
from erp.core.timeutil import local_today
from erp.ledger.api.reports import STATEMENT_SUMMARIES
from erp.ledger.models import FiscalYear, Period, PeriodState, Voucher, VoucherKind, VoucherState
from erp.ledger.services import book_keeping_institutions, months_to_close
from erp.procurement.services.reconciliation import reconcile
from tests.core.test_cli import erp, ok
from tests.core.test_migrations import DATABASE_KINDS, empty_database_app

TODAY = local_today()
YEAR = TODAY.year
pytestmark = pytest.mark.skipif(TODAY.month < 4, reason="the demo's first quarter is complete from April on")


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def loaded(request, tmp_path_factory):
    """`erp init-db` and `erp load-demo` on a new database, shared by this module's tests."""
    with empty_database_app(request.param, tmp_path_factory.mktemp("books"), "erp_books") as app:
        ok(erp(app, "init-db"))
        ok(erp(app, "load-demo"))
        yield app


@pytest.fixture
def session(loaded):
    with loaded.app_context():
        yield db.session


def book_keepers(session) -> list[Institution]:
    return book_keeping_institutions(session)


def api_response(app, path: str):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "finance", "password": "yigong2026"}).json["token"]
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def api_get(app, path: str) -> dict:
    return api_response(app, path).json


def test_every_member_keeping_books_has_a_balanced_trial_balance_with_the_quarter_in_it(loaded, session):
    members = book_keepers(session)
    assert len(members) == 12  # two county hospitals, eight township and two community centres
    for member in members:
        rows = api_get(loaded, f"/api/v1/reports/trial-balance?institution={member.code}&period={YEAR}-01"
                               f"&period_to={YEAR}-03")["rows"]
        top = [row for row in rows if len(row["account"]) == 4 and row["account"] < "6"]  # financial accounts
        for column in ("opening", "period", "closing"):
            debit = sum(Decimal(row[f"{column}_debit"]) for row in top)
            credit = sum(Decimal(row[f"{column}_credit"]) for row in top)
            assert debit == credit, (member.code, column)
        codes = {row["account"] for row in top if Decimal(row["period_debit"]) or Decimal(row["period_credit"])}
        # opening balances brought forward, revenue billed and settled by 医保, fiscal quota, pay, costs, depreciation
        assert {"1002", "1011", "1212", "1602", "2201", "4001", "4101", "5001"} <= codes, member.code
        assert Decimal(next(row["opening_debit"] for row in top if row["account"] == "1601")) > 0


def test_each_month_of_the_quarter_has_vouchers_prepared_reviewed_and_posted_by_different_people(session):
    for member in book_keepers(session):
        for month in (1, 2, 3):
            vouchers = session.scalars(select(Voucher).where(Voucher.institution_id == member.id,
                                                             Voucher.year == YEAR, Voucher.month == month)).all()
            assert len(vouchers) >= 8, (member.code, month)
            assert all(v.state is VoucherState.POSTED for v in vouchers)
            assert all(v.reviewer_id and v.poster_id and v.preparer_id != v.reviewer_id for v in vouchers), member.code


def test_payroll_and_procurement_documents_post_into_the_quarter(session):
    lead = session.scalar(select(Institution).where(Institution.kind == InstitutionKind.LEAD_HOSPITAL))
    kinds = set(session.execute(select(Voucher.source_module, Voucher.source_kind).where(
        Voucher.institution_id == lead.id, Voucher.year == YEAR, Voucher.month <= 3)).all())
    assert {("payroll", "run"), ("payroll", "payment"), ("procurement", "receipt"), ("procurement", "dispense"),
            ("procurement", "payment"), ("procurement", "transfer_out")} <= kinds


def test_january_and_february_are_closed_march_is_open_and_last_year_is_closed(session):
    for member in book_keepers(session):
        states = dict(session.execute(select(Period.month, Period.state).where(
            Period.institution_id == member.id, Period.year == YEAR, Period.month.in_([1, 2, 3]))).all())
        assert states == {1: PeriodState.CLOSED, 2: PeriodState.CLOSED, 3: PeriodState.OPEN}, member.code
        assert session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == member.id,
                                                             FiscalYear.year == YEAR - 1)) is PeriodState.CLOSED
        closing = session.scalar(select(func.count(Voucher.id)).where(
            Voucher.institution_id == member.id, Voucher.year == YEAR - 1, Voucher.kind == VoucherKind.CLOSING))
        assert closing == 1  # last year's revenue and expense carried into 累计盈余 by the 年终结转


def test_the_finance_officers_months_to_close_are_those_of_the_members_keeping_books(session):
    """待结账月份: March to last month of the 12 members keeping books, not the 20 village clinics' months."""
    finance = session.scalar(select(User).where(User.username == "finance"))
    tile = months_to_close(session, finance, scope_for(session, finance))
    assert (tile.value, tile.args) == (12 * (TODAY.month - 3), {"year": YEAR, "institution": ""})


def test_the_balance_sheet_balances_for_every_member(loaded, session):
    for member in book_keepers(session):
        checks = api_get(loaded, f"/api/v1/reports/balance-sheet?institution={member.code}&period={YEAR}-03")["checks"]
        assert checks["balanced"] is True, member.code
        assert Decimal(checks["assets"]) == Decimal(checks["liabilities"]) + Decimal(checks["net_assets"])


@pytest.mark.parametrize("target", ["institution=QH001", "community=QH"])
def test_every_statement_ties_on_the_demo_books_and_prints(loaded, target):
    """A newcomer opening any statement of March sees real figures that tie: every check a statement makes holds,
    the 现金流量表's net increase is the cash accounts' movement in the 科目余额表, and the 收入费用表, the
    医疗活动收入费用明细表 and the 净资产变动表 agree on the surplus; each prints as PDF and Excel."""
    query = f"{target}&period={YEAR}-03"
    bodies = {name: api_get(loaded, f"/api/v1/reports/{name}?{query}") for name in STATEMENT_SUMMARIES}
    for name, body in bodies.items():
        failed = {key for key, value in body["checks"].items() if value is False}
        assert not failed, (name, failed)
    tb = {row["account"]: row for row in api_get(loaded, f"/api/v1/reports/trial-balance?{query}")["rows"]}
    cash_movement = sum(Decimal(tb[code]["period_debit"]) - Decimal(tb[code]["period_credit"])
                        for code in ("1001", "1002", "1011", "1021") if code in tb)
    assert cash_movement and Decimal(bodies["cash-flow"]["checks"]["net_increase"]) == cash_movement
    revenue = sum(Decimal(row["period_credit"]) - Decimal(row["period_debit"]) for code, row in tb.items()
                  if len(code) == 4 and code[0] == "4")
    assert revenue > 0 and Decimal(bodies["income-statement"]["checks"]["revenue"]) == revenue
    surplus = bodies["income-statement"]["checks"]["surplus"]
    assert bodies["medical-revenue-expense"]["checks"]["surplus"] == surplus
    assert bodies["net-assets-changes"]["checks"]["surplus"] == bodies["income-statement"]["checks"]["surplus_ytd"]
    for name in STATEMENT_SUMMARIES:
        assert api_response(loaded, f"/api/v1/reports/{name}?{query}&format=pdf").data.startswith(b"%PDF-")
        assert api_response(loaded, f"/api/v1/reports/{name}?{query}&format=xlsx").data.startswith(b"PK")


def test_the_ledger_stock_equals_the_stock_ledger_for_every_member(session):
    community = session.scalar(select(Community))
    result = reconcile(session, community.id)
    assert result.reconciled, [(r.institution.code, r.ledger, r.stock) for r in result.rows if not r.reconciled]
    holding = {row.institution.code for row in result.rows if row.stock > 0}
    assert {"QH001", "QH103", "QH105"} <= holding  # the central pharmacy and members it supplied in the quarter
    assert result.ledger_total == result.stock_total > 0


def test_purchase_orders_and_payroll_runs_commit_against_whole_institution_lines(session):
    rows = session.execute(select(Institution.code, BudgetLine.committed, BudgetLine.actual).join(
        Institution, Institution.id == BudgetLine.institution_id).join(Budget, Budget.id == BudgetLine.budget_id).where(
        BudgetLine.year == YEAR, BudgetLine.department_id.is_(None), BudgetLine.funding_source_id.is_(None))).all()
    by_code = {code: (committed, actual) for code, committed, actual in rows}
    assert set(by_code) == {m.code for m in book_keepers(session)}
    assert all(committed > 0 and actual > 0 for committed, actual in by_code.values()), by_code


def test_a_second_load_changes_nothing(loaded, session):
    counted = (Voucher, AuditEntry, Period, BudgetLine)
    before = {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in counted}
    session.rollback()  # end this test's read before the command writes (or, here, does not)
    ok(erp(loaded, "load-demo"))
    session.rollback()
    after = {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in counted}
    assert after == before
