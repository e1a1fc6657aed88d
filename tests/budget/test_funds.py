"""财政资金 by source: received by the community, allocated to members (统一拨付), both posted through the door;
spending with the source cannot exceed what it gave the member; the usage report drills down to the vouchers."""
from __future__ import annotations

from decimal import Decimal

from erp.core.extensions import db
from tests.ledger.conftest import YEAR

ON = f"{YEAR}-03-12"


def _receipt(api, amount="1000000.00"):
    finance, chief = api("finance"), api("chief")
    made = finance.post("/api/v1/funding-sources/receipts", json={
        "funding_source": "F02", "purpose": "设备购置", "amount": amount, "date": ON})
    assert made.status_code == 201, made.json
    assert made.json["institution"] == "QH001" and made.json["voucher"] is None
    posted = chief.post(f"/api/v1/funding-sources/receipts/{made.json['id']}/post")
    assert posted.status_code == 200 and posted.json["voucher"].startswith("记-"), posted.json
    return made.json["id"]


def test_receive_allocate_spend_and_the_usage_report(books, api):
    receipt_id = _receipt(api)
    chief = api("chief")
    allocated = chief.post(f"/api/v1/funding-sources/receipts/{receipt_id}/allocations", json={
        "institution": "QH101", "amount": "300000.00", "date": ON})
    assert allocated.status_code == 201, allocated.json
    assert allocated.json["voucher"].startswith("记-") and allocated.json["lead_voucher"].startswith("记-")
    too_much = chief.post(f"/api/v1/funding-sources/receipts/{receipt_id}/allocations", json={
        "institution": "QH102", "amount": "700000.01", "date": ON})
    assert too_much.status_code == 422 and too_much.json["error"]["code"] == "exceeds_receipt"
    assert "amount" in too_much.json["error"]["fields"]
    # QH101 spends the source: 200,000 fits, 150,000 more does not (100,000 left)
    finance = api("finance")

    def spend(amount):
        draft = finance.post("/api/v1/vouchers", json={"institution": "QH101", "date": ON, "memo": "购置B超", "lines": [
            {"account": "5001", "debit": amount, "department": "11", "funding_source": "F02"},
            {"account": "1002", "credit": amount}]})
        assert draft.status_code == 201, draft.json
        assert chief.post(f"/api/v1/vouchers/{draft.json['id']}/review").status_code == 200  # 审核, then 记账
        return chief.post(f"/api/v1/vouchers/{draft.json['id']}/post")

    assert spend("200000.00").status_code == 200
    refused = spend("150000.00")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "fund_exceeded"
    assert "100000.00" in refused.json["error"]["message"]
    usage = {(u["funding_source"], u["institution"]): u for u in finance.get("/api/v1/funding-sources/usage").json["items"]}
    assert {k: v for k, v in usage[("F02", "QH001")].items() if k in ("received", "allocated", "spent", "remaining")} == {
        "received": "1000000.00", "allocated": "300000.00", "spent": "0.00", "remaining": "700000.00"}
    assert {k: v for k, v in usage[("F02", "QH101")].items() if k in ("received", "allocated", "spent", "remaining")} == {
        "received": "300000.00", "allocated": "300000.00", "spent": "200000.00", "remaining": "100000.00"}


def test_the_fund_page_drills_down_to_the_vouchers(books, api, web):
    from erp.budget.services import funds
    from erp.core.models import FundingSource, Institution
    from sqlalchemy import select

    receipt_id = _receipt(api, "50000.00")
    api("chief").post(f"/api/v1/funding-sources/receipts/{receipt_id}/allocations", json={
        "institution": "QH102", "amount": "20000.00", "date": ON})
    qh001 = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    f02 = db.session.scalar(select(FundingSource).where(FundingSource.code == "F02"))
    rows = funds.spending_vouchers(db.session, qh001.id, f02.id)
    assert [(r.code, r.debit) for r in rows] == [("7501", Decimal("20000.00"))]
    page = web("finance").get(f"/budget/funds?institution={qh001.id}&funding_source={f02.id}").get_data(as_text=True)
    assert "支出凭证" in page and "7501" in page and "50000.00" in page
    assert f"拨入-{YEAR}-" in page  # the receipt, with its allocation to QH102


def test_fund_usage_is_scoped_like_the_receipts(demo, books, api):
    """A township's accountant sees its own row only; a user of the lead hospital sees what the lead received
    and gave out (the allocations are the members' rows, counted for the lead through its receipts)."""
    from erp.core import services

    services.create_user(db.session, demo, username="lead-finance", password="县医院-secret-1", role="finance",
                         institution_codes=["QH001"], display_name="县医院财务")
    db.session.commit()
    receipt_id = _receipt(api)
    chief = api("chief")
    for institution, amount in (("QH101", "300000.00"), ("QH102", "200000.00")):
        allocated = chief.post(f"/api/v1/funding-sources/receipts/{receipt_id}/allocations", json={
            "institution": institution, "amount": amount, "date": ON})
        assert allocated.status_code == 201, allocated.json

    def usage(client):
        response = client.get("/api/v1/funding-sources/usage")
        assert response.status_code == 200, response.json
        return {(r["funding_source"], r["institution"]): (r["received"], r["allocated"], r["spent"], r["remaining"])
                for r in response.json["items"]}

    assert usage(api("accountant")) == {("F02", "QH101"): ("300000.00", "300000.00", "0.00", "300000.00")}
    # the lead: 1,000,000 received, 500,000 allocated to QH101 and QH102, 500,000 left for its own use
    assert usage(api("lead-finance", "县医院-secret-1")) == {
        ("F02", "QH001"): ("1000000.00", "500000.00", "0.00", "500000.00")}
    assert usage(api("finance")) == {
        ("F02", "QH001"): ("1000000.00", "500000.00", "0.00", "500000.00"),
        ("F02", "QH101"): ("300000.00", "300000.00", "0.00", "300000.00"),
        ("F02", "QH102"): ("200000.00", "200000.00", "0.00", "200000.00")}
