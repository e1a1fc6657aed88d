"""The pool, mapping, 统筹, distribution and dean-salary APIs as the finance officer, HR and the chief accountant
use them; every path that could pay the dean refuses with dean_excluded."""
from __future__ import annotations

from decimal import Decimal

from erp.core.extensions import db
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import employee, enter_last_year

POOL = {"institution": "QH001", "year": YEAR, "previous_pool": "500000.00", "growth": "0.05",
        "appraisal_factor": "0.95", "staff_count": 100, "local_average_wage": "80000.00"}


def test_the_pool_is_computed_increased_and_approved_by_the_chief_accountant(books, demo, api):
    enter_last_year(books)
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/performance-pools", json=POOL)
    assert created.status_code == 201, created.json
    pool = created.json
    assert (pool["total"], pool["basic"], pool["incentive"], pool["ledger_year"]) == (
        "532950.00", "213180.00", "319770.00", YEAR - 1)
    assert pool["figures"]["material_revenue"]["accounts"] == [
        {"code": "4101010107", "name": "卫生材料收入", "amount": "300000.00"}]
    increased = finance.post(f"/api/v1/performance-pools/{pool['id']}/increases",
                             json={"category": "talent", "amount": "20000.00", "reason": "引进学科带头人"})
    assert increased.json["total"] == "552950.00" and increased.json["increases"][0]["reason"] == "引进学科带头人"
    assert finance.post(f"/api/v1/performance-pools/{pool['id']}/approve").status_code == 403
    approved = chief.post(f"/api/v1/performance-pools/{pool['id']}/approve")
    assert approved.json["state"] == "approved" and approved.json["approved_by"] == "chief"
    again = finance.post(f"/api/v1/performance-pools/{pool['id']}/compute", json={"growth": "0"})
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    listed = api("auditor").get(f"/api/v1/performance-pools?year={YEAR}").json
    assert [item["total"] for item in listed["items"]] == ["552950.00"]
    assert api("accountant").get(f"/api/v1/performance-pools/{pool['id']}").status_code == 404  # QH101 only
    bad = finance.post("/api/v1/performance-pools", json={**POOL, "institution": "QH002", "reward_share": "0.1234567"})
    assert bad.status_code == 422 and "reward_share" in bad.json["error"]["fields"]
    closed = finance.post("/api/v1/performance-pools", json={**POOL, "institution": "QH002"})
    assert closed.status_code == 422 and closed.json["error"]["code"] == "year_not_closed"


def test_the_finance_officer_sees_and_edits_the_account_mapping(books, demo, api):
    finance = api("finance")
    items = {item["item"]: item for item in finance.get("/api/v1/performance-pools/mapping").json["items"]}
    assert [a["account"] for a in items["drug_revenue"]["accounts"]] == ["4101010108", "4101010209"]
    assert items["personnel_expense"]["measure"] == "credit_turnover"
    changed = finance.put("/api/v1/performance-pools/mapping/cost", json={"accounts": [{"account": "5001"}]})
    assert changed.status_code == 200 and changed.json["accounts"] == [{"account": "5001", "note": ""}]
    bad = finance.put("/api/v1/performance-pools/mapping/cost", json={"accounts": [{"account": "9999"}]})
    assert bad.status_code == 422 and "accounts[0].account" in bad.json["error"]["fields"]
    assert finance.put("/api/v1/performance-pools/mapping/nothing", json={"accounts": []}).status_code == 404
    assert api("accountant").put("/api/v1/performance-pools/mapping/cost", json={"accounts": []}).status_code == 403
    enter_last_year(books)
    pool = finance.post("/api/v1/performance-pools", json=POOL).json
    assert pool["cost"] == "1500000.00"  # 5001 only now: 单位管理费用 no longer counts


def test_a_pooling_plan_through_the_api(demo, api):
    members = [{"institution": "QH001", "incentive": "1000000.00", "fte": 100, "fte_general_practitioner": 0,
                "fte_public_health": 0},
               {"institution": "QH101", "incentive": "200000.00", "fte": "10", "fte_general_practitioner": 5,
                "fte_public_health": 5},
               {"institution": "QH101-01", "incentive": "10000.00", "fte": 1, "fte_general_practitioner": 0,
                "fte_public_health": 0}]
    created = api("finance").post("/api/v1/pooling-plans", json={"institution": "QH001", "year": YEAR,
                                                                  "share": "0.3", "floor": "1.5", "members": members})
    assert created.status_code == 201, created.json
    plan = created.json
    assert [line["allocation"] for line in plan["lines"]] == ["276045.62", "82873.49", "4080.89"]
    assert plan["total"] == "363000.00" and plan["floor_applied"] and plan["summary"]["floor_met"]
    assert [line["weight"] for line in plan["lines"]] == ["100", "26.4", "1.3"]
    approved = api("chief").post(f"/api/v1/pooling-plans/{plan['id']}/approve")
    assert approved.json["state"] == "approved"
    bad = api("finance").post("/api/v1/pooling-plans", json={"institution": "QH001", "year": YEAR + 1,
                                                             "share": "0.3", "members": [{"institution": "QH999"}]})
    assert bad.status_code == 404 and "institution" in bad.json["error"]["fields"]


