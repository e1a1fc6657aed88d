"""Procurement races: requisitions, orders, receipts, transfers, dispensing and payments (the ``flow`` fixture's
community)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select

from erp.core.extensions import db
from tests.races.common import Race, chains_hold


def _requisition(request, api, submit=True):
    from tests.procurement.flow.conftest import ASPIRIN, requisition

    request.getfixturevalue("flow")
    return requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], submit=submit)["id"]


def requisition_submit(request, api):
    return Race("clerk", f"/api/v1/requisitions/{_requisition(request, api, submit=False)}/submit")


def requisition_approve(request, api):
    return Race("finance", f"/api/v1/requisitions/{_requisition(request, api)}/approve")


def requisition_reject(request, api):
    return Race("finance", f"/api/v1/requisitions/{_requisition(request, api)}/reject", {"reason": "数量过多"})


def _order(request, api, approve=True):
    from tests.procurement.flow.conftest import ASPIRIN, approved_order, consolidate, requisition

    request.getfixturevalue("flow")
    if approve:
        return approved_order(api, [(ASPIRIN, 3)])
    requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], approver=api("finance"))
    [order] = consolidate(api("procurement"))
    return order


def order_approve(request, api):
    order = _order(request, api, approve=False)
    return Race("chief", f"/api/v1/purchase-orders/{order['id']}/approve")


def order_cancel(request, api):
    order = _order(request, api, approve=False)  # 作废 is for a draft order
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/cancel", {"reason": "供应商停产"})


def order_line_cancel(request, api):
    order = _order(request, api)
    line = order["lines"][0]["id"]
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/lines/{line}/cancel", {"reason": "供应商停产"})


def order_consolidate(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, PERIOD, requisition

    request.getfixturevalue("flow")
    requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], approver=api("finance"))

    def check():
        from erp.procurement.models import PurchaseOrder

        db.session.expire_all()
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 1
    # the approved requisitions become one order once; the others find nothing left (an empty list, or 409)
    return Race("procurement", "/api/v1/purchase-orders/consolidate", {"period": PERIOD}, ok=201, losers=(201, 409),
                check=check)


def _receipt(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, receive

    order = _order(request, api)
    made = receive(api("pharmacy"), order, {ASPIRIN: 3})
    assert made.status_code == 201, made.json
    return made.json["id"]


def receipt_accept(request, api):
    return Race("procurement", f"/api/v1/receipts/{_receipt(request, api)}/accept", {}, check=chains_hold)


def receipt_cancel(request, api):
    return Race("pharmacy", f"/api/v1/receipts/{_receipt(request, api)}/cancel", {"reason": "到货破损"})


def order_platform_number(request, api):
    order = _order(request, api)
    # recording the platform's order number is not a state change: every writer may set it, the last one stays
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/platform-order",
                {"platform_order_no": "HBYC2026000123"}, losers=(200, 409))


def _receipt_accepted(request, api):
    receipt_id = _receipt(request, api)
    accepted = api("procurement").post(f"/api/v1/receipts/{receipt_id}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    return accepted.json


def transfer_post(request, api):
    from tests.procurement.flow.conftest import ASPIRIN

    _receipt_accepted(request, api)  # 3 boxes (90 tablets) in the lead's store
    made = api("pharmacy").post("/api/v1/transfers", json={"to_institution": "QH102", "lines": [
        {"item": ASPIRIN, "quantity": 1}]})
    assert made.status_code == 201, made.json
    return Race("procurement", f"/api/v1/transfers/{made.json['id']}/post", {}, check=chains_hold)


def dispensing_post(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, approved_order, received

    request.getfixturevalue("flow")
    order = approved_order(api, [(ASPIRIN, 3)])
    received(api, order, {ASPIRIN: 3}, registrar="procurement", accepter="finance", institution="QH102")
    made = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 20}]})
    assert made.status_code == 201, made.json
    return Race("finance", f"/api/v1/dispensing/{made.json['id']}/post", {}, check=chains_hold)


def payment_post(request, api):
    accepted = _receipt_accepted(request, api)
    invoice = api("procurement").post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0001", "lines": [
        {"receipt_line": accepted["lines"][0]["id"], "quantity": 3, "unit_price": "12.3456",
         "upstream_invoice_no": "44012345", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}]})
    assert invoice.status_code == 201, invoice.json
    draft = api("finance").post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice.json["id"], "amount": "30.00"}]})
    assert draft.status_code == 201, draft.json
    return Race("chief", f"/api/v1/payments/{draft.json['id']}/post", {}, check=chains_hold)


RACES: dict[tuple[str, str], Callable] = {
    ("POST", "/api/v1/requisitions/<int:requisition_id>/submit"): requisition_submit,
    ("POST", "/api/v1/requisitions/<int:requisition_id>/approve"): requisition_approve,
    ("POST", "/api/v1/requisitions/<int:requisition_id>/reject"): requisition_reject,
    ("POST", "/api/v1/purchase-orders/consolidate"): order_consolidate,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/approve"): order_approve,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/cancel"): order_cancel,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/lines/<int:line_id>/cancel"): order_line_cancel,
    ("POST", "/api/v1/receipts/<int:receipt_id>/accept"): receipt_accept,
    ("POST", "/api/v1/receipts/<int:receipt_id>/cancel"): receipt_cancel,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/platform-order"): order_platform_number,
    ("POST", "/api/v1/transfers/<int:transfer_id>/post"): transfer_post,
    ("POST", "/api/v1/dispensing/<int:dispensing_id>/post"): dispensing_post,
    ("POST", "/api/v1/payments/<int:payment_id>/post"): payment_post,
}
