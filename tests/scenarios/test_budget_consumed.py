"""A purchase order and a payroll run consume the budget: 王会计 (finance) prepares the county hospital's (QH001)
事业支出 budget and 李总 (chief accountant) puts it into execution; the procurement clerk's order, once the chief
accountant approves it, is committed on the line; the supplier is paid and the commitment becomes actual spending,
once. HR's monthly run is approved (committed), posted (no budget cash moves) and paid (the net pay is actual
spending, the rest freed). A second order too large for what is left is refused and stays a draft."""
from __future__ import annotations

from decimal import Decimal

import pytest

from erp.core.extensions import db
from erp.core.timeutil import local_today
from tests.procurement.flow.conftest import ASPIRIN, EXPIRY, Flow, consolidate, requisition
from tests.payroll.conftest import compute

UPSTREAM = {"upstream_invoice_no": "13579246", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}
TODAY = local_today()


@pytest.fixture
def flow(demo):
    from erp.payroll.demo import load_demo

    load_demo(db.session, history=False)
    db.session.commit()
    return Flow(demo)


def test_a_purchase_order_and_a_payroll_run_consume_the_budget(flow, api):
    finance, chief, procurement, pharmacy, hr = (api(name) for name in ("finance", "chief", "procurement",
                                                                          "pharmacy", "hr"))

    def line() -> tuple[Decimal, ...]:
        row = finance.get(f"/api/v1/budgets/{budget_id}/execution").json["lines"][0]
        return tuple(Decimal(row[key]) for key in ("amount", "committed", "actual", "available"))

    # 08:30 — 王会计 prepares QH001's 事业支出 line (Stop) for the year; 李总 approves it and starts execution
    created = finance.post("/api/v1/budgets", json={"institution": "QH001", "year": TODAY.year, "lines": [
        {"account": "7201", "amount": "600000.00"}]})
    assert created.status_code == 201, created.json
    budget_id = created.json["id"]
    assert finance.post(f"/api/v1/budgets/{budget_id}/submit").status_code == 200
    assert chief.post(f"/api/v1/budgets/{budget_id}/approve").status_code == 200
    assert chief.post(f"/api/v1/budgets/{budget_id}/execute").json["state"] == "executing"
    assert line() == (Decimal("600000.00"), 0, 0, Decimal("600000.00"))

    # 09:00 — the central pharmacy asks for 40 boxes of aspirin; the clerk consolidates, 李总 approves the order:
    # 40 × 12.3456 = 493.824 → 493.82 committed
    requisition(pharmacy, "QH001", [(ASPIRIN, 40)], approver=finance)
    [order] = consolidate(procurement)
    assert chief.post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
    assert line() == (Decimal("600000.00"), Decimal("493.82"), 0, Decimal("599506.18"))

    # 10:30 — the goods arrive and are accepted; the invoice is matched; finance pays, 李总 approving the payment
    received = pharmacy.post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
        {"po_line": order["lines"][0]["id"], "quantity": 40, "batch": "B0901", "expiry": EXPIRY}]})
    accepted = procurement.post(f"/api/v1/receipts/{received.json['id']}/accept", json={})
    invoice = procurement.post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0901", "lines": [
        {"receipt_line": accepted.json["lines"][0]["id"], "quantity": 40, "unit_price": "12.3456", **UPSTREAM}]})
    assert invoice.json["amount"] == "493.82", invoice.json
    payment = finance.post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice.json["id"], "amount": "493.82"}]})
    assert chief.post(f"/api/v1/payments/{payment.json['id']}/post", json={}).status_code == 200
    assert line() == (Decimal("600000.00"), 0, Decimal("493.82"), Decimal("599506.18"))  # counted once

    # 14:00 — HR computes this month's run of QH001 and 李总 approves it: its cost is committed
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH001", "year": TODAY.year,
                                                "month": TODAY.month}).json
    computed = compute(hr, run["id"])
    cost = Decimal(computed["gross_total"]) + Decimal(computed["employer_total"])
    net = Decimal(computed["net_total"])
    assert chief.post(f"/api/v1/payroll-runs/{run['id']}/approve").status_code == 200
    assert line() == (Decimal("600000.00"), cost, Decimal("493.82"), Decimal("599506.18") - cost)

    # 15:00 — finance posts the accrual (the commitment stays) and pays: the net pay is actual, the rest freed
    assert finance.post(f"/api/v1/payroll-runs/{run['id']}/post").status_code == 200
    assert line()[1] == cost
    paid = finance.post(f"/api/v1/payroll-runs/{run['id']}/pay", json={"date": TODAY.isoformat()})
    assert paid.status_code == 200, paid.json
    assert line() == (Decimal("600000.00"), 0, Decimal("493.82") + net, Decimal("599506.18") - net)

    # 16:00 — an order bigger than what is left is refused, naming the line, the amount asked and what is left
    left = line()[3]
    requisition(pharmacy, "QH001", [(ASPIRIN, 50000)], approver=finance)
    [big] = consolidate(procurement)
    refused = chief.post(f"/api/v1/purchase-orders/{big['id']}/approve")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "budget_exceeded"
    assert refused.json["error"]["fields"]["asked"] == ["617280.00"]  # 50,000 × 12.3456
    assert refused.json["error"]["fields"]["available"] == [f"{left:.2f}"]
    assert chief.get(f"/api/v1/purchase-orders/{big['id']}").json["state"] == "draft"
