"""The budget API as integrations use it: budgets with versions and lines, commitments (check, reserve, release),
the interfaces of the issue (insurance budgets, public-health funds, commitments), and bad input naming fields."""
from __future__ import annotations

from decimal import Decimal

from tests.ledger.conftest import YEAR

SOURCE = {"module": "procurement", "kind": "order", "key": "PO-2026-0001", "label": "采购-0001",
          "url": "/procurement/orders/1"}


def _line(account="7201", department="01", funding_source="F01", amount="120000.00", **extra):
    return {"account": account, "department": department, "funding_source": funding_source, "amount": amount, **extra}


def test_prepare_submit_approve_execute_and_adjust_a_budget(books, api):
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/budgets", json={"institution": "QH103", "year": YEAR, "lines": [
        _line(), _line(department="31", funding_source="N01", amount="60000.00", control="warn",
                       months=["5000.00"] * 12)]})
    assert created.status_code == 201, created.json
    budget_id = created.json["id"]
    assert created.json["state"] == "draft" and created.json["versions"][0]["total"] == "180000.00"
    assert created.json["versions"][0]["lines"][0]["months"][0] == "10000.00"
    assert finance.post(f"/api/v1/budgets/{budget_id}/approve").status_code == 403  # finance may not approve
    assert finance.post(f"/api/v1/budgets/{budget_id}/submit").json["state"] == "submitted"
    approved = chief.post(f"/api/v1/budgets/{budget_id}/approve").json
    assert approved["state"] == "approved" and approved["version"] == 1
    assert [l["available"] for l in approved["lines"]] == ["120000.00", "60000.00"]
    assert chief.post(f"/api/v1/budgets/{budget_id}/execute").json["state"] == "executing"
    # 预算调整: a new version with a reason, approved on its own; the history stays
    version = finance.post(f"/api/v1/budgets/{budget_id}/versions", json={
        "reason": "新增家庭医生签约服务", "lines": [_line(amount="150000.00"),
                                           _line(department="31", funding_source="N01", amount="60000.00")]})
    assert version.status_code == 201 and version.json["number"] == 2, version.json
    assert finance.post(f"/api/v1/budgets/{budget_id}/versions/2/submit").json["state"] == "submitted"
    assert chief.post(f"/api/v1/budgets/{budget_id}/versions/2/approve").json["state"] == "approved"
    detail = finance.get(f"/api/v1/budgets/{budget_id}").json
    assert detail["version"] == 2 and detail["lines"][0]["amount"] == "150000.00"
    history = finance.get(f"/api/v1/budgets/{budget_id}/versions").json["versions"]
    assert [(v["number"], v["state"], v["reason"]) for v in history] == [
        (1, "approved", "年初预算"), (2, "approved", "新增家庭医生签约服务")]
    # after 决算, an adjustment of the closed year is refused naming the field
    chief.post(f"/api/v1/budgets/{budget_id}/close")
    refused = finance.post(f"/api/v1/budgets/{budget_id}/versions", json={"reason": "追加"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "budget_closed"
    assert "year" in refused.json["error"]["fields"]


def test_bad_lines_are_refused_naming_the_field(books, api):
    finance = api("finance")
    for line, field in ((_line(account="9999"), "lines[0].account"), (_line(account="5001"), "lines[0].account"),
                        (_line(amount="-5.00"), "lines[0].amount"), (_line(department="77"), "lines[0].department"),
                        (_line(months=["1.00"] * 12), "lines[0].months")):
        response = finance.post("/api/v1/budgets", json={"institution": "QH103", "year": YEAR, "lines": [line]})
        assert response.status_code in (404, 422), (line, response.json)
        assert field in response.json["error"]["fields"], (line, response.json)


def _executing(api, institution="QH103", amount="100000.00", control="stop"):
    finance, chief = api("finance"), api("chief")
    budget_id = finance.post("/api/v1/budgets", json={"institution": institution, "year": YEAR, "lines": [
        _line(amount=amount, control=control)]}).json["id"]
    finance.post(f"/api/v1/budgets/{budget_id}/submit")
    chief.post(f"/api/v1/budgets/{budget_id}/approve")
    chief.post(f"/api/v1/budgets/{budget_id}/execute")
    return budget_id


def test_commitments_reserve_refuse_and_release(books, api):
    budget_id = _executing(api)
    procurement = api("procurement")
    body = {"institution": "QH103", "account": "7201", "department": "01", "funding_source": "F01",
            "amount": "80000.00", "source": SOURCE, "date": f"{YEAR}-04-01"}
    checked = procurement.post("/api/v1/commitments/check", json={k: v for k, v in body.items() if k != "source"})
    assert checked.json["available"] == "100000.00" and checked.json["allowed"] is True
    made = procurement.post("/api/v1/commitments", json=body)
    assert made.status_code == 201 and made.json["state"] == "open" and made.json["amount"] == "80000.00"
    refused = procurement.post("/api/v1/commitments", json={**body, "amount": "20000.01",
                                                           "source": {**SOURCE, "key": "PO-2026-0002"}})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "budget_exceeded"
    assert refused.json["error"]["fields"]["available"] == ["20000.00"]
    assert refused.json["error"]["fields"]["asked"] == ["20000.01"]
    released = procurement.post("/api/v1/commitments/release", json={"source": SOURCE})
    assert released.json == {"released": "80000.00"}
    again = procurement.post("/api/v1/commitments/release", json={"source": SOURCE})
    assert again.status_code == 422 and again.json["error"]["code"] == "no_commitment"
    listed = api("auditor").get("/api/v1/commitments?institution=QH103").json
    assert listed["total"] == 1 and listed["items"][0]["state"] == "released"
    execution = api("auditor").get(f"/api/v1/budgets/{budget_id}/execution").json
    assert execution["amount"] == "100000.00" and execution["available"] == "100000.00"


def test_a_commitment_without_a_budget_line_or_with_bad_input_names_the_field(books, api):
    procurement = api("procurement")
    body = {"institution": "QH104", "account": "7201", "department": "01", "funding_source": "F01",
            "amount": "10.00", "source": SOURCE}
    assert procurement.post("/api/v1/commitments", json=body).json["error"]["fields"].keys() == {"account"}
    bad = procurement.post("/api/v1/commitments", json={**body, "amount": "10.001"})
    assert bad.status_code == 422 and "amount" in bad.json["error"]["fields"]


def test_insurance_budget_interface(books, api):
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "120000000.00", "previous_funding_total": "110000000.00",
        "serious_illness_fund": "6000000.00", "share": "0.95"})
    assert created.status_code == 201, created.json
    # reserve = 10% × 10,000,000; base = 120,000,000 − 1,000,000 − 6,000,000; budget = 113,000,000 × 0.95
    assert (created.json["risk_reserve"], created.json["base"], created.json["community_budget"]) == (
        "1000000.00", "113000000.00", "107350000.00")
    low = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR + 1, "funding_total": "1.00", "previous_funding_total": "0", "serious_illness_fund": "0",
        "share": "0.90"})
    assert low.status_code == 422 and "share" in low.json["error"]["fields"]
    budget_id = created.json["id"]
    finance.post(f"/api/v1/insurance-budgets/{budget_id}/months", json={"month": 1, "amount": "8800000.00"})
    settled = chief.post(f"/api/v1/insurance-budgets/{budget_id}/settle", json={
        "spent": "107000000.00", "scores": {"QH001": "96", "QH101": "88.5", "QH102": "91"}})
    assert settled.status_code == 200, settled.json
    assert settled.json["surplus"] == "350000.00"
    amounts = {a["institution"]: Decimal(a["amount"]) for a in settled.json["allocations"]}
    assert sum(amounts.values()) == Decimal("350000.00")
    # 350000 × 96 / 275.5 = 121960.0725…, × 88.5 / 275.5 = 112431.9419…, × 91 / 275.5 = 115607.9855…
    assert amounts == {"QH001": Decimal("121960.07"), "QH101": Decimal("112431.94"), "QH102": Decimal("115607.99")}
    assert all(a["voucher"].startswith("记-") for a in settled.json["allocations"])
    twice = chief.post(f"/api/v1/insurance-budgets/{budget_id}/settle", json={"spent": "1.00", "scores": {"QH001": "1"}})
    assert twice.status_code == 409


