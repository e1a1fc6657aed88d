"""Payroll races: a run's compute (a background job), approval, posting and payment (the ``staff`` fixture), the
opening figures and rule withdrawal, the performance pool, 统筹 plans and the dean's annual salary."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select

from erp.core.extensions import db
from tests.ledger.conftest import YEAR
from tests.payroll.conftest import compute
from tests.races.common import Race, chains_hold


def _run(request, api, steps=()):
    request.getfixturevalue("staff")
    hr = api("hr")
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH101", "year": 2026, "month": 1})
    assert run.status_code == 201, run.json
    run_id = run.json["id"]
    if "compute" in steps:
        assert compute(hr, run_id)["state"] == "computed"
    for step, role, body in (("approve", "chief", None), ("post", "finance", None)):
        if step in steps:
            response = api(role).post(f"/api/v1/payroll-runs/{run_id}/{step}", json=body)
            assert response.status_code == 200, (step, response.json)
    return run_id


def _run_state(run_id, state):
    def check():
        from erp.payroll.models import PayrollRun

        db.session.expire_all()
        assert db.session.get(PayrollRun, run_id).state.value == state
    return check


def run_compute(request, api):
    run_id = _run(request, api)

    def check():
        from erp.core.models import Job
        from erp.payroll.models import Payslip

        _run_state(run_id, "computed")()
        assert db.session.scalar(select(func.count(Payslip.id)).where(Payslip.run_id == run_id)) == 5
        states = [job.state for job in db.session.scalars(select(Job).where(Job.function.like("%:compute_job")))
                  if (job.arguments or {}).get("args", [None])[:1] == [run_id]]
        assert states and set(states) == {"done"}, states
    # a compute is a job: a racer that finds it under way is refused (409 job_running); one that comes after it
    # has finished queues a recompute of the computed run (202 too), which replaces the slips
    return Race("hr", f"/api/v1/payroll-runs/{run_id}/compute", ok=202, losers=(202, 409), check=check)


def run_approve(request, api):
    run_id = _run(request, api, ["compute"])
    return Race("chief", f"/api/v1/payroll-runs/{run_id}/approve", check=_run_state(run_id, "approved"))


def run_post(request, api):
    run_id = _run(request, api, ["compute", "approve"])

    def check():
        _run_state(run_id, "posted")()
        chains_hold()
    return Race("finance", f"/api/v1/payroll-runs/{run_id}/post", check=check)


def run_pay(request, api):
    run_id = _run(request, api, ["compute", "approve", "post"])

    def check():
        _run_state(run_id, "paid")()
        chains_hold()
    return Race("finance", f"/api/v1/payroll-runs/{run_id}/pay", {"date": "2026-01-31"}, check=check)


def opening_set(request, api):
    from erp.payroll.services import create_employee
    from tests.payroll.conftest import id_number

    profile = create_employee(db.session, request.getfixturevalue("staff").id, institution="QH101", name="上线职工",
                              id_number=id_number(611), department="01", establishment="bianzhi",
                              staff_category="doctor", post="pro_10", grade=12, hire_date=date(2015, 1, 1),
                              insurance_base=Decimal("10000.00"), housing_fund_base=Decimal("10000.00"))
    employee = profile.employee_id
    db.session.commit()

    def check():
        from erp.payroll.models import PayrollOpening

        db.session.expire_all()
        assert db.session.scalar(select(func.count(PayrollOpening.id)).where(
            PayrollOpening.employee_id == employee)) == 1
    # setting an employee's figures again replaces them (201 too); a racer that inserted at the same time as the
    # winner is refused by the (employee, year) key: 409, never a second row
    opening = {"employee": employee, "year": 2026, "through_month": 6, "months": 6, "income": "108000.00",
               "tax_withheld": "2502.00"}
    return Race("hr", "/api/v1/payroll-openings", opening, ok=201, losers=(201, 409),
                check=check)


def rule_withdraw(request, api):
    request.getfixturevalue("staff")

    def check():
        from erp.payroll.models import SalaryRule

        db.session.expire_all()
        versions = db.session.scalars(select(SalaryRule).where(SalaryRule.code == "epidemic_allowance")).all()
        assert sorted((v.version, v.active) for v in versions) == [(1, True), (2, False)]
    return Race("hr", "/api/v1/salary-rules/epidemic_allowance/withdraw", {"effective_from": "2026-02-01"}, ok=201,
                check=check)


def _pool(request, api):
    from tests.payroll.pool_books import enter_last_year
    from tests.payroll.test_pools_api import POOL

    enter_last_year(request.getfixturevalue("books"))
    created = api("finance").post("/api/v1/performance-pools", json=POOL)
    assert created.status_code == 201, created.json
    return created.json["id"]


def _pool_total(pool_id, total):
    def check():
        from erp.payroll.models.performance_pool import PerformancePool

        db.session.expire_all()
        assert db.session.get(PerformancePool, pool_id).total == Decimal(total)
    return check


def pool_compute(request, api):
    pool_id = _pool(request, api)

    def check():  # the racers left the pool as one compute of these inputs leaves it
        raced = api("finance").get(f"/api/v1/performance-pools/{pool_id}").json
        again = api("finance").post(f"/api/v1/performance-pools/{pool_id}/compute", json={"growth": "0"}).json
        assert (raced["state"], raced["total"], raced["basic"]) == (again["state"], again["total"], again["basic"])
    # recomputing a computed pool is allowed: every racer waits its turn and computes the same
    return Race("finance", f"/api/v1/performance-pools/{pool_id}/compute", {"growth": "0"}, losers=(200, 409),
                check=check)


def pool_increase(request, api):
    pool_id = _pool(request, api)
    # each increase is its own entry (not a state change): five racers add five, the total counts each once
    return Race("finance", f"/api/v1/performance-pools/{pool_id}/increases",
                {"category": "talent", "amount": "20000.00", "reason": "引进学科带头人"}, losers=(200,),
                check=_pool_total(pool_id, "632950.00"))


def pool_approve(request, api):
    pool_id = _pool(request, api)
    return Race("chief", f"/api/v1/performance-pools/{pool_id}/approve")


def pooling_plan_approve(request, api):
    request.getfixturevalue("demo")
    created = api("finance").post("/api/v1/pooling-plans", json={"institution": "QH001", "year": YEAR, "share": "0.3",
                                                                  "members": [
        {"institution": "QH001", "incentive": "1000000.00", "fte": 100, "fte_general_practitioner": 0,
         "fte_public_health": 0},
        {"institution": "QH101", "incentive": "200000.00", "fte": "10", "fte_general_practitioner": 5,
         "fte_public_health": 5}]})
    assert created.status_code == 201, created.json
    return Race("chief", f"/api/v1/pooling-plans/{created.json['id']}/approve")


def _dean_salary(request, api, paid=(), approve=True):
    from tests.payroll.pool_books import employee

    request.getfixturevalue("books")
    dean = employee(request.getfixturevalue("demo").id, "QH001", "刘院长", 901, department="31", is_head=True)
    db.session.commit()
    created = api("hr").post("/api/v1/dean-salaries", json={"employee": dean, "year": YEAR, "standard": "450000.00",
                                                            "base": "250000.00", "funding_source": "F01"})
    assert created.status_code == 201, created.json
    if approve:
        approved = api("chief").post(f"/api/v1/dean-salaries/{created.json['id']}/approve")
        assert approved.status_code == 200, approved.json
    for month in paid:
        assert api("finance").post(f"/api/v1/dean-salaries/{created.json['id']}/advances/{month}/pay",
                                   json={}).status_code == 200
    return created.json["id"]


def dean_approve(request, api):
    salary_id = _dean_salary(request, api, approve=False)

    def check():
        from erp.payroll.models.dean_salary import DeanSalary

        db.session.expire_all()
        assert db.session.get(DeanSalary, salary_id).state.value == "approved"
    return Race("chief", f"/api/v1/dean-salaries/{salary_id}/approve", check=check)


def dean_advance_pay(request, api):
    salary_id = _dean_salary(request, api)
    return Race("finance", f"/api/v1/dean-salaries/{salary_id}/advances/1/pay", {}, check=chains_hold)


def dean_settle(request, api):
    salary_id = _dean_salary(request, api, paid=(1,))
    return Race("finance", f"/api/v1/dean-salaries/{salary_id}/settle", {"score": "85"}, check=chains_hold)


RACES: dict[tuple[str, str], Callable] = {
    ("POST", "/api/v1/payroll-runs/<int:run_id>/compute"): run_compute,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/approve"): run_approve,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/post"): run_post,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/pay"): run_pay,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/compute"): pool_compute,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/increases"): pool_increase,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/approve"): pool_approve,
    ("POST", "/api/v1/pooling-plans/<int:plan_id>/approve"): pooling_plan_approve,
    ("POST", "/api/v1/payroll-openings"): opening_set,
    ("POST", "/api/v1/salary-rules/<code>/withdraw"): rule_withdraw,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/approve"): dean_approve,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/advances/<int:month>/pay"): dean_advance_pay,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/settle"): dean_settle,
}