def test_the_deans_salary_through_the_api(books, demo, api):
    dean = employee(demo.id, "QH001", "刘院长", 901, department="31", is_head=True)
    db.session.commit()
    created = api("hr").post("/api/v1/dean-salaries", json={"employee": dean, "year": YEAR, "standard": "450000.00",
                                                            "base": "250000.00", "funding_source": "F01"})
    assert created.status_code == 201, created.json
    salary = created.json
    assert len(salary["advances"]) == 12
    assert sum(Decimal(a["amount"]) for a in salary["advances"]) == Decimal("250000.00")
    assert salary["advances"][0]["amount"] == "20833.34" and salary["advances"][11]["amount"] == "20833.33"
    assert salary["state"] == "draft" and salary["created_by"] == "hr"
    early = api("finance").post(f"/api/v1/dean-salaries/{salary['id']}/advances/3/pay", json={})
    assert early.status_code == 409 and early.json["error"]["code"] == "invalid_transition"
    assert api("hr").post(f"/api/v1/dean-salaries/{salary['id']}/approve").status_code == 403
    approved = api("chief").post(f"/api/v1/dean-salaries/{salary['id']}/approve")
    assert approved.status_code == 200
    assert (approved.json["state"], approved.json["approved_by"]) == ("approved", "chief")
    paid = api("finance").post(f"/api/v1/dean-salaries/{salary['id']}/advances/3/pay", json={})
    assert paid.status_code == 200 and paid.json["advances"][2]["paid"]
    for month in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12):
        api("finance").post(f"/api/v1/dean-salaries/{salary['id']}/advances/{month}/pay", json={})
    settled = api("finance").post(f"/api/v1/dean-salaries/{salary['id']}/settle", json={"score": "62"})
    assert (settled.json["annual"], settled.json["advanced"], settled.json["settlement"]) == (
        "221428.57", "250000.00", "-28571.43")  # 250,000 × 62/70
    bad = api("hr").post("/api/v1/dean-salaries", json={"employee": 99999, "year": YEAR, "standard": "1.00",
                                                        "base": "1.00"})
    assert bad.status_code == 404 and "employee" in bad.json["error"]["fields"]


def test_every_path_refuses_to_pay_the_dean(books, staff, api):
    """The dean (the lead hospital's 主要负责人 in the payroll demo) takes part in nothing but the annual salary:
    the pool's 核增, 统筹, department distribution, bonuses and every monthly input refuse with dean_excluded,
    and a monthly run computes no slip for the dean."""
    from sqlalchemy import select

    from erp.core.errors import BusinessError
    from erp.core.models import Employee, Institution
    from erp.payroll.models import Payslip
    from erp.payroll.services import compute_run, create_run, head_of, set_inputs
    from tests.payroll.pool_books import user

    lead = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    dean = head_of(db.session, lead.id).employee_id
    enter_last_year(books)
    finance = api("finance")
    pool = finance.post("/api/v1/performance-pools", json=POOL).json
    refusals = {
        "pool 核增": finance.post(f"/api/v1/performance-pools/{pool['id']}/increases", json={
            "category": "talent", "amount": "10000.00", "reason": "单列", "employee": dean}),
        "统筹": finance.post("/api/v1/pooling-plans", json={"institution": "QH001", "year": YEAR, "share": "0.3",
                                                           "members": [{"institution": "QH001", "incentive": "1.00",
                                                                        "people": [dean]}]}),
        "科室分配": api("hr").post("/api/v1/distributions", json={
            "institution": "QH001", "year": YEAR, "label": "一季度", "amount": "1000.00",
            "people": [{"employee": dean, "department": "31", "points": "100", "quality": "1"}]}),
    }
    for path, response in refusals.items():
        assert response.status_code == 422, (path, response.json)
        assert response.json["error"]["code"] == "dean_excluded", path
        assert any(name.endswith("employee") or name.endswith("people") for name in response.json["error"]["fields"])
    for code in ("annual_bonus", "reward_performance", "basic_performance"):  # 年终一次性奖金, 奖励性/基础性绩效
        try:
            set_inputs(db.session, staff.id, YEAR, 1, [{"employee": dean, "code": code, "value": Decimal("100.00")}])
        except BusinessError as exc:
            assert exc.code == "dean_excluded" and "values[0].employee" in exc.fields, code
        else:
            raise AssertionError(f"a {code} input was accepted for the dean")
    run = create_run(db.session, user("hr"), institution="QH001", year=YEAR, month=1)
    compute_run(db.session, run, user("hr"))
    paid = set(db.session.scalars(select(Employee.id).join(Payslip, Payslip.employee_id == Employee.id)
                                  .where(Payslip.run_id == run.id)))
    assert paid and dean not in paid
