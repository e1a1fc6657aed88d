"""The payroll API as scripts use it: employees, rules (同岗同酬, 严禁挂钩), parameters, the monthly cycle, slips."""
from __future__ import annotations

import pytest

from tests.payroll.conftest import compute, id_number


def test_employees_are_created_and_addressed_by_id(staff, api):
    hr = api("hr")
    response = hr.post("/api/v1/employees", json={
        "institution": "QH101", "name": "新职工", "id_number": id_number(601), "department": "03",
        "establishment": "beian", "is_head": False, "post": "pro_12", "grade": 5, "staff_category": "doctor",
        "insurance_base": "5200.00", "hire_date": "2026-07-01"})
    assert response.status_code == 201, response.json
    employee = response.json
    assert employee["institution"] == "QH101" and employee["department_name"] == "公共卫生科"
    assert employee["establishment_title"] == "备案制" and employee["insurance_base"] == "5200.00"
    shown = hr.get(f"/api/v1/employees/{employee['id']}").json
    assert shown["id_number"] == id_number(601)
    changed = hr.patch(f"/api/v1/employees/{employee['id']}", json={"grade": 6, "bank_account": "6228000000000001"})
    assert changed.json["grade"] == 6
    listed = hr.get("/api/v1/employees?institution=QH101&per_page=100").json
    assert employee["id"] in [e["id"] for e in listed["items"]] and listed["total"] == 6


@pytest.mark.parametrize("change, status, field", [
    ({"id_number": "130534199503120111"}, 422, "id_number"),
    ({"institution": "NOPE"}, 404, "institution"),
    ({"department": "99"}, 404, "department"),
    ({"establishment": "temporary"}, 422, "establishment"),
    ({"grade": 70}, 422, "grade"),
])
def test_bad_employee_input_names_the_field(staff, api, change, status, field):
    body = {"institution": "QH101", "name": "某", "id_number": id_number(602), "establishment": "contract", **change}
    response = api("hr").post("/api/v1/employees", json=body)
    assert response.status_code == status and field in response.json["error"]["fields"]


def test_an_id_number_twice_is_a_conflict(staff, api):
    hr = api("hr")
    body = {"institution": "QH101", "name": "某", "id_number": id_number(603), "establishment": "contract"}
    assert hr.post("/api/v1/employees", json=body).status_code == 201
    second = hr.post("/api/v1/employees", json={**body, "institution": "QH102"})
    assert second.status_code == 409 and second.json["error"]["code"] == "duplicate"


