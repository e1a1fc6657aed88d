"""Payroll races: a run's compute, approval, posting and payment (the ``staff`` fixture), the performance pool,
统筹 plans and the dean's annual salary."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select

from erp.core.extensions import db
from tests.ledger.conftest import YEAR
from tests.races.common import Race, chains_hold


def _run(request, api, steps=()):
    request.getfixturevalue("staff")
    hr = api("hr")
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH101", "year": 2026, "month": 1})
    assert run.status_code == 201, run.json
    run_id = run.json["id"]
    for step, role, body in (("compute", "hr", None), ("approve", "chief", None), ("post", "finance", None)):
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
        from erp.payroll.models import Payslip

        _run_state(run_id, "computed")()
        assert db.session.scalar(select(func.count(Payslip.id)).where(Payslip.run_id == run_id)) == 5
    # computing again replaces the slips of a computed run: a racing second compute waits and then recomputes
    return Race("hr", f"/api/v1/payroll-runs/{run_id}/compute", losers=(200, 409), check=check)


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


def _dean_salary(request, api, paid=()):
    from tests.payroll.pool_books import employee

    request.getfixturevalue("books")
    dean = employee(request.getfixturevalue("demo").id, "QH001", "刘院长", 901, department="31", is_head=True)
    db.session.commit()
    created = api("hr").post("/api/v1/dean-salaries", json={"employee": dean, "year": YEAR, "standard": "450000.00",
                                                            "base": "250000.00", "funding_source": "F01"})
    assert created.status_code == 201, created.json
    for month in paid:
        assert api("finance").post(f"/api/v1/dean-salaries/{created.json['id']}/advances/{month}/pay",
                                   json={}).status_code == 200
    return created.json["id"]


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
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/advances/<int:month>/pay"): dean_advance_pay,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/settle"): dean_settle,
}