def test_an_overspend_is_shared_at_the_agreed_ratio(books, api):
    finance, chief = api("finance"), api("chief")
    budget_id = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "1000000.00", "previous_funding_total": "1000000.00",
        "serious_illness_fund": "0", "share": "1", "overspend_share": "0.4"}).json["id"]
    settled = chief.post(f"/api/v1/insurance-budgets/{budget_id}/settle", json={
        "spent": "1000100.00", "scores": {"QH001": "1", "QH101": "1", "QH102": "1"}}).json
    assert settled["surplus"] == "-40.00"
    assert sorted(a["amount"] for a in settled["allocations"]) == ["-13.33", "-13.33", "-13.34"]


def test_public_health_fund_interface(books, api):
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/public-health-funds", json={
        "year": YEAR, "population": 286500, "per_capita": "89.00", "pre_allocation_share": "0.6"})
    assert created.status_code == 201, created.json
    assert (created.json["total"], created.json["pre_allocation"]) == ("25498500.00", "15299100.00")
    fund_id = created.json["id"]
    pre = chief.post(f"/api/v1/public-health-funds/{fund_id}/pre-allocate", json={
        "funding_source": "F03", "populations": {"QH001": "52000", "QH101": "31000", "QH102": "27500"}})
    assert pre.status_code == 200, pre.json
    shares = {s["institution"]: Decimal(s["amount"]) for s in pre.json["shares"]}
    assert sum(shares.values()) == Decimal("15299100.00")
    final = chief.post(f"/api/v1/public-health-funds/{fund_id}/settle", json={
        "funding_source": "F03", "scores": {"QH001": "92", "QH101": "85", "QH102": "78"}})
    assert final.status_code == 200, final.json
    finals = {s["institution"]: Decimal(s["amount"]) for s in final.json["shares"] if s["stage"] == "final"}
    assert sum(finals.values()) == Decimal("10199400.00")
    # 10,199,400 × 85 / 255 = 3,399,800 exactly; 15,299,100 × 31,000 / 110,500 = 4,292,055.2036… → 4,292,055.20
    assert (finals["QH101"], shares["QH101"]) == (Decimal("3399800.00"), Decimal("4292055.20"))
    usage = finance.get("/api/v1/funding-sources/usage").json["items"]
    by_code = {(u["funding_source"], u["institution"]): u for u in usage}
    assert by_code[("F03", "QH001")]["received"] == "25498500.00"
    member = by_code[("F03", "QH101")]
    assert Decimal(member["allocated"]) == shares["QH101"] + finals["QH101"]
    assert member["spent"] == "0.00" and member["remaining"] == member["allocated"]


