"""预算控制 of the purchase orders (issue #11): approving commits the order on the central pharmacy's 7201 line
(Stop refuses, the order stays a draft; Warn records), cancelling a line of an approved order sends it back for
approval (its commitment released, the new total committed when approved again), and paying hands it over to
the payment, whose 平行记账 spending is counted once."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.budget.models import BudgetEntry, BudgetLine, BudgetWarning, EntryKind, EntryState
from erp.core.extensions import db
from tests.factories import budget_line
from tests.procurement.flow.conftest import ASPIRIN, EXPIRY, HERB, consolidate, requisition

UPSTREAM = {"upstream_invoice_no": "44012345", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}
ASPIRIN_30 = Decimal("370.37")  # 30 boxes × 12.3456 = 370.368 → 370.37
HERB_2 = Decimal("60.00")       # 2 bags × 30.0000


def _line(line_id: int) -> BudgetLine:
    db.session.expire_all()
    return db.session.get(BudgetLine, line_id)


def _draft_order(api, lines) -> dict:
    requisition(api("clerk"), "QH102", lines, approver=api("finance"))
    [order] = consolidate(api("procurement"))
    return order


def _commitments(order_id: int) -> list[BudgetEntry]:
    return list(db.session.scalars(select(BudgetEntry).where(
        BudgetEntry.source_module == "procurement", BudgetEntry.source_kind == "purchase_order",
        BudgetEntry.source_key.like(f"{order_id}-%"))))


def test_a_stop_line_refuses_the_approval_and_the_order_stays_a_draft(flow, api):
    line_id = budget_line("QH001", "300.00", "stop").id
    db.session.commit()
    order = _draft_order(api, [(ASPIRIN, 30)])
    refused = api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve")
    assert refused.status_code == 409, refused.json
    error = refused.json["error"]
    assert error["code"] == "budget_exceeded"
    assert (error["fields"]["asked"], error["fields"]["available"]) == (["370.37"], ["300.00"])
    assert error["fields"]["line"][0] == _line(line_id).label and "7201" in error["fields"]["line"][0]
    assert api("chief").get(f"/api/v1/purchase-orders/{order['id']}").json["state"] == "draft"
    line = _line(line_id)
    assert (line.committed, line.actual, line.available) == (0, 0, Decimal("300.00"))
    assert _commitments(order["id"]) == []


def test_a_warn_line_lets_the_approval_through_and_records_who_and_why(flow, api):
    line_id = budget_line("QH001", "300.00", "warn").id
    db.session.commit()
    order = _draft_order(api, [(ASPIRIN, 30)])
    approved = api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve")
    assert approved.status_code == 200, approved.json
    assert _line(line_id).committed == ASPIRIN_30 and _line(line_id).available == Decimal("-70.37")
    [warning] = db.session.scalars(select(BudgetWarning).where(BudgetWarning.line_id == line_id))
    assert (warning.amount, warning.available, warning.user.username) == (ASPIRIN_30, Decimal("300.00"), "chief")
    assert order["number"] in warning.reason and warning.entry_id == _commitments(order["id"])[0].id


def test_cancelling_a_line_of_an_approved_order_sends_it_back_for_approval_of_the_new_total(flow, api):
    line_id = budget_line("QH001", "1000.00").id
    db.session.commit()
    order = _draft_order(api, [(ASPIRIN, 30), (HERB, 2)])
    approved = api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve")
    assert approved.status_code == 200 and approved.json["amount"] == str(ASPIRIN_30 + HERB_2)
    line = _line(line_id)
    assert (line.committed, line.available) == (ASPIRIN_30 + HERB_2, Decimal("569.63"))
    herb = next(l for l in order["lines"] if l["item"] == HERB)
    cancelled = api("procurement").post(f"/api/v1/purchase-orders/{order['id']}/lines/{herb['id']}/cancel",
                                        json={"reason": "供应商缺货"})
    assert cancelled.status_code == 200, cancelled.json
    # the approved 430.37 is not silently turned into 370.37: the order waits for approval of the new total
    assert (cancelled.json["state"], cancelled.json["amount"], cancelled.json["approved_by"]) == (
        "draft", str(ASPIRIN_30), None)
    assert (_line(line_id).committed, _line(line_id).available) == (0, Decimal("1000.00"))
    assert [c.state for c in _commitments(order["id"])] == [EntryState.RELEASED]
    again = api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve")
    assert again.status_code == 200 and again.json["state"] == "approved"
    line = _line(line_id)
    assert (line.committed, line.available) == (ASPIRIN_30, Decimal("629.63"))
    assert sorted((c.amount, c.state) for c in _commitments(order["id"])) == [
        (ASPIRIN_30, EntryState.OPEN), (ASPIRIN_30 + HERB_2, EntryState.RELEASED)]


def test_once_goods_arrived_no_line_of_the_approved_order_is_cancelled(flow, api):
    order = _draft_order(api, [(ASPIRIN, 30), (HERB, 2)])
    assert api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
    aspirin, herb = (next(l for l in order["lines"] if l["item"] == code) for code in (ASPIRIN, HERB))
    receipt = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
        {"po_line": aspirin["id"], "quantity": 10, "batch": "B1", "expiry": EXPIRY}]})
    assert receipt.status_code == 201, receipt.json
    refused = api("procurement").post(f"/api/v1/purchase-orders/{order['id']}/lines/{herb['id']}/cancel",
                                      json={"reason": "供应商缺货"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "order_receiving"
    after = api("chief").get(f"/api/v1/purchase-orders/{order['id']}").json
    assert (after["state"], after["amount"]) == ("approved", str(ASPIRIN_30 + HERB_2))
    assert not next(l for l in after["lines"] if l["id"] == herb["id"])["cancelled"]


def test_payments_turn_the_commitment_into_actual_spending_once(flow, api):
    line_id = budget_line("QH001", "1000.00").id
    db.session.commit()
    order = _draft_order(api, [(ASPIRIN, 30)])
    assert api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
    order = api("chief").get(f"/api/v1/purchase-orders/{order['id']}").json
    receipt = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
        {"po_line": order["lines"][0]["id"], "quantity": 30, "batch": "B1", "expiry": EXPIRY}]})
    accepted = api("procurement").post(f"/api/v1/receipts/{receipt.json['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    invoice = api("procurement").post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0001", "lines": [
        {"receipt_line": accepted.json["lines"][0]["id"], "quantity": 30, "unit_price": "12.3456", **UPSTREAM}]})
    assert invoice.status_code == 201 and invoice.json["amount"] == "370.37", invoice.json
    before = _line(line_id)
    assert (before.committed, before.actual, before.available) == (ASPIRIN_30, 0, Decimal("629.63"))
    for amount, committed, actual in [("100.00", "270.37", "100.00"), ("270.37", "0.00", "370.37")]:
        payment = api("finance").post("/api/v1/payments", json={"supplier": "S101", "allocations": [
            {"invoice": invoice.json["id"], "amount": amount}]})
        posted = api("chief").post(f"/api/v1/payments/{payment.json['id']}/post", json={})
        assert posted.status_code == 200, posted.json
        line = _line(line_id)
        # the handover changes nothing available: committed goes down by what actual goes up
        assert (line.committed, line.actual, line.available) == (Decimal(committed), Decimal(actual),
                                                                 Decimal("629.63"))
    actuals = db.session.scalars(select(BudgetEntry).where(BudgetEntry.line_id == line_id,
                                                           BudgetEntry.kind == EntryKind.ACTUAL)).all()
    assert sorted(e.amount for e in actuals) == [Decimal("100.00"), Decimal("270.37")]
    assert {e.source_kind for e in actuals} == {"payment"}
    assert all(e.state is not EntryState.OPEN for e in _commitments(order["id"]))
    open_entries = db.session.scalars(select(BudgetEntry).where(BudgetEntry.line_id == line_id,
                                                                BudgetEntry.state == EntryState.OPEN)).all()
    assert open_entries == []


@pytest.mark.postgres
def test_concurrent_approvals_against_the_last_remaining_amount_never_overspend(flow, api):
    """Six orders of 370.37 approved at once against a Stop line of 1,200.00: exactly three fit."""
    line_id = budget_line("QH001", "1200.00", "stop").id
    db.session.commit()
    orders = [_draft_order(api, [(ASPIRIN, 30)])["id"] for _ in range(6)]
    approvers = [api("chief") for _ in orders]
    barrier, answers = threading.Barrier(len(orders)), []

    def work(client, order_id):
        barrier.wait()
        response = client.post(f"/api/v1/purchase-orders/{order_id}/approve")
        answers.append((order_id, response.status_code, (response.json.get("error") or {}).get("code")))

    pool = [threading.Thread(target=work, args=pair) for pair in zip(approvers, orders)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert sorted((status, code) for _, status, code in answers) == [(200, None)] * 3 + [(409, "budget_exceeded")] * 3
    line = _line(line_id)
    assert (line.committed, line.available) == (3 * ASPIRIN_30, Decimal("88.89"))
    states = {o: api("chief").get(f"/api/v1/purchase-orders/{o}").json["state"] for o in orders}
    approved = sorted(o for o, status, _ in answers if status == 200)
    assert sorted(o for o, state in states.items() if state == "approved") == approved
    open_commitments = db.session.scalars(select(BudgetEntry).where(BudgetEntry.line_id == line_id,
                                                                    BudgetEntry.state == EntryState.OPEN)).all()
    assert sorted(int(e.source_key.split("-")[0]) for e in open_commitments) == approved


def test_goods_received_straight_at_a_member_free_the_central_pharmacys_commitment_when_paid(flow, api):
    lead_id = budget_line("QH001", "1000.00").id
    member_id = budget_line("QH102", "1000.00").id
    db.session.commit()
    order = _draft_order(api, [(ASPIRIN, 30)])
    assert api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
    receipt = api("procurement").post("/api/v1/receipts", json={"purchase_order": order["id"], "institution": "QH102",
                                                                "lines": [{"po_line": order["lines"][0]["id"],
                                                                           "quantity": 30, "batch": "B2",
                                                                           "expiry": EXPIRY}]})
    assert receipt.status_code == 201, receipt.json
    accepted = api("finance").post(f"/api/v1/receipts/{receipt.json['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    invoice = api("procurement").post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0002", "lines": [
        {"receipt_line": accepted.json["lines"][0]["id"], "quantity": 30, "unit_price": "12.3456", **UPSTREAM}]})
    payment = api("finance").post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice.json["id"], "amount": "370.37"}]})
    assert api("chief").post(f"/api/v1/payments/{payment.json['id']}/post", json={}).status_code == 200
    lead, member = _line(lead_id), _line(member_id)
    # the member's books record the payment (its own line's actual); the lead's commitment is freed, not spent
    assert (lead.committed, lead.actual, lead.available) == (0, 0, Decimal("1000.00"))
    assert (member.committed, member.actual, member.available) == (0, ASPIRIN_30, Decimal("629.63"))
    assert [e.state for e in _commitments(order["id"])] == [EntryState.RELEASED]
