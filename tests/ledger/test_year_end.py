"""年终结转: an institution without revenue or expense closes too, and the closing accounts are the template's."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.ledger.models import Account, Balance, FiscalYear, PeriodState
from erp.ledger.services.posting_templates import posting_template, save_template
from tests.ledger.conftest import YEAR

LAST_YEAR = YEAR - 1


def net(institution: str, year: int, month: int, code: str) -> Decimal:
    debit, credit = db.session.execute(
        select(func.coalesce(func.sum(Balance.debit), 0), func.coalesce(func.sum(Balance.credit), 0))
        .join(Account, Account.id == Balance.account_id).join(Institution, Institution.id == Balance.institution_id)
        .where(Institution.code == institution, Balance.year == year, Balance.month == month,
               Account.code == code)).one()
    return Decimal(debit) - Decimal(credit)


def close_months(chief, institution: str) -> None:
    for month in range(1, 12):
        response = chief.post("/api/v1/periods/close", json={"institution": institution,
                                                             "period": f"{LAST_YEAR}-{month:02d}"})
        assert response.status_code == 200, response.json


def test_closing_a_year_without_revenue_or_expense_answers_200(books, api):
    # drugs bought on credit: no revenue, no expense, no cash — nothing to carry into surplus
    books.enter("QH101", [("130201", "10000.00"), ("2302", "0", "10000.00", {"partner": "S001"})],
                on=date(LAST_YEAR, 5, 6))
    chief = api("chief")
    close_months(chief, "QH101")
    response = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert response.status_code == 200, response.json
    assert response.json == {"institution": "QH101", "year": LAST_YEAR, "state": "closed",
                             "next_year": LAST_YEAR + 1, "voucher": None}
    year = db.session.scalar(select(FiscalYear).join(Institution).where(Institution.code == "QH101",
                                                                        FiscalYear.year == LAST_YEAR))
    assert year.state is PeriodState.CLOSED
    assert net("QH101", YEAR, 0, "130201") == Decimal("10000.00")
    assert net("QH101", YEAR, 0, "2302") == Decimal("-10000.00")
    assert net("QH101", YEAR, 0, "3001") == 0


def test_the_year_end_template_decides_the_closing_accounts(books, api):
    """The finance officer carries non-fiscal budget money to 8202 非财政拨款结余 instead of 8201."""
    books.enter("QH101", [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")],
                on=date(LAST_YEAR, 3, 10))
    books.enter("QH101", [("5001", "400.00", "0", {"department": "02"}), ("1002", "0", "400.00")],
                on=date(LAST_YEAR, 7, 15))
    finance = books.user("finance")
    community_id = finance.community_id
    current = posting_template(db.session, community_id, "ledger.year_end")
    lines = [{"role": l.role, "qualifier": l.qualifier, "account": "8202" if l.role == "non_fiscal_carryover"
              else l.account} for l in current.lines]
    edited = save_template(db.session, community_id, "ledger.year_end", lines, user=finance, note="结余而非结转")
    db.session.commit()
    assert edited.ref == "ledger.year_end@2"

    chief = api("chief")
    close_months(chief, "QH101")
    response = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert response.status_code == 200, response.json
    closing = {(l["account"], l["debit"], l["credit"]) for l in response.json["voucher"]["lines"]}
    # budget side: 61010101 1,000 received − 7201 400 paid = 600 to the non-fiscal account the template names
    assert ("8202", "0.00", "600.00") in closing and not any(code == "8201" for code, *_ in closing)
    assert response.json["voucher"]["template_version"] == "ledger.year_end@2"  # the version it used
    assert net("QH101", YEAR, 0, "8202") == Decimal("-600.00")
    assert net("QH101", YEAR, 0, "8201") == 0
    # financial side unchanged: surplus 1,000 − 400 = 600 through 3301 → 3302 → 3001
    assert net("QH101", YEAR, 0, "3001") == Decimal("-600.00")