@pytest.mark.parametrize("rule, code", [
    ({"condition": 'employee.establishment == "bianzhi"', "amount": "500"}, "equal_pay"),
    ({"amount": 'table("payroll.post_wage", employee.post) if input.bianzhi else 0'}, "equal_pay"),
    ({"amount": "input.drug_revenue * 0.01"}, "revenue_link"),
    ({"amount": "input.examination_income * 0.02"}, "revenue_link"),
    ({"amount": "input.科室检查收入 * 0.02"}, "revenue_link"),  # Chinese names are names too
    ({"amount": 'param("dept_revenue", "x")'}, "revenue_link"),
    ({"amount": "post_wage +"}, "invalid_expression"),
    ({"amount": "__import__('os').system('id')"}, "invalid_expression"),
    ({"amount": "(1).__class__"}, "invalid_expression"),
    ({"amount": "employee.salary_secret"}, "unknown_reference"),
    ({"amount": "income_tax"}, "unknown_reference"),  # a later rule
])
def test_a_rule_is_refused_when_saved(staff, api, rule, code):
    body = {"code": "bonus_x", "name": "某奖励", "category": "allowance", **rule}
    response = api("hr").post("/api/v1/salary-rules", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code, response.json


def test_a_rule_version_takes_effect_from_its_date(staff, api):
    hr = api("hr")
    saved = hr.post("/api/v1/salary-rules", json={
        "code": "epidemic_allowance", "name": "卫生防疫津贴", "category": "allowance",
        "amount": 'param("payroll.local_pay", "epidemic_allowance") + 40', "effective_from": "2026-07-01"})
    assert saved.status_code == 201 and saved.json["version"] == 2
    assert "param()" in saved.json["references"]
    june = hr.get("/api/v1/salary-rules?on=2026-06-30&code=epidemic_allowance").json["items"]
    july = hr.get("/api/v1/salary-rules?on=2026-07-01&code=epidemic_allowance").json["items"]
    assert june[0]["version"] == 1 and july[0]["version"] == 2
    again = hr.post("/api/v1/salary-rules", json={
        "code": "epidemic_allowance", "name": "x", "category": "allowance", "amount": "1", "effective_from": "2026-07-01"})
    assert again.status_code == 409


def test_a_parameter_table_gets_a_new_version(staff, api):
    finance = api("finance")
    response = finance.post("/api/v1/payroll-parameters", json={
        "code": "payroll.local_pay", "effective_from": "2026-10-01", "note": "调标",
        "value": {"basic_performance_ratio": "1.00", "nursing_per_year": "3.00", "epidemic_allowance": "300.00",
                  "grassroots_allowance": "600.00", "gp_allowance": "800.00", "night_shift": "100.00"}})
    assert response.status_code == 201 and response.json["ref"] == "payroll.local_pay@2"
    exact = finance.post("/api/v1/payroll-parameters", json={
        "code": "payroll.local_pay", "effective_from": "2026-11-01", "value": {"night_shift": 1.5}})
    assert exact.status_code == 201 and exact.json["value"] == {"night_shift": "1.5"}  # a JSON number, kept exactly
    scoped = api("accountant").post("/api/v1/payroll-parameters", json={
        "code": "payroll.x", "effective_from": "2026-11-01", "value": {"a": "1"}})
    assert scoped.status_code == 403


def test_the_monthly_cycle_through_the_api(staff, api):
    hr, chief, finance = api("hr"), api("chief"), api("finance")
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH101", "year": 2026, "month": 1}).json
    assert run["state"] == "draft" and run["number"] == "工资-2026-01-0001"
    submitted = hr.post(f"/api/v1/payroll-runs/{run['id']}/compute")
    assert submitted.status_code == 202 and submitted.json["title"] == f"计算工资 {run['number']}"
    job = hr.get(f"/api/v1/jobs/{submitted.json['id']}").json
    assert job["state"] == "done" and job["result"]["slip_count"] == 5 and (job["done"], job["total"]) == (5, 5)
    computed = hr.get(f"/api/v1/payroll-runs/{run['id']}").json
    assert computed["state"] == "computed" and computed["slip_count"] == 5
    assert "income_tax@1" in computed["versions"]["rules"]
    review = hr.get(f"/api/v1/payroll-runs/{run['id']}/review").json["employees"]
    assert {e["status"] for e in review} == {"new"}
    assert hr.post(f"/api/v1/payroll-runs/{run['id']}/approve").status_code == 403  # HR may not approve
    approved = chief.post(f"/api/v1/payroll-runs/{run['id']}/approve")
    assert approved.status_code == 200 and approved.json["approved_by"] == "chief"
    assert hr.post(f"/api/v1/payroll-runs/{run['id']}/compute").json["error"]["code"] == "invalid_transition"
    posted = finance.post(f"/api/v1/payroll-runs/{run['id']}/post")
    assert posted.status_code == 200 and posted.json["vouchers"][0]["institution"] == "QH101"
    again = finance.post(f"/api/v1/payroll-runs/{run['id']}/post")
    assert again.status_code == 409
    paid = finance.post(f"/api/v1/payroll-runs/{run['id']}/pay", json={"date": "2026-01-31"})
    assert paid.status_code == 200, paid.json
    bank = finance.get(f"/api/v1/payroll-runs/{run['id']}/bank-file")
    assert bank.status_code == 200 and bank.data[:2] == b"PK"
    slips = hr.get(f"/api/v1/payroll-runs/{run['id']}/payslips").json
    slip = slips["items"][0]
    assert slips["total"] == 5 and slip["net_in_words"].endswith(("整", "分", "角"))
    one = hr.get(f"/api/v1/payslips/{slip['id']}").json
    assert one["lines"][0]["rule"] == "post_wage@1" and one["lines"][0]["category_title"] == "岗位工资"


def test_a_scoped_user_sees_only_their_institutions_slips(staff, api):
    hr = api("hr")
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH102", "year": 2026, "month": 1}).json
    compute(hr, run["id"])
    slip = hr.get(f"/api/v1/payroll-runs/{run['id']}/payslips").json["items"][0]
    accountant = api("accountant")  # 城关镇卫生院 QH101 only
    assert accountant.get(f"/api/v1/payslips/{slip['id']}").status_code == 404
    assert accountant.get(f"/api/v1/payroll-runs/{run['id']}").status_code == 404


def test_a_lead_hospital_hr_officer_cannot_compute_the_whole_communitys_slips(staff, api):
    from erp.core import services
    from erp.core.extensions import db

    services.create_user(db.session, staff, username="hr001", password="人事-secret-1", role="hr",
                         institution_codes=["QH001"], display_name="县医院人事")
    db.session.commit()
    run = api("hr").post("/api/v1/payroll-runs", json={"institution": "QH001", "year": 2026, "month": 1,
                                                       "community_wide": True}).json
    scoped = api("hr001", "人事-secret-1")
    assert scoped.post("/api/v1/payroll-runs", json={"institution": "QH001", "year": 2026, "month": 2,
                                                     "community_wide": True}).status_code == 422
    response = scoped.post(f"/api/v1/payroll-runs/{run['id']}/compute")
    assert response.status_code == 403
    computed = compute(api("hr"), run["id"])
    assert computed["slip_count"] > 60  # every member's staff but the heads
