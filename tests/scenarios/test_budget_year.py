"""A finance officer's budget year at 柳林镇卫生院 (QH102), as the issue's "done when" reads: prepare, approve and
adjust the budget; a purchase order and a payroll run consume it; a Stop line refuses and a Warn line warns;
fiscal funds are received and allocated; the execution report prints as PDF."""
from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal

from erp.budget import services as budget
from erp.core.extensions import db
from erp.core.models import User
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document
from sqlalchemy import select
from tests.ledger.conftest import YEAR

DAY = f"{YEAR}-03-18"


def test_a_members_budget_year(books, api, tmp_path):
    finance, chief, procurement = api("finance"), api("chief"), api("procurement")
    # 1. 王会计 prepares 柳林镇卫生院's budget: 全科门诊 on 财政拨款 (Stop), 办公室 on own funds (Warn)
    created = finance.post("/api/v1/budgets", json={"institution": "QH102", "year": YEAR, "lines": [
        {"account": "7201", "department": "01", "funding_source": "F01", "amount": "300000.00"},
        {"account": "7201", "department": "31", "funding_source": "N01", "amount": "24000.00", "control": "warn"}]})
    budget_id = created.json["id"]
    finance.post(f"/api/v1/budgets/{budget_id}/submit")
    # 2. 李总 approves it and puts it into execution
    chief.post(f"/api/v1/budgets/{budget_id}/approve")
    assert chief.post(f"/api/v1/budgets/{budget_id}/execute").json["state"] == "executing"
    # 3. a purchase order for 药品 is approved: procurement reserves 180,000 on 全科门诊
    order = {"module": "procurement", "kind": "order", "key": "PO-QH102-7", "label": "采购-QH102-7",
             "url": "/procurement/orders/7"}
    reserved = procurement.post("/api/v1/commitments", json={
        "institution": "QH102", "account": "7201", "department": "01", "funding_source": "F01",
        "amount": "180000.00", "source": order, "date": DAY})
    assert reserved.status_code == 201
    # 4. the March payroll run of 全科门诊 reserves 110,000; a second order of 20,000 is refused (10,000 left)
    run = {"module": "payroll", "kind": "run", "key": "QH102-2026-03", "label": "工资-QH102-03"}
    assert procurement.post("/api/v1/commitments", json={
        "institution": "QH102", "account": "7201", "department": "01", "funding_source": "F01",
        "amount": "110000.00", "source": run, "date": DAY}).status_code == 201
    refused = procurement.post("/api/v1/commitments", json={
        "institution": "QH102", "account": "7201", "department": "01", "funding_source": "F01",
        "amount": "20000.00", "source": {**order, "key": "PO-QH102-8", "label": "采购-QH102-8"}, "date": DAY})
    assert refused.status_code == 409 and refused.json["error"]["fields"]["available"] == ["10000.00"]
    # 5. the payroll run is paid: its voucher posts through the door and consumes its commitment, once
    user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
    post_document(db.session, DocumentSource(run["module"], run["kind"], run["key"], run["label"]),
                  VoucherInput("QH102", date.fromisoformat(DAY), [
                      LineInput("5001", debit="110000.00", department="01", funding_source="F01"),
                      LineInput("1002", credit="110000.00")], memo="3月工资发放"),
                  preparer=user("finance"), poster=user("chief"))
    db.session.commit()
    # 6. the order is cancelled for half: 90,000 released
    assert procurement.post("/api/v1/commitments/release", json={"source": order, "amount": "90000.00"}).json == {
        "released": "90000.00"}
    report = finance.get(f"/api/v1/budgets/{budget_id}/execution").json
    line = report["lines"][0]
    assert (line["amount"], line["committed"], line["actual"], line["available"]) == (
        "300000.00", "90000.00", "110000.00", "100000.00")
    # 7. 办公室 spends beyond its Warn line with a reason: allowed, the warning names who and why
    warned = api("clerk").post("/api/v1/commitments", json={
        "institution": "QH102", "account": "7201", "department": "31", "funding_source": "N01",
        "amount": "25000.00", "reason": "办公楼漏水抢修", "date": DAY,
        "source": {"module": "expense", "kind": "claim", "key": "EX-1", "label": "报销-1"}})
    assert warned.status_code == 201 and warned.json["user"] == "clerk"
    # 8. an adjustment: 全科门诊 +50,000 for 家庭医生签约, approved; the history keeps both versions
    adjusted = finance.post(f"/api/v1/budgets/{budget_id}/versions", json={"reason": "家庭医生签约服务扩面", "lines": [
        {"account": "7201", "department": "01", "funding_source": "F01", "amount": "350000.00"},
        {"account": "7201", "department": "31", "funding_source": "N01", "amount": "24000.00", "control": "warn"}]})
    assert adjusted.status_code == 201, adjusted.json
    assert finance.post(f"/api/v1/budgets/{budget_id}/versions/2/submit").status_code == 200
    approved = chief.post(f"/api/v1/budgets/{budget_id}/versions/2/approve")
    assert approved.status_code == 200, approved.json
    assert finance.get(f"/api/v1/budgets/{budget_id}/execution").json["lines"][0]["available"] == "150000.00"
    # 9. 设备购置 funds arrive at the community and 120,000 go to 柳林镇
    receipt = finance.post("/api/v1/funding-sources/receipts", json={
        "funding_source": "F02", "purpose": "设备购置", "amount": "800000.00", "date": DAY}).json
    chief.post(f"/api/v1/funding-sources/receipts/{receipt['id']}/post")
    chief.post(f"/api/v1/funding-sources/receipts/{receipt['id']}/allocations", json={
        "institution": "QH102", "amount": "120000.00", "date": DAY})
    usage = {(u["funding_source"], u["institution"]): u for u in finance.get("/api/v1/funding-sources/usage").json["items"]}
    assert usage[("F02", "QH102")]["remaining"] == "120000.00"
    # 10. the execution report prints as PDF
    pdf = api("auditor").get(f"/api/v1/budgets/{budget_id}/execution?format=pdf")
    path = tmp_path / "execution.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "预算执行报表" in text and "350,000.00" in text and "110,000.00" in text
    assert budget.community_rollup(db.session, YEAR)[0].actual == Decimal("110000.00")