def test_the_statements_print_as_pdf_and_excel(books, api, tmp_path):
    import subprocess

    finance = api("finance")
    budget_id = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "2000000.00", "previous_funding_total": "1800000.00",
        "serious_illness_fund": "100000.00", "share": "0.96"}).json["id"]
    pdf = finance.get(f"/api/v1/insurance-budgets/{budget_id}?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "insurance.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # reserve 20,000; base 1,880,000; × 0.96 = 1,804,800
    assert "医保总额预算结算表" in text and "1804800.00" in text.replace(",", "")
    assert finance.get("/api/v1/funding-sources/usage?format=xlsx").data[:2] == b"PK"


def test_the_parameters_are_dated_per_community_and_used(books, api):
    finance, accountant = api("finance"), api("accountant")
    listed = {p["key"]: p["value"] for p in finance.get("/api/v1/budget-parameters").json["parameters"]}
    assert listed["insurance_reserve_rate"] == "0.1" and listed["insurance_min_share"] == "0.95"
    changed = finance.put("/api/v1/budget-parameters", json={"key": "insurance_reserve_rate", "value": "0.12",
                                                             "valid_from": f"{YEAR}-01-01", "note": "市医保局文件"})
    assert changed.status_code == 200, changed.json
    bad = finance.put("/api/v1/budget-parameters", json={"key": "insurance_min_share", "value": "1.5",
                                                         "valid_from": f"{YEAR}-01-01"})
    assert bad.status_code == 422 and "value" in bad.json["error"]["fields"]
    created = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "1100000.00", "previous_funding_total": "1000000.00",
        "serious_illness_fund": "0", "share": "0.95"}).json
    assert created["reserve_rate"] == "0.12" and created["risk_reserve"] == "12000.00"
    last_year = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR - 1, "funding_total": "1100000.00", "previous_funding_total": "1000000.00",
        "serious_illness_fund": "0", "share": "0.95"}).json
    assert last_year["risk_reserve"] == "10000.00"  # the 12% applies from this year only
    assert accountant.put("/api/v1/budget-parameters", json={"key": "insurance_reserve_rate", "value": "0.2",
                                                             "valid_from": f"{YEAR}-01-01"}).status_code == 403


def test_a_public_health_total_beyond_the_money_limit_names_the_field(books, api):
    response = api("finance").post("/api/v1/public-health-funds", json={
        "year": YEAR, "population": 2000000000, "per_capita": "999999.00", "pre_allocation_share": "0.5"})
    assert response.status_code == 422 and "population" in response.json["error"]["fields"]
