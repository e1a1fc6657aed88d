"""平行记账: every worked example of ACCOUNTING.md, for a township health centre (QH101)."""
from __future__ import annotations

import pytest

from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from tests.ledger.conftest import budget_lines

CENTRE = "QH101"
SUPPLIER = {"partner": "S001"}


def test_outpatient_cash_receipt_adds_budget_revenue(books):
    voucher = books.enter(CENTRE, [("1001", "1000.00"), ("410101010801", "0", "600.00"),
                                   ("4101010105", "0", "400.00")], memo="门诊收费")
    assert budget_lines(voucher) == [("61010101", "0.00", "1000.00"), ("8001", "1000.00", "0.00")]
    assert voucher.number == f"记-{voucher.year}-03-0001"


@pytest.mark.parametrize("lines", [
    [("130201", "10000.00", "0"), ("2302", "0", "10000.00", SUPPLIER)],  # drugs bought on credit
    [("5001", "10000.00", "0", {"department": "01"}), ("130201", "0", "10000.00")],  # issued to patients at cost
    [("5001", "3000.00", "0", {"department": "31"}), ("1602", "0", "3000.00")],  # depreciation
], ids=["drugs-on-credit", "drugs-issued", "depreciation"])
def test_vouchers_that_move_no_cash_get_no_budget_lines(books, lines):
    voucher = books.enter(CENTRE, lines)
    assert budget_lines(voucher) == []
    assert len(voucher.lines) == 2


def test_supplier_paid_from_the_bank(books):
    voucher = books.enter(CENTRE, [("2302", "10000.00", "0", SUPPLIER), ("1002", "0", "10000.00")])
    assert budget_lines(voucher) == [("7201", "10000.00", "0.00"), ("8001", "0.00", "10000.00")]


def test_equipment_bought_with_fiscal_authorised_payment(books):
    voucher = books.enter(CENTRE, [("1601", "200000.00", "0"), ("1011", "0", "200000.00")])
    assert budget_lines(voucher) == [("7201", "200000.00", "0.00"), ("8001", "0.00", "200000.00")]


def test_fiscal_direct_payment_of_salaries_needs_no_cash_account(books):
    voucher = books.enter(CENTRE, [("2201", "50000.00", "0"), ("4001", "0", "50000.00")])
    assert budget_lines(voucher) == [("6001", "0.00", "50000.00"), ("7201", "50000.00", "0.00")]


def test_cash_moving_outside_the_budget_gets_no_budget_lines(books):
    # a deposit received (其他应付款) is not a budget receipt
    voucher = books.enter(CENTRE, [("1002", "5000.00", "0"), ("2307", "0", "5000.00", SUPPLIER)])
    assert budget_lines(voucher) == []


def test_patient_refund_reduces_budget_revenue(books):
    voucher = books.enter(CENTRE, [("4101010105", "120.00", "0"), ("1001", "0", "120.00")])
    assert budget_lines(voucher) == [("61010101", "120.00", "0.00"), ("8001", "0.00", "120.00")]


def test_mapping_is_data_the_finance_officer_can_change(books):
    from sqlalchemy import select

    from erp.core.extensions import db
    from erp.ledger.models import BudgetMapping

    rule = db.session.scalar(select(BudgetMapping).where(BudgetMapping.account_prefix == "1601"))
    rule.budget_account_code = "7901"
    db.session.commit()
    voucher = books.enter(CENTRE, [("1601", "800.00", "0"), ("1002", "0", "800.00")])
    assert budget_lines(voucher) == [("7901", "800.00", "0.00"), ("8001", "0.00", "800.00")]


def test_budget_side_that_cannot_balance_is_refused_naming_the_accounts(books):
    from sqlalchemy import delete

    from erp.core.extensions import db
    from erp.ledger.models import BudgetMapping

    db.session.execute(delete(BudgetMapping).where(BudgetMapping.account_prefix == "2201"))
    db.session.commit()
    voucher = books.draft(CENTRE, [("2201", "50000.00", "0"), ("4001", "0", "50000.00")])
    with pytest.raises(BusinessError, match="2201"):
        books.post(voucher)


def test_finance_officer_edits_the_mapping_through_the_api(books, api):
    finance = api("finance")
    rules = finance.get("/api/v1/budget-mappings?per_page=200").json
    assert {"account_prefix": "1002", "side": "any", "role": "cash", "budget_account_code": "8001"} in [
        {k: r[k] for k in ("account_prefix", "side", "role", "budget_account_code")} for r in rules["items"]]
    changed = finance.put("/api/v1/budget-mappings", json={"account_prefix": "1601", "side": "debit",
                                                           "role": "counterpart", "budget_account_code": "7901"})
    assert changed.status_code == 200, changed.json
    voucher = books.enter(CENTRE, [("1601", "800.00", "0"), ("1002", "0", "800.00")])
    assert budget_lines(voucher) == [("7901", "800.00", "0.00"), ("8001", "0.00", "800.00")]
    wrong = finance.put("/api/v1/budget-mappings", json={"account_prefix": "1601", "side": "debit",
                                                         "role": "counterpart", "budget_account_code": "5001"})
    assert wrong.status_code == 422 and "budget_account_code" in wrong.json["error"]["fields"]
    assert api("accountant").put("/api/v1/budget-mappings", json={"account_prefix": "1601", "side": "debit",
                                                                  "role": "counterpart",
                                                                  "budget_account_code": "7201"}).status_code == 403


def test_a_finance_user_scoped_to_one_member_cannot_change_the_community_mapping(books, api):
    """The 平行记账 mapping serves every member: a finance officer scoped to one township neither changes nor
    deletes it (before: both were accepted)."""
    from erp.core.models import Institution, User
    from erp.ledger.models import BudgetMapping

    rule = db.session.scalar(select(BudgetMapping).where(BudgetMapping.account_prefix == "1002"))
    finance = db.session.scalar(select(User).where(User.username == "finance"))
    finance.institutions = [db.session.scalar(select(Institution).where(Institution.code == CENTRE))]
    db.session.commit()
    scoped = api("finance")
    changed = scoped.put("/api/v1/budget-mappings", json={"account_prefix": "1601", "side": "debit",
                                                          "role": "counterpart", "budget_account_code": "7901"})
    assert changed.status_code == 403 and changed.json["error"]["code"] == "community_wide_setting"
    deleted = scoped.delete(f"/api/v1/budget-mappings/{rule.id}")
    assert deleted.status_code == 403 and deleted.json["error"]["code"] == "community_wide_setting"
    assert db.session.scalar(select(BudgetMapping.budget_account_code).where(BudgetMapping.id == rule.id)) == "8001"
    assert not db.session.scalar(select(BudgetMapping.id).where(BudgetMapping.account_prefix == "1601",
                                                                BudgetMapping.budget_account_code == "7901"))


@pytest.mark.parametrize("prefix", ["_", "%", "10%", "1_02"])
def test_a_mapping_prefix_is_digits_not_a_like_pattern(books, api, prefix):
    refused = api("finance").put("/api/v1/budget-mappings", json={"account_prefix": prefix, "side": "debit",
                                                                  "role": "counterpart", "budget_account_code": "7901"})
    assert refused.status_code == 422 and "account_prefix" in refused.json["error"]["fields"]


def test_account_search_treats_wildcards_as_text(books, api):
    finance = api("finance")
    assert finance.get("/api/v1/accounts?q=100").json["total"] > 0
    assert finance.get("/api/v1/accounts?q=%25").json["total"] == 0  # "%" matches no code or name
    assert finance.get("/api/v1/accounts?q=_").json["total"] == 0
