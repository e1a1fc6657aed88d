"""验收入库 and stock: a delivery is registered against an approved order and accepted by another person; the
stock, the price (零差率) and the voucher 库存物品 / 应付账款 follow, once. Bad deliveries are refused whole."""
from __future__ import annotations

from datetime import timedelta

from erp.core.extensions import db
from erp.procurement.models import Receipt, TraceCode
from tests.procurement.flow.conftest import (AMOXI, ASPIRIN, EXPIRY, SYRINGE, TODAY, approved_order, document_vouchers,
                                             receive, received, stock, voucher_lines)

CODES = ["81234567890123456789", "81234567890123456790", "GS1(01)06901234567892"]


def test_a_receipt_into_the_central_pharmacy_posts_stock_and_the_payable_once(flow, api):
    order = approved_order(api, [(ASPIRIN, 30)])
    response = receive(api("pharmacy"), order, {ASPIRIN: 30}, codes={ASPIRIN: CODES})
    assert response.status_code == 201, response.json
    draft = response.json
    assert (draft["institution"], draft["state"], draft["amount"]) == ("QH001", "draft", "370.37")
    assert draft["lines"][0]["trace_codes"] == CODES
    assert stock(api("pharmacy"), "QH001", ASPIRIN) == []  # nothing in stock before acceptance
    same = api("pharmacy").post(f"/api/v1/receipts/{draft['id']}/accept", json={})
    assert same.status_code == 403 and same.json["error"]["code"] == "same_person"
    accepted = api("procurement").post(f"/api/v1/receipts/{draft['id']}/accept", json={"note": "外观完好，数量相符"})
    assert accepted.status_code == 200, accepted.json
    body = accepted.json
    assert body["state"] == "accepted" and body["accepted_on"] == TODAY.isoformat() and body["voucher"]
    assert voucher_lines(body["voucher"], "QH001") == [("130201", "370.37", "0.00", None),
                                                        ("2302", "0.00", "370.37", "S101")]
    [batch] = stock(api("pharmacy"), "QH001", ASPIRIN)
    assert (batch["batch"], batch["expiry"], batch["quantity"], batch["min_units"]) == ("B240501", EXPIRY, "30", 900)
    assert (batch["unit_cost"], batch["selling_price"], batch["value"]) == ("12.3456", "12.3456", "370.37")
    again = api("procurement").post(f"/api/v1/receipts/{draft['id']}/accept", json={})
    assert again.status_code == 409
    assert len(document_vouchers("receipt", draft["id"])) == 1


def test_straight_to_a_member_with_two_item_classes(flow, api):
    order = approved_order(api, [(AMOXI, 10), (SYRINGE, 2)])
    body = received(api, order, {AMOXI: 10, SYRINGE: 2}, registrar="procurement", accepter="finance",
                    institution="QH102")
    assert body["institution"] == "QH102"
    assert voucher_lines(body["voucher"], "QH102") == [("130201", "82.00", "0.00", None),
                                                        ("130202", "90.00", "0.00", None),
                                                        ("2302", "0.00", "172.00", "S102")]
    assert stock(api("clerk"), "QH102", SYRINGE)[0]["quantity"] == "2"
    assert stock(api("pharmacy"), "QH001", AMOXI) == []


