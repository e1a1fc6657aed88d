"""A finance officer's month end and year end, as they would do it through the API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from erp.core.extensions import db
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.models import Account, Balance
from tests.ledger.conftest import YEAR

LAST_YEAR = YEAR - 1


def _voucher(institution, day, lines, memo=""):
    return {"institution": institution, "date": day, "memo": memo, "lines": lines}


def _enter_and_post(finance, chief, body):
    draft = finance.post("/api/v1/vouchers", json=body)
    assert draft.status_code == 201, draft.json
    assert chief.post(f"/api/v1/vouchers/{draft.json['id']}/review").status_code == 200
    posted = chief.post(f"/api/v1/vouchers/{draft.json['id']}/post")
    assert posted.status_code == 200, posted.json
    return posted.json


def test_month_end_close_for_two_members(books, api):
    books.close_last_year("QH101")
    finance, chief = api("finance"), api("chief")
    day = f"{YEAR}-03-31"
    _enter_and_post(finance, chief, _voucher("QH101", day, [
        {"account": "1001", "debit": "1000.00"}, {"account": "410101010801", "credit": "600.00"},
        {"account": "4101010105", "credit": "400.00"}], "门诊收费"))
    _enter_and_post(finance, chief, _voucher("QH001", day, [
        {"account": "1002", "debit": "58000.00"}, {"account": "4101010201", "credit": "58000.00"}], "住院结算"))
    pending = finance.post("/api/v1/vouchers", json=_voucher("QH101", day, [
        {"account": "2302", "debit": "300.00", "partner": "S003"}, {"account": "1002", "credit": "300.00"}]))
    for month in ("01", "02"):
        assert chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{YEAR}-{month}"}
                          ).status_code == 200
    refused = chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{YEAR}-03"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "drafts_left"
    chief.post(f"/api/v1/vouchers/{pending.json['id']}/review")
    refused = chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{YEAR}-03"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "drafts_left"  # reviewed, not posted
    chief.post(f"/api/v1/vouchers/{pending.json['id']}/post")
    closed = chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{YEAR}-03"})
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    late = finance.post("/api/v1/vouchers", json=_voucher("QH101", f"{YEAR}-03-31", [
        {"account": "1001", "debit": "5.00"}, {"account": "4101010101", "credit": "5.00"}]))
    assert late.status_code == 422 and late.json["error"]["code"] == "period_closed"
    # QH001 is not closed: its books go on independently
    assert finance.get("/api/v1/vouchers?institution=QH001").json["total"] == 1
    assert verify_chains(db.session) == [] and check_balances(db.session) == []


def _net(institution_code, year, month, account_code):
    from erp.core.models import Institution

    debit, credit = db.session.execute(
        select(func.coalesce(func.sum(Balance.debit), 0), func.coalesce(func.sum(Balance.credit), 0))
        .join(Account, Account.id == Balance.account_id).join(Institution, Institution.id == Balance.institution_id)
        .where(Institution.code == institution_code, Balance.year == year, Balance.month == month,
               Account.code == account_code)).one()
    return Decimal(debit) - Decimal(credit)


def test_year_end_close_carries_surplus_and_budget_balances_forward(books, api):
    finance, chief = api("finance"), api("chief")
    entries = [
        ("03-10", [{"account": "1001", "debit": "1000.00"}, {"account": "410101010801", "credit": "600.00"},
                   {"account": "4101010105", "credit": "400.00"}]),
        ("04-01", [{"account": "5001", "debit": "50000.00", "department": "01", "funding_source": "F01"},
                   {"account": "2201", "credit": "50000.00"}]),
        ("04-12", [{"account": "2201", "debit": "50000.00"},
                   {"account": "4001", "credit": "50000.00", "funding_source": "F01"}]),
        ("06-30", [{"account": "5101", "debit": "3000.00", "department": "31"}, {"account": "1602", "credit": "3000.00"}]),
        ("07-15", [{"account": "5001", "debit": "400.00", "department": "02"}, {"account": "1002", "credit": "400.00"}]),
    ]
    for day, lines in entries:
        _enter_and_post(finance, chief, _voucher("QH101", f"{LAST_YEAR}-{day}", lines))
    for month in range(1, 12):
        assert chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{LAST_YEAR}-{month:02d}"}
                          ).status_code == 200
    response = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert response.status_code == 200, response.json
    assert response.json["institution"] == "QH101" and response.json["next_year"] == LAST_YEAR + 1
    closing = response.json["voucher"]
    assert closing["kind"] == "closing" and closing["date"] == f"{LAST_YEAR}-12-31"
    # revenue 51,000 − expense 53,400 = a deficit of 2,400, carried through 3301 → 3302 → 3001
    assert _net("QH101", LAST_YEAR + 1, 0, "3001") == Decimal("2400.00")
    assert _net("QH101", LAST_YEAR + 1, 0, "3301") == 0
    for revenue_or_expense in ("410101010801", "4101010105", "4001", "5001", "5101"):
        year_total = sum((_net("QH101", LAST_YEAR, m, revenue_or_expense) for m in range(0, 13)), Decimal(0))
        assert year_total == 0, revenue_or_expense
    # budget side: 6001 50,000 and the 7201 50,000 it paid (salaries, direct payment) → 8101; 61010101 1,000
    # and the 400 paid from the bank (non-fiscal) → 8201; the accrual and depreciation moved no budget money
    assert _net("QH101", LAST_YEAR + 1, 0, "8101") == Decimal("0.00")
    assert _net("QH101", LAST_YEAR + 1, 0, "8201") == Decimal("-600.00")
    assert _net("QH101", LAST_YEAR + 1, 0, "8001") == Decimal("600.00")
    # assets and liabilities brought forward; next year's periods are open
    assert _net("QH101", LAST_YEAR + 1, 0, "1001") == Decimal("1000.00")
    assert _net("QH101", LAST_YEAR + 1, 0, "2201") == Decimal("0.00")
    assert _net("QH101", LAST_YEAR + 1, 0, "1602") == Decimal("-3000.00")
    again = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert again.status_code == 409
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
