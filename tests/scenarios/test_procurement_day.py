"""The clerks' day in the 医共体's 统一采购·统一配送·统一支付, through the API, each step by the person whose job it
is: five members write their 请领单 and their approvers approve; the procurement clerk consolidates them into one
order per supplier and the chief accountant approves; the central pharmacy receives the deliveries (batches,
追溯码) and the procurement clerk accepts them; the pharmacy sends two members their share; a member dispenses at
the zero-markup price; the supplier's invoices are matched (两票制) and finance pays, the chief accountant
approving. At the end the books balance, every voucher chain holds, and each member's 1302 equals its stock."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp.core.extensions import db
from erp.ledger.services import Balance
from erp.ledger.services.integrity import check_balances, verify_chains
from tests.procurement.flow.conftest import (AMOXI, ASPIRIN, EXPIRY, PERIOD, SYRINGE, Flow, by_supplier, consolidate,
                                             requisition)

UPSTREAM = {"upstream_invoice_no": "13579246", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}


@pytest.fixture
def flow(demo):
    return Flow(demo)


def test_five_members_from_requisition_to_payment(flow, api):
    finance, chief, procurement, pharmacy = api("finance"), api("chief"), api("procurement"), api("pharmacy")

    # 08:30 — five members ask for what they need this month; each approver approves
    requisition(pharmacy, "QH001", [(ASPIRIN, 40), (SYRINGE, 4)], approver=finance)
    requisition(api("accountant"), "QH101", [(ASPIRIN, 10), (AMOXI, 6)], approver=finance)
    requisition(api("clerk"), "QH102", [(ASPIRIN, 8), (AMOXI, 4)], approver=finance)
    for member, lines in (("QH103", [(ASPIRIN, 5)]), ("QH104", [(AMOXI, 2), (SYRINGE, 1)])):
        requisition(procurement, member, lines, approver=finance)  # written for them by the community's clerk

    # 10:00 — the procurement clerk consolidates; the chief accountant approves; the platform numbers are recorded
    orders = by_supplier(consolidate(procurement, PERIOD))
    assert {s: [(l["item"], l["quantity"]) for l in o["lines"]] for s, o in orders.items()} == {
        "S101": [(ASPIRIN, 63)], "S102": [(AMOXI, 12), (SYRINGE, 5)]}
    for number, order in enumerate(orders.values(), start=1):
        assert chief.post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
        procurement.post(f"/api/v1/purchase-orders/{order['id']}/platform-order",
                         json={"platform_order_no": f"HB{number:06d}"})

    # 14:00 — deliveries reach the central pharmacy, with batches and traceability codes; accepted
    accepted = {}
    for supplier, order in orders.items():
        codes = iter(f"8{supplier[1:]}{n:016d}" for n in range(1000))
        lines = [{"po_line": l["id"], "quantity": l["quantity"], "batch": f"{supplier}-{l['line_no']}",
                  "expiry": EXPIRY, "trace_codes": [next(codes) for _ in range(min(l["quantity"], 3))]}
                 for l in order["lines"]]
        receipt = pharmacy.post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": lines})
        assert receipt.status_code == 201, receipt.json
        done = procurement.post(f"/api/v1/receipts/{receipt.json['id']}/accept", json={"note": "验收合格"})
        assert done.status_code == 200, done.json
        accepted[supplier] = done.json
    # 63 × 12.3456 = 777.7728 → 777.77; 12 × 8.20 = 98.40; 5 × 45.00 = 225.00
    assert {s: r["amount"] for s, r in accepted.items()} == {"S101": "777.77", "S102": "323.40"}

    # 15:00 — 统一配送 to two members, at cost, first expiry first out
    for member, lines in (("QH101", [(ASPIRIN, 300), (AMOXI, 144)]), ("QH102", [(ASPIRIN, 240), (AMOXI, 96)])):
        transfer = pharmacy.post("/api/v1/transfers", json={"to_institution": member, "lines": [
            {"item": item, "quantity": q} for item, q in lines]})
        posted = procurement.post(f"/api/v1/transfers/{transfer.json['id']}/post", json={})
        assert posted.status_code == 200, posted.json
    # QH101: 10 boxes of aspirin 123.456 → 123.46 + 6 boxes of amoxicillin 49.20 = 172.66
    # QH102: 8 boxes of aspirin 98.7648 → 98.76 + 4 boxes of amoxicillin 32.80 = 131.56

    # 16:00 — QH102 dispenses at the zero-markup price; revenue equals cost
    dispensing = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 45, "trace_code": "81019999999999999999"}, {"item": AMOXI, "quantity": 12}]})
    posted = finance.post(f"/api/v1/dispensing/{dispensing.json['id']}/post", json={})
    assert posted.status_code == 200 and posted.json["amount"] == "22.62"  # 18.52 + 4.10

    # 17:00 — the invoices arrive and are matched (两票制), finance pays S101 in part and S102 in full
    invoices = {}
    for supplier, receipt in accepted.items():
        invoice = procurement.post("/api/v1/invoices", json={"supplier": supplier, "invoice_no": f"{supplier}-0001", "lines": [
            {"receipt_line": l["id"], "quantity": l["quantity"], "unit_price": l["unit_price"], **UPSTREAM}
            for l in receipt["lines"]]})
        assert invoice.status_code == 201, invoice.json
        invoices[supplier] = invoice.json
    for supplier, amount in (("S101", "500.00"), ("S102", "323.40")):
        payment = finance.post("/api/v1/payments", json={"supplier": supplier, "allocations": [
            {"invoice": invoices[supplier]["id"], "amount": amount}]})
        assert chief.post(f"/api/v1/payments/{payment.json['id']}/post", json={}).status_code == 200
    publication = finance.get(f"/api/v1/reports/payment-publication?period={invoices['S101']['due_date'][:7]}").json
    assert {r["supplier"]: (r["paid_on_time"], r["unpaid"]) for r in publication["rows"]} == {
        "S101": ("500.00", "277.77"), "S102": ("323.40", "0.00")}

    # 18:00 — the books balance and the stock ledger equals 1302, per member and in total
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
    debit, credit = db.session.execute(select(func.sum(Balance.debit), func.sum(Balance.credit))).one()
    assert debit == credit
    report = finance.get("/api/v1/reports/stock-reconciliation").json
    rows = {r["institution"]: (r["ledger"], r["stock"]) for r in report["rows"]}
    # QH001: 1101.17 received − 172.66 − 131.56 sent; QH102: 131.56 − 22.62 dispensed
    assert rows == {"QH001": ("796.95", "796.95"), "QH101": ("172.66", "172.66"), "QH102": ("108.94", "108.94")}
    assert report["reconciled"] and report["ledger_total"] == report["stock_total"] == "1078.55"