def test_over_receipt_expired_batch_bad_batch_and_codes_are_refused(flow, api):
    order = approved_order(api, [(ASPIRIN, 10)])
    pharmacy = api("pharmacy")
    assert receive(pharmacy, order, {ASPIRIN: 6}).status_code == 201
    line = order["lines"][0]["id"]

    def refused(change: dict, status: int, code: str, field: str):
        data = {"po_line": line, "quantity": 1, "batch": "B2", "expiry": EXPIRY, **change}
        response = pharmacy.post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [data]})
        assert response.status_code == status, (change, response.json)
        assert response.json["error"]["code"] == code and field in str(response.json["error"]["fields"]), response.json

    refused({"quantity": 5}, 422, "over_receipt", "lines[0].quantity")  # 6 + 5 > 10
    refused({"expiry": (TODAY - timedelta(days=1)).isoformat()}, 422, "expired_batch", "lines[0].expiry")
    refused({"expiry": TODAY.isoformat()}, 422, "expired_batch", "lines[0].expiry")
    refused({"batch": "B 2"}, 422, "invalid_batch", "lines[0].batch")
    refused({"batch": "-B2"}, 422, "invalid_batch", "lines[0].batch")
    refused({"trace_codes": ["8123456789012345678"]}, 422, "invalid_trace_code", "lines[0].trace_codes[0]")
    refused({"trace_codes": ["x" * 31]}, 422, "invalid_trace_code", "lines[0].trace_codes[0]")
    refused({"trace_codes": [CODES[0], CODES[1]]}, 422, "too_many_codes", "lines[0].trace_codes")
    refused({"quantity": 2, "trace_codes": [CODES[0], CODES[0]]}, 422, "duplicate_trace_code", "lines[0].trace_codes[1]")
    refused({"quantity": 0}, 422, "invalid_quantity", "lines[0].quantity")
    assert receive(pharmacy, order, {ASPIRIN: 4}, codes={ASPIRIN: [CODES[2]]}).status_code == 201  # exactly 10 now
    refused({}, 422, "over_receipt", "lines[0].quantity")
    assert db.session.query(Receipt).count() == 2 and db.session.query(TraceCode).count() == 1


def test_one_box_one_code_across_receipts_and_cancelling_a_draft_frees_its_quantity(flow, api):
    order = approved_order(api, [(ASPIRIN, 10)])
    pharmacy = api("pharmacy")
    first = receive(pharmacy, order, {ASPIRIN: 5}, codes={ASPIRIN: [CODES[0]]}).json
    twice = receive(pharmacy, order, {ASPIRIN: 5}, codes={ASPIRIN: [CODES[0]]})
    assert twice.status_code == 409 and twice.json["error"]["code"] == "duplicate_trace_code"
    assert receive(pharmacy, order, {ASPIRIN: 6}).json["error"]["code"] == "over_receipt"
    cancelled = pharmacy.post(f"/api/v1/receipts/{first['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["state"] == "cancelled"
    assert receive(pharmacy, order, {ASPIRIN: 10}, codes={ASPIRIN: [CODES[0]]}).status_code == 201


def test_no_receipt_for_an_unapproved_order_or_an_expired_licence(flow, api):
    order = approved_order(api, [(ASPIRIN, 10)])
    flow.suppliers["S101"].licence_expires = TODAY - timedelta(days=1)
    db.session.commit()
    response = receive(api("pharmacy"), order, {ASPIRIN: 1})
    assert response.status_code == 422 and response.json["error"]["code"] == "licence_expired"


def test_near_expiry_and_below_minimum_alerts(flow, api):
    from erp.procurement.services import set_formulary

    order = approved_order(api, [(ASPIRIN, 10)])
    soon = (TODAY + timedelta(days=90)).isoformat()  # inside the default six months
    response = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "lines": [
        {"po_line": order["lines"][0]["id"], "quantity": 4, "batch": "SOON1", "expiry": soon},
        {"po_line": order["lines"][0]["id"], "quantity": 6, "batch": "LATE1", "expiry": EXPIRY}]})
    api("procurement").post(f"/api/v1/receipts/{response.json['id']}/accept", json={})
    set_formulary(db.session, flow.institution("QH001"), flow.items[ASPIRIN], min_stock=12)
    set_formulary(db.session, flow.institution("QH102"), flow.items[AMOXI], min_stock=2)
    db.session.commit()
    body = api("finance").get("/api/v1/stock/alerts").json
    assert [(b["institution"], b["batch"], b["expiry"], b["min_units"]) for b in body["near_expiry"]] == [
        ("QH001", "SOON1", soon, 120)]
    assert [(r["institution"], r["item"], r["min_stock"], r["on_hand"]) for r in body["below_minimum"]] == [
        ("QH001", ASPIRIN, 12, "10"), ("QH102", AMOXI, 2, "0")]
