"""Procurement's home-page tiles: requisitions and orders to approve, receipts to accept, batches near expiry and
invoices due this week — with the flow's real figures, counted within the user's institutions."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from erp.core.extensions import db
from erp.procurement.services import settings_for
from tests.factories import USER_PASSWORD, UserFactory
from tests.home import tiles
from tests.procurement.flow.conftest import ASPIRIN, TODAY, consolidate, requisition

UPSTREAM = {"upstream_invoice_no": "44012345", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}


def _tiles(web, username, password="yigong2026"):
    return tiles(web(username, password).get("/").get_data(as_text=True))


def test_requisitions_to_approve_count_only_the_approvers_institutions(flow, api, web):
    requisition(api("accountant"), "QH101", [(ASPIRIN, 10)])
    for quantity in (5, 7):
        requisition(api("clerk"), "QH102", [(ASPIRIN, quantity)])
    requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], submit=False)  # a draft waits for nobody
    town = _tiles(web, "accountant")["requisitions_to_approve"]
    assert town["value"] == 1 and town["href"] == "/procurement/requisitions?state=submitted"
    assert _tiles(web, "finance")["requisitions_to_approve"]["value"] == 3


def test_an_order_through_receipt_near_expiry_and_payment_due_shows_on_the_tiles(flow, api, web):
    settings_for(db.session, flow.community.id).payment_term_days = 0  # due on the day of acceptance
    UserFactory(username="town_finance", role="finance", institutions=["QH102"])
    db.session.commit()
    requisition(api("clerk"), "QH102", [(ASPIRIN, 30)], approver=api("finance"))
    [order] = consolidate(api("procurement"))
    order_amount = sum(Decimal(line["amount"]) for line in order["lines"])
    tile = _tiles(web, "chief")["orders_to_approve"]
    assert tile["value"] == 1 and tile["details"] == [f"金额 {order_amount:,.2f}"]
    assert tile["href"] == "/procurement/orders?state=draft"
    assert api("chief").post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 200
    assert _tiles(web, "chief")["orders_to_approve"]["value"] == 0

    soon = (TODAY + timedelta(days=90)).isoformat()  # inside the 6-month near-expiry window
    registered = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
        {"po_line": order["lines"][0]["id"], "quantity": 30, "batch": "B1", "expiry": soon}]})
    assert registered.status_code == 201, registered.json
    assert _tiles(web, "procurement")["receipts_to_accept"]["value"] == 1
    accepted = api("procurement").post(f"/api/v1/receipts/{registered.json['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    after = _tiles(web, "procurement")
    assert after["receipts_to_accept"]["value"] == 0
    assert after["near_expiry_batches"]["value"] == 1
    assert after["near_expiry_batches"]["details"] == [f"金额 {Decimal(accepted.json['amount']):,.2f}"]

    line = accepted.json["lines"][0]["id"]
    invoice = api("procurement").post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0001", "lines": [
        {"receipt_line": line, "quantity": 20, "unit_price": "12.3456", **UPSTREAM}]})
    assert invoice.status_code == 201, invoice.json
    due = _tiles(web, "finance")["payments_due_this_week"]
    assert due["value"] == Decimal(invoice.json["outstanding"]) == Decimal("246.91")
    assert due["details"] == ["发票张数 1"]
    # the goods went to the central pharmacy (QH001): a QH102 finance officer has nothing due, nothing near expiry
    town = _tiles(web, "town_finance", USER_PASSWORD)
    assert town["payments_due_this_week"]["value"] == 0 and town["near_expiry_batches"]["value"] == 0


def test_the_procurement_index_page_shows_its_tiles_and_menu(flow, api, web):
    requisition(api("clerk"), "QH102", [(ASPIRIN, 5)])
    page = web("finance").get("/procurement/").get_data(as_text=True)
    assert tiles(page)["requisitions_to_approve"]["value"] == 1
    assert "budget_left" not in tiles(page) and "drafts_to_review" not in tiles(page)  # procurement's tiles only
    assert "/procurement/requisitions" in page and "/procurement/kpis" in page and "采购订单" in page
    assert "采购参数" not in page  # settings: admin and the chief accountant only
