"""请领单 → 统一采购: members requisition, their approver approves, the procurement clerk consolidates one order
per supplier and platform, the chief accountant approves it; 非网采 needs an override; cancelling frees lines."""
from __future__ import annotations

from datetime import timedelta

from erp.core.extensions import db
from erp.procurement.models import RequisitionLine
from tests.procurement.flow.conftest import (AMOXI, ASPIRIN, HERB, NO_DEAL, PERIOD, SYRINGE, TODAY, by_supplier,
                                             consolidate, requisition)


def test_a_member_requisitions_and_its_approver_approves(flow, api):
    clerk, finance = api("clerk"), api("finance")
    body = requisition(clerk, "QH102", [(ASPIRIN, 10), (AMOXI, 5)], submit=False)
    assert body["state"] == "draft" and body["number"].startswith(f"QL-{TODAY.year}-")
    assert [(l["item"], l["quantity"]) for l in body["lines"]] == [(ASPIRIN, 10), (AMOXI, 5)]
    assert body["period"] == PERIOD
    submitted = clerk.post(f"/api/v1/requisitions/{body['id']}/submit")
    assert submitted.json["state"] == "submitted"
    assert clerk.post(f"/api/v1/requisitions/{body['id']}/approve").status_code == 403  # a clerk approves nothing
    approved = finance.post(f"/api/v1/requisitions/{body['id']}/approve")
    assert approved.status_code == 200 and approved.json["state"] == "approved"
    assert approved.json["approver"] == "finance"
    again = finance.post(f"/api/v1/requisitions/{body['id']}/approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"


def test_the_requester_does_not_approve_their_own_requisition(flow, api):
    accountant = api("accountant")
    body = requisition(accountant, "QH101", [(ASPIRIN, 1)])
    response = accountant.post(f"/api/v1/requisitions/{body['id']}/approve")
    assert response.status_code == 403 and response.json["error"]["code"] == "same_person"


def test_only_orderable_items_and_whole_positive_quantities(flow, api):
    clerk = api("clerk")
    from erp.procurement.services import set_formulary

    set_formulary(db.session, flow.institution("QH102"), flow.items[HERB], active=False)
    db.session.commit()
    cases = [([{"item": HERB, "quantity": 1}], 422, "not_in_formulary", "lines[0].item"),
             ([{"item": "XA01ABD075A002010199999", "quantity": 1}], 404, "unknown_item", "lines[0].item"),
             ([{"item": ASPIRIN, "quantity": 0}], 422, "invalid_quantity", "lines[0].quantity"),
             ([{"item": ASPIRIN, "quantity": 1}, {"item": ASPIRIN, "quantity": 2}], 422, "duplicate_item",
              "lines[1].item")]
    for lines, status, code, field in cases:
        response = clerk.post("/api/v1/requisitions", json={"institution": "QH102", "lines": lines})
        assert response.status_code == status, (lines, response.json)
        assert response.json["error"]["code"] == code and field in response.json["error"]["fields"]
    assert clerk.post("/api/v1/requisitions", json={"institution": "QH102", "lines": [
        {"item": ASPIRIN, "quantity": 1.5}]}).status_code == 422
    # another member's requisition is out of the clerk's scope
    assert clerk.post("/api/v1/requisitions", json={"institution": "QH101", "lines": [
        {"item": ASPIRIN, "quantity": 1}]}).status_code == 403
    assert db.session.query(RequisitionLine).count() == 0  # nothing half-written


def test_consolidation_makes_one_order_per_supplier_with_the_agreement_in_force(flow, api):
    finance, procurement = api("finance"), api("procurement")
    first = requisition(api("accountant"), "QH101", [(ASPIRIN, 10), (AMOXI, 5), (SYRINGE, 3)], approver=finance)
    second = requisition(api("clerk"), "QH102", [(ASPIRIN, 20), (AMOXI, 7)], approver=finance)
    requisition(api("clerk"), "QH102", [(ASPIRIN, 99)])  # submitted, not approved: stays out
    orders = by_supplier(consolidate(procurement))
    assert set(orders) == {"S101", "S102"}
    s101, s102 = orders["S101"], orders["S102"]
    assert s101["platform"] == "provincial" and s101["state"] == "draft" and s101["number"].startswith("PO-")
    assert [(l["item"], l["quantity"], l["unit_price"], l["amount"], l["online"]) for l in s101["lines"]] == [
        (ASPIRIN, 30, "12.3456", "370.37", True)]  # 30 × 12.3456 = 370.368 → 370.37
    lines = {l["item"]: l for l in s102["lines"]}
    assert (lines[AMOXI]["quantity"], lines[AMOXI]["unit_price"]) == (12, "8.20")  # the cheaper supplier's price
    assert (lines[SYRINGE]["quantity"], lines[SYRINGE]["amount"]) == (3, "135.00")
    req_line = {(r["id"], l["item"]): l["id"] for r in (first, second) for l in r["lines"]}
    assert sorted(s101["lines"][0]["requisition_lines"]) == sorted(
        [req_line[(first["id"], ASPIRIN)], req_line[(second["id"], ASPIRIN)]])
    assert s102["amount"] == "233.40"  # 98.40 + 135.00
    # every requisition line points to its order line; a second run finds nothing left
    shown = api("clerk").get(f"/api/v1/requisitions/{second['id']}").json
    assert {l["item"]: l["po_line"] for l in shown["lines"]} == {ASPIRIN: s101["lines"][0]["id"],
                                                                  AMOXI: lines[AMOXI]["id"]}
    assert consolidate(procurement) == []


def test_no_agreement_needs_the_chief_accountants_override_and_is_not_online(flow, api):
    finance, procurement, chief = api("finance"), api("procurement"), api("chief")
    body = requisition(api("clerk"), "QH102", [(NO_DEAL, 4), (ASPIRIN, 1)], approver=finance)
    orders = consolidate(procurement)
    assert [o["supplier"] for o in orders] == ["S101"]  # the item without agreement is left open
    unplaced = procurement.get(f"/api/v1/purchase-orders/unplaced?period={PERIOD}").json["items"]
    assert unplaced == [{"item": NO_DEAL, "item_name": "连花清瘟胶囊", "reason": "no_agreement",
                         "requisition_lines": [body["lines"][0]["id"]]}]
    override = {"item": NO_DEAL, "supplier": "S102", "unit_price": "21.5000", "period": PERIOD,
                "reason": "平台断供，线下紧急采购"}
    assert procurement.post("/api/v1/purchase-overrides", json=override).status_code == 403
    response = chief.post("/api/v1/purchase-overrides", json=override)
    assert response.status_code == 201, response.json
    [order] = consolidate(procurement)
    assert (order["supplier"], order["platform"]) == ("S102", "other")
    assert [(l["item"], l["quantity"], l["unit_price"], l["online"]) for l in order["lines"]] == [
        (NO_DEAL, 4, "21.50", False)]


def test_the_chief_accountant_approves_and_the_platform_number_is_recorded(flow, api):
    finance, procurement, chief = api("finance"), api("procurement"), api("chief")
    requisition(api("clerk"), "QH102", [(ASPIRIN, 2)], approver=finance)
    [order] = consolidate(procurement)
    assert procurement.post(f"/api/v1/purchase-orders/{order['id']}/approve").status_code == 403
    early = procurement.post(f"/api/v1/purchase-orders/{order['id']}/platform-order", json={"platform_order_no": "X1"})
    assert early.status_code == 409
    approved = chief.post(f"/api/v1/purchase-orders/{order['id']}/approve")
    assert approved.status_code == 200 and approved.json["state"] == "approved"
    assert approved.json["approved_by"] == "chief"
    numbered = procurement.post(f"/api/v1/purchase-orders/{order['id']}/platform-order",
                                json={"platform_order_no": "HBYC2026000123"})
    assert numbered.json["platform_order_no"] == "HBYC2026000123"


def test_cancelling_an_order_line_frees_its_requisition_lines(flow, api):
    finance, procurement = api("finance"), api("procurement")
    requisition(api("clerk"), "QH102", [(AMOXI, 6), (SYRINGE, 2)], approver=finance)
    [order] = consolidate(procurement)
    line = next(l for l in order["lines"] if l["item"] == AMOXI)
    response = procurement.post(f"/api/v1/purchase-orders/{order['id']}/lines/{line['id']}/cancel",
                                json={"reason": "供应商缺货"})
    assert response.status_code == 200, response.json
    cancelled = next(l for l in response.json["lines"] if l["id"] == line["id"])
    assert cancelled["cancelled"] and cancelled["requisition_lines"] == []
    assert response.json["amount"] == "90.00"  # only the syringes remain
    [again] = consolidate(procurement)
    assert [(l["item"], l["quantity"], l["requisition_lines"]) for l in again["lines"]] == [
        (AMOXI, 6, line["requisition_lines"])]


def test_an_expired_licence_refuses_the_consolidation(flow, api):
    finance, procurement = api("finance"), api("procurement")
    flow.suppliers["S101"].licence_expires = TODAY - timedelta(days=1)
    db.session.commit()
    requisition(api("clerk"), "QH102", [(ASPIRIN, 2)], approver=finance)
    response = procurement.post("/api/v1/purchase-orders/consolidate", json={"period": PERIOD})
    assert response.status_code == 422 and response.json["error"]["code"] == "licence_expired"
    assert ASPIRIN in response.json["error"]["message"]
    bad = procurement.post("/api/v1/purchase-orders/consolidate", json={"period": "2026-13"})
    assert bad.status_code == 422 and "period" in bad.json["error"]["fields"]
