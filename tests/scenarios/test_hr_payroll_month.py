"""An HR officer's pay month, as they would do it through the API: January paid, then February with a joiner,
a leaver, new inputs and a correction before approval; approved by the chief accountant, posted and paid by
finance; the bank file, the slips in Chinese, and books that still balance."""
from __future__ import annotations

from decimal import Decimal

from erp.core.extensions import db
from erp.ledger.services.integrity import check_balances, verify_chains
from tests.payroll.conftest import compute, id_number, staff  # noqa: F401 - the payroll demo fixture

YEAR = 2026


def _cycle(hr, chief, finance, month: int) -> dict:
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH101", "year": YEAR, "month": month})
    assert run.status_code == 201, run.json
    run_id = run.json["id"]
    assert compute(hr, run_id)["state"] == "computed"
    return run.json


def test_the_hr_officers_month(staff, api):
    hr, chief, finance = api("hr"), api("chief"), api("finance")
    staff_list = hr.get("/api/v1/employees?institution=QH101").json["items"]
    leaver, stayer = staff_list[1], staff_list[2]

    # January: inputs, compute, approve, post, pay
    hr.put("/api/v1/payroll-inputs", json={"year": YEAR, "month": 1, "values": [
        {"employee": e["id"], "code": "reward_performance", "value": "5000.00"} for e in staff_list]})
    january = _cycle(hr, chief, finance, 1)
    assert chief.post(f"/api/v1/payroll-runs/{january['id']}/approve").status_code == 200
    assert finance.post(f"/api/v1/payroll-runs/{january['id']}/post").status_code == 200
    assert finance.post(f"/api/v1/payroll-runs/{january['id']}/pay", json={"date": f"{YEAR}-01-31"}).status_code == 200

    # February: one leaves at the end of January, one joins, the stayer works nights and gets a bonus
    assert hr.patch(f"/api/v1/employees/{leaver['id']}", json={"leave_date": f"{YEAR}-01-31"}).status_code == 200
    joiner = hr.post("/api/v1/employees", json={
        "institution": "QH101", "name": "新护士", "id_number": id_number(801), "department": "02",
        "establishment": "dispatch", "is_head": False, "staff_category": "nurse", "post": "pro_12", "grade": 3,
        "insurance_base": "4500.00", "housing_fund_base": "4500.00", "hire_date": f"{YEAR}-02-01"}).json
    hr.put("/api/v1/payroll-inputs", json={"year": YEAR, "month": 2, "values": [
        {"employee": e["id"], "code": "reward_performance", "value": "5000.00"}
        for e in staff_list if e["id"] != leaver["id"]] + [
        {"employee": joiner["id"], "code": "reward_performance", "value": "2000.00"},
        {"employee": stayer["id"], "code": "night_shifts", "value": "6"},
        {"employee": stayer["id"], "code": "annual_bonus", "value": "30000.00"}]})
    february = _cycle(hr, chief, finance, 2)
    review = {e["employee"]: e for e in hr.get(f"/api/v1/payroll-runs/{february['id']}/review").json["employees"]}
    assert review[leaver["id"]]["status"] == "left" and review[joiner["id"]]["status"] == "new"
    changed = {line["code"]: line for line in review[stayer["id"]]["lines"]}
    assert changed["night_shift"]["difference"] == "480.00" and changed["annual_bonus"]["current"] == "30000.00"

    # HR notices the bonus should be merged into wages for this employee: correct and recompute
    hr.put("/api/v1/payroll-inputs", json={"year": YEAR, "month": 2, "values": [
        {"employee": stayer["id"], "code": "bonus_merged", "value": "1"}]})
    recomputed = compute(hr, february["id"])
    slips = {s["employee"]: s for s in hr.get(f"/api/v1/payroll-runs/{february['id']}/payslips?per_page=50")
             .json["items"]}
    bonus = slips[stayer["id"]]["tax"]
    assert bonus["bonus_separate"] is False and bonus["bonus_tax_separate"] == "900.00"  # 30,000 × 3 %
    assert Decimal(bonus["bonus_tax_merged"]) > 0  # both figures shown
    assert slips[joiner["id"]]["tax"]["tax_months"] == 1 and leaver["id"] not in slips
    assert recomputed["slip_count"] == len(staff_list)  # one left, one joined

    # the chief accountant approves; finance posts and pays; the run is frozen
    assert chief.post(f"/api/v1/payroll-runs/{february['id']}/approve").status_code == 200
    assert hr.put("/api/v1/payroll-inputs", json={"year": YEAR, "month": 2, "values": [
        {"employee": stayer["id"], "code": "night_shifts", "value": "7"}]}).json["error"]["code"] == "run_approved"
    posted = finance.post(f"/api/v1/payroll-runs/{february['id']}/post").json["vouchers"]
    assert len(posted) == 1
    assert finance.post(f"/api/v1/payroll-runs/{february['id']}/pay", json={"date": f"{YEAR}-02-28"}).status_code == 200
    bank = finance.get(f"/api/v1/payroll-runs/{february['id']}/bank-file")
    assert bank.status_code == 200 and bank.mimetype.endswith("sheet")
    printing = hr.post(f"/api/v1/payroll-runs/{february['id']}/payslips/pdf")
    assert printing.status_code == 202
    job = hr.get(f"/api/v1/jobs/{printing.json['id']}").json
    assert job["state"] == "done" and job["result_filename"] == f"工资条-{february['number']}.pdf"
    batch = hr.get(job["result_url"])
    assert batch.status_code == 200 and batch.data[:4] == b"%PDF"
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
