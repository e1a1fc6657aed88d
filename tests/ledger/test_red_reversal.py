"""红字冲销 is red: the reversal repeats the original's sides with negative amounts, so that 本期发生额 and the
balances both net to zero — in the trial balance, the ledgers, the statements, the kept balances, the hash
chain, the year-end close and cost accounting."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.costing.services.collection import collect_costs
from erp.ledger.models import Account, Balance, Voucher, VoucherKind, VoucherLine, VoucherState
from erp.ledger.reports.printing import voucher_print
from erp.ledger.services.engine import check_red_lines
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.services.periods import period_range
from erp.core.errors import BusinessError
from tests.ledger.conftest import YEAR

MARCH = f"{YEAR}-03"
RECEIPT = [("1001", "2345.67"), ("410101010801", "0", "1345.67"), ("4101010105", "0", "1000.00")]
EXPENSE = [("5001", "888.88", "0", {"department": "01"}), ("1001", "0", "888.88")]


def _trial_balance(api, basis: str = "financial") -> dict:
    body = api("finance").get(f"/api/v1/reports/trial-balance?institution=QH101&period={MARCH}&basis={basis}").json
    return {"rows": {row["account"]: row for row in body["rows"]}, "totals": body["totals"]}


def test_after_reversal_the_trial_balance_equals_the_one_before_the_original(books, api):
    books.enter("QH101", [("1002", "5000.00"), ("4101010105", "0", "5000.00")], on=date(YEAR, 3, 2))
    before = {basis: _trial_balance(api, basis) for basis in ("financial", "budget")}
    original = books.enter("QH101", RECEIPT, on=date(YEAR, 3, 10), memo="门诊收费")
    during = _trial_balance(api)
    assert during["rows"]["1001"]["period_debit"] == "2345.67"
    assert during["totals"]["period_debit"] == "7345.67"

    reversal = api("chief").post(f"/api/v1/vouchers/{original.id}/reverse", json={"date": f"{YEAR}-03-20"})
    assert reversal.status_code == 201, reversal.json
    red = sorted((l["account"], l["debit"], l["credit"]) for l in reversal.json["lines"])
    assert red == sorted([("1001", "-2345.67", "0.00"), ("410101010801", "0.00", "-1345.67"),
                          ("4101010105", "0.00", "-1000.00"), ("8001", "-2345.67", "0.00"),
                          ("61010101", "0.00", "-2345.67")])
    after = {basis: _trial_balance(api, basis) for basis in ("financial", "budget")}
    assert after == before  # 发生额 and balances, both bases: as if the receipt had never been posted
    assert "1001" not in after["financial"]["rows"] or after["financial"]["rows"]["1001"]["period_debit"] == "0.00"
    assert after["financial"]["totals"]["period_debit"] == after["financial"]["totals"]["period_credit"] == "5000.00"
    # the kept balances hold the net zero, the chain and the balances verify
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    cash = db.session.scalars(select(Balance).join(Account, Account.id == Balance.account_id).where(
        Balance.institution_id == institution.id, Balance.month == 3, Account.code == "1001")).all()
    assert cash and all(b.debit == b.credit == 0 for b in cash)
    assert verify_chains(db.session) == [] and check_balances(db.session) == []


def test_the_detail_ledger_shows_the_red_line_on_the_original_side(books, api):
    original = books.enter("QH101", RECEIPT, on=date(YEAR, 3, 10), memo="门诊收费")
    assert api("chief").post(f"/api/v1/vouchers/{original.id}/reverse",
                             json={"date": f"{YEAR}-03-25"}).status_code == 201
    body = api("finance").get(f"/api/v1/reports/detail-ledger?institution=QH101&account=1001&period={MARCH}").json
    lines = [(r["debit"], r["credit"], r["balance"]) for r in body["rows"] if r["kind"] == "line"]
    assert lines == [("2345.67", "0.00", "2345.67"), ("-2345.67", "0.00", "0.00")]
    month = next(r for r in body["rows"] if r["kind"] == "month")
    assert (month["debit"], month["credit"], month["balance"]) == ("0.00", "0.00", "0.00")


def test_an_empty_body_is_accepted_and_the_print_says_red(books, api):
    original = books.enter("QH101", RECEIPT, memo="门诊收费")
    response = api("chief").post(f"/api/v1/vouchers/{original.id}/reverse")
    assert response.status_code == 201, response.json
    reversal = db.session.get(Voucher, response.json["id"])
    assert reversal.kind is VoucherKind.REVERSAL and reversal.memo.startswith("冲销 记-")
    doc = voucher_print(reversal)
    assert doc.totals(doc.financial) == (Decimal("-2345.67"), Decimal("-2345.67"))
    assert doc.words(doc.financial) == "（红字）贰仟叁佰肆拾伍元陆角柒分"


def test_negative_amounts_only_as_red_lines(books, api):
    body = {"institution": "QH101", "date": f"{YEAR}-03-15", "memo": "负数",
            "lines": [{"account": "1001", "debit": "-10.00"}, {"account": "4101010105", "credit": "-10.00"}]}
    refused = api("finance").post("/api/v1/vouchers", json=body)
    assert refused.status_code == 422
    line = db.session.get(Voucher, books.enter("QH101", RECEIPT).id).lines[0]
    with pytest.raises(BusinessError) as refusal:
        check_red_lines(VoucherKind.NORMAL, [_Line(1, Decimal("-1.00"), Decimal(0))])
    assert refusal.value.code == "red_line"
    with pytest.raises(BusinessError):  # a reversal line is red on one side only
        check_red_lines(VoucherKind.REVERSAL, [_Line(1, Decimal("5.00"), Decimal(0))])
    check_red_lines(VoucherKind.REVERSAL, [_Line(1, Decimal("-5.00"), Decimal(0))])
    assert line.debit == Decimal("2345.67")


class _Line:
    def __init__(self, line_no, debit, credit):
        self.line_no, self.debit, self.credit = line_no, debit, credit


def test_cost_accounting_collects_nothing_of_a_reversed_expense(books, api):
    kept = books.enter("QH101", [("5001", "111.11", "0", {"department": "01"}), ("1001", "0", "111.11")])
    original = books.enter("QH101", EXPENSE)
    assert api("chief").post(f"/api/v1/vouchers/{original.id}/reverse",
                             json={"date": f"{YEAR}-03-31", "memo": "冲销错账"}).status_code == 201
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    collected = collect_costs(db.session, institution, period_range(MARCH))
    assert collected.ledger_total() == Decimal("111.11")
    assert kept.state is VoucherState.POSTED


def test_consolidation_drops_an_internal_sale_reversed_on_both_sides(books, api):
    from tests.ledger.test_consolidation import post_community, rows, tb

    post_community(books)
    sale = db.session.scalars(select(Voucher).where(Voucher.internal_ref == "NB-T2")).all()
    chief = api("chief")
    for voucher in sale:
        assert chief.post(f"/api/v1/vouchers/{voucher.id}/reverse", json={"date": f"{YEAR}-03-28"}).status_code == 201
    body = tb(api("finance"), "community=QH")
    eliminations = body["eliminations"]
    kinds = {(l["type"], l["institution"], l["counterparty"], l["account"]) for l in eliminations["lines"]}
    assert ("transaction", "QH001", "QH102", "4401") not in kinds and ("balance", "QH001", "QH102", "1218") not in kinds
    assert eliminations["differences"] == []
    consolidated = rows(body)
    assert "4401" not in consolidated and body["totals"]["closing_debit"] == body["totals"]["closing_credit"]


def test_year_end_closes_nothing_of_a_reversed_revenue(books, api):
    from tests.ledger.test_year_end import LAST_YEAR, close_months

    original = books.enter("QH101", RECEIPT, on=date(LAST_YEAR, 3, 10))
    chief = api("chief")
    assert chief.post(f"/api/v1/vouchers/{original.id}/reverse", json={"date": f"{LAST_YEAR}-04-02"}).status_code == 201
    close_months(chief, "QH101")
    closed = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert closed.status_code == 200 and closed.json["voucher"] is None  # nothing left to carry
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
