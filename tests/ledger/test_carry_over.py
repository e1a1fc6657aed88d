"""期末结转: a month's revenue and expense into 本期盈余 and its budget side into the 结转结余 accounts, as a
generated draft reviewed and posted like any voucher; the year-end close then moves what 本期盈余 holds on
through 本年盈余分配 into 累计盈余. Cost accounting and the statements are not disturbed by it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.costing.services.collection import collect_costs
from erp.ledger.services.periods import period_range
from erp.ledger.models import Voucher, VoucherKind
from tests.ledger.conftest import YEAR
from tests.ledger.test_year_end import LAST_YEAR, close_months, net

RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]
DEPRECIATION = [("5001", "300.00", "0", {"department": "01"}), ("1602", "0", "300.00")]


def _lines(body: dict) -> list[tuple]:
    return sorted((l["account"], l["basis"], l["debit"], l["credit"]) for l in body["lines"])


def test_the_months_carry_over_is_a_draft_reviewed_and_posted(books, api):
    books.enter("QH101", RECEIPT, on=date(YEAR, 3, 10))
    books.enter("QH101", DEPRECIATION, on=date(YEAR, 3, 31))
    finance, chief = api("finance"), api("chief")
    period = {"institution": "QH101", "period": f"{YEAR}-03"}
    created = finance.post("/api/v1/periods/carry-over", json=period)
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["status"], body["kind"], body["date"], body["number"]) == ("draft", "closing", f"{YEAR}-03-31", None)
    assert _lines(body) == sorted([
        ("410101010801", "financial", "600.00", "0.00"), ("4101010105", "financial", "400.00", "0.00"),
        ("5001", "financial", "0.00", "300.00"), ("3301", "financial", "0.00", "700.00"),
        ("61010101", "budget", "1000.00", "0.00"), ("8201", "budget", "0.00", "1000.00")])
    pending = finance.post("/api/v1/periods/carry-over", json=period)
    assert pending.status_code == 409 and pending.json["error"]["code"] == "carry_over_pending"
    edit = finance.put(f"/api/v1/vouchers/{body['id']}", json={
        "institution": "QH101", "date": f"{YEAR}-03-31", "lines": [{"account": "1001", "debit": "1"},
                                                                   {"account": "4101010105", "credit": "1"}]})
    assert edit.status_code == 409 and edit.json["error"]["code"] == "generated_voucher"
    assert finance.post(f"/api/v1/vouchers/{body['id']}/review").status_code == 403  # the preparer
    assert chief.post(f"/api/v1/vouchers/{body['id']}/review").status_code == 200
    posted = chief.post(f"/api/v1/vouchers/{body['id']}/post")
    assert posted.status_code == 200 and posted.json["number"] == f"记-{YEAR}-03-0003"
    assert net("QH101", YEAR, 3, "4101010105") == net("QH101", YEAR, 3, "5001") == 0
    assert net("QH101", YEAR, 3, "3301") == Decimal("-700.00") and net("QH101", YEAR, 3, "8201") == Decimal("-1000.00")
    nothing = finance.post("/api/v1/periods/carry-over", json=period)
    assert nothing.status_code == 409 and nothing.json["error"]["code"] == "nothing_to_carry"
    # the flows of March are still there for the statements and cost accounting (closing entries excluded)
    centre = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    assert collect_costs(db.session, centre, period_range(f"{YEAR}-03")).ledger_total() == Decimal("300.00")
    tb = finance.get(f"/api/v1/reports/trial-balance?institution=QH101&period={YEAR}-03").json
    rows = {row["account"]: row for row in tb["rows"]}
    assert rows["3301"]["closing_credit"] == "700.00" and tb["totals"]["closing_debit"] == tb["totals"]["closing_credit"]


def test_a_later_voucher_is_carried_by_a_second_carry_over(books, api):
    books.enter("QH101", RECEIPT, on=date(YEAR, 3, 10))
    finance, chief = api("finance"), api("chief")
    period = {"institution": "QH101", "period": f"{YEAR}-03"}
    first = finance.post("/api/v1/periods/carry-over", json=period).json
    for step in ("review", "post"):
        assert chief.post(f"/api/v1/vouchers/{first['id']}/{step}").status_code == 200
    books.enter("QH101", DEPRECIATION, on=date(YEAR, 3, 31))
    second = finance.post("/api/v1/periods/carry-over", json=period)
    assert second.status_code == 201
    assert _lines(second.json) == [("3301", "financial", "300.00", "0.00"), ("5001", "financial", "0.00", "300.00")]


def test_year_end_moves_what_the_months_carried_into_surplus_on_to_accumulated_surplus(books, api):
    books.enter("QH101", RECEIPT, on=date(LAST_YEAR, 3, 10))
    books.enter("QH101", DEPRECIATION, on=date(LAST_YEAR, 7, 31))
    finance, chief = api("finance"), api("chief")
    march = finance.post("/api/v1/periods/carry-over", json={"institution": "QH101", "period": f"{LAST_YEAR}-03"})
    for step in ("review", "post"):
        assert chief.post(f"/api/v1/vouchers/{march.json['id']}/{step}").status_code == 200
    close_months(chief, "QH101")
    closed = chief.post("/api/v1/years/close", json={"institution": "QH101", "year": LAST_YEAR})
    assert closed.status_code == 200, closed.json
    # July's 300 expense is closed into 3301 at year end; 3301 then holds March's carried 1,000 less 300: the
    # year's surplus of 700 goes on through 3302 into 3001
    assert _lines(closed.json["voucher"]) == sorted([
        ("5001", "financial", "0.00", "300.00"), ("3301", "financial", "300.00", "0.00"),
        ("3301", "financial", "700.00", "0.00"), ("3302", "financial", "0.00", "700.00"),
        ("3302", "financial", "700.00", "0.00"), ("3001", "financial", "0.00", "700.00")])
    assert net("QH101", YEAR, 0, "3001") == Decimal("-700.00") and net("QH101", YEAR, 0, "3301") == 0
    assert net("QH101", YEAR, 0, "8201") == Decimal("-1000.00")
    kinds = {v.kind for v in db.session.query(Voucher).filter(Voucher.year == LAST_YEAR, Voucher.month.in_([3, 12]))}
    assert VoucherKind.CLOSING in kinds
