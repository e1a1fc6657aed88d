"""统一支付: invoices matched to receipts (quantity, price, 两票制), partial payments posted by the chief accountant
(应付账款 / 银行存款 with 平行记账), the bank file, the overdue list and the 货款支付情况公示."""
from __future__ import annotations

from datetime import timedelta

from erp.core.extensions import db
from erp.procurement.models import SupplierRole
from tests.procurement.flow.conftest import (AMOXI, ASPIRIN, EXPIRY, TODAY, approved_order, document_vouchers,
                                             voucher_lines)

UPSTREAM = {"upstream_invoice_no": "44012345", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}


def _received(api, item=ASPIRIN, quantity=30, on=TODAY):
    order = approved_order(api, [(item, quantity)])
    response = api("pharmacy").post("/api/v1/receipts", json={"purchase_order": order["id"], "date": on.isoformat(),
                                                              "lines": [{"po_line": order["lines"][0]["id"], "quantity": quantity,
                                                                         "batch": "B1", "expiry": EXPIRY}]})
    accepted = api("procurement").post(f"/api/v1/receipts/{response.json['id']}/accept", json={"date": on.isoformat()})
    assert accepted.status_code == 200, accepted.json
    return accepted.json["lines"][0]["id"]


def _invoice(client, line, supplier="S101", quantity=20, price="12.3456", number="F0001", **upstream):
    return client.post("/api/v1/invoices", json={"supplier": supplier, "invoice_no": number, "lines": [
        {"receipt_line": line, "quantity": quantity, "unit_price": price, **upstream}]})


def test_invoices_are_matched_and_the_two_invoice_rule_holds(flow, api):
    line = _received(api)
    procurement = api("procurement")
    cases = [({}, "upstream_invoice_required", "lines[0].upstream_invoice_no"),
             ({**UPSTREAM, "upstream_seller_role": "distributor"}, "two_invoice_rule", "lines[0].upstream_seller_role"),
             ({**UPSTREAM, "price": "12.3500"}, "price_mismatch", "lines[0].unit_price"),
             ({**UPSTREAM, "quantity": 31}, "over_invoiced", "lines[0].quantity")]
    for change, code, field in cases:
        extra = dict(change)
        kwargs = {k: extra.pop(k) for k in ("price", "quantity") if k in extra}
        response = _invoice(procurement, line, **kwargs, **extra)
        assert response.status_code == 422, (change, response.json)
        assert response.json["error"]["code"] == code and field in response.json["error"]["fields"], response.json
    response = _invoice(procurement, line, **UPSTREAM)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["amount"], body["outstanding"], body["due_date"]) == ("246.91", "246.91",
                                                                       (TODAY + timedelta(days=30)).isoformat())
    assert body["lines"][0]["upstream_invoice_no"] == "44012345" and body["voucher"] is None  # nothing to post
    again = _invoice(procurement, line, quantity=1, **UPSTREAM)
    assert again.status_code == 409 and again.json["error"]["code"] == "duplicate"
    assert _invoice(procurement, line, quantity=11, number="F0002", **UPSTREAM).json["error"]["code"] == "over_invoiced"


def test_a_manufacturers_invoice_is_the_only_one(flow, api):
    flow.suppliers["S102"].role = SupplierRole.MANUFACTURER
    db.session.commit()
    line = _received(api, AMOXI, 10)
    procurement = api("procurement")
    refused = _invoice(procurement, line, "S102", 10, "8.2000", **UPSTREAM)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "two_invoice_rule"
    assert _invoice(procurement, line, "S102", 10, "8.2000").status_code == 201


def test_partial_payment_posted_by_the_chief_accountant_with_the_bank_file(flow, api):
    line = _received(api)
    invoice = _invoice(api("procurement"), line, **UPSTREAM).json
    finance, chief = api("finance"), api("chief")
    over = finance.post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice["id"], "amount": "300.00"}]})
    assert over.status_code == 422 and over.json["error"]["code"] == "over_payment"
    draft = finance.post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice["id"], "amount": "100.00"}]})
    assert draft.status_code == 201, draft.json
    assert finance.post(f"/api/v1/payments/{draft.json['id']}/post", json={}).status_code == 403
    posted = chief.post(f"/api/v1/payments/{draft.json['id']}/post", json={})
    assert posted.status_code == 200, posted.json
    assert voucher_lines(posted.json["voucher"], "QH001") == [("1002", "0.00", "100.00", None),
                                                              ("2302", "100.00", "0.00", "S101")]
    [voucher] = document_vouchers("payment", draft.json["id"])
    budget = sorted((l.account.code, f"{l.debit:.2f}", f"{l.credit:.2f}") for l in voucher.lines if l.generated)
    assert budget == [("7201", "100.00", "0.00"), ("8001", "0.00", "100.00")]  # 平行记账
    shown = api("auditor").get(f"/api/v1/invoices/{invoice['id']}").json
    assert (shown["paid"], shown["outstanding"]) == ("100.00", "146.91")
    file = finance.get(f"/api/v1/payments/{draft.json['id']}/bank-file")
    assert file.status_code == 200 and file.mimetype == "text/csv"
    text = file.get_data(as_text=True)
    assert "国药控股测试医药有限公司" in text and "100.00" in text and "F0001" in text


def test_overdue_list_and_the_payment_publication(flow, api):
    line = _received(api, on=TODAY - timedelta(days=40))  # due ten days ago
    invoice = _invoice(api("procurement"), line, quantity=30, **UPSTREAM).json  # 370.37
    due = TODAY - timedelta(days=10)
    assert invoice["due_date"] == due.isoformat()
    overdue = api("finance").get("/api/v1/invoices/overdue").json["items"]
    assert [(i["invoice_no"], i["outstanding"]) for i in overdue] == [("F0001", "370.37")]
    payment = api("finance").post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice["id"], "amount": "200.00"}]}).json
    assert api("chief").post(f"/api/v1/payments/{payment['id']}/post", json={}).status_code == 200
    period = f"{due:%Y-%m}"
    report = api("auditor").get(f"/api/v1/reports/payment-publication?period={period}").json
    assert report["rows"] == [{"supplier": "S101", "name": "国药控股测试医药有限公司", "invoices": 1, "due": "370.37",
                               "paid_on_time": "0.00", "paid_late": "200.00", "days_late": 10, "unpaid": "170.37"}]
    assert report["on_time_rate"] == "0.0000"
    for fmt, mimetype in (("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        file = api("auditor").get(f"/api/v1/reports/payment-publication?period={period}&format={fmt}")
        assert file.status_code == 200 and file.mimetype == mimetype and len(file.data) > 1000
