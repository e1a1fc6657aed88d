"""The chart: the standard 政府会计制度 accounts, the 基层 variant, and an institution's own detail accounts."""
from __future__ import annotations

from sqlalchemy import func, select

from erp.core.extensions import db
from erp.ledger.models import Account, Basis, Side
from tests.ledger.conftest import YEAR


def _voucher(institution, debit_account, credit_account, amount="100.00"):
    return {"institution": institution, "date": f"{YEAR}-03-10", "memo": "x",
            "lines": [{"account": debit_account, "debit": amount}, {"account": credit_account, "credit": amount}]}


def test_the_chart_is_loaded_with_basis_and_normal_side(books):
    shared = select(func.count(Account.id)).where(Account.institution_id.is_(None))
    assert db.session.scalar(shared.where(Account.variant == "")) == 146
    assert db.session.scalar(shared.where(Account.variant == "grassroots")) == 3
    depreciation = db.session.scalar(select(Account).where(Account.code == "1602"))
    assert depreciation.basis is Basis.FINANCIAL and depreciation.balance_side is Side.CREDIT
    cash_balance = db.session.scalar(select(Account).where(Account.code == "8001"))
    assert cash_balance.basis is Basis.BUDGET and cash_balance.balance_side is Side.DEBIT
    assert db.session.scalar(select(Account).where(Account.code == "5001")).required == ["department"]


def test_only_grassroots_institutions_use_the_grassroots_variant(books, api):
    finance = api("finance")
    township = finance.post("/api/v1/vouchers", json=_voucher("QH101", "1001", "410103"))
    assert township.status_code == 201, township.json
    hospital = finance.post("/api/v1/vouchers", json=_voucher("QH001", "1001", "410103"))
    assert hospital.status_code == 404 and "lines[1].account" in hospital.json["error"]["fields"]


def test_an_institutions_detail_accounts_are_its_own(books, api):
    finance = api("finance")
    created = finance.post("/api/v1/accounts", json={"institution": "QH001", "parent": "1002", "code": "100201",
                                                     "name": "工行基本户"})
    assert created.status_code == 201, created.json
    assert created.json["level"] == 2 and created.json["balance_side"] == "debit"
    # 1002 now has a detail below it for QH001 only: QH001 must post to the detail, QH101 still to 1002
    refused = finance.post("/api/v1/vouchers", json=_voucher("QH001", "1002", "4101010101"))
    assert refused.status_code == 422 and refused.json["error"]["code"] == "non_leaf_account"
    assert finance.post("/api/v1/vouchers", json=_voucher("QH001", "100201", "4101010101")).status_code == 201
    assert finance.post("/api/v1/vouchers", json=_voucher("QH101", "1002", "4101010101")).status_code == 201
    assert finance.post("/api/v1/vouchers", json=_voucher("QH101", "100201", "4101010101")).status_code == 404
    bad_code = finance.post("/api/v1/accounts", json={"institution": "QH001", "parent": "1002", "code": "200201",
                                                      "name": "x"})
    assert bad_code.status_code == 422 and "code" in bad_code.json["error"]["fields"]


def test_an_account_with_postings_gets_no_details(books, api):
    books.enter("QH001", [("1001", "50.00"), ("4101010101", "0", "50.00")])
    refused = api("finance").post("/api/v1/accounts", json={"institution": "QH001", "parent": "1001",
                                                            "code": "100101", "name": "门诊收费处"})
    assert refused.status_code == 422 and "parent" in refused.json["error"]["fields"]
