"""The pay-gap report over a year's approved slips, with figures worked by hand."""
from __future__ import annotations

from decimal import Decimal

from erp.core.extensions import db
from erp.payroll.models import Payslip, RunState
from erp.payroll.reports.pay_gap import pay_gap
from erp.payroll.services import create_run
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import employee, user

D = Decimal
ZERO = D("0.00")


def _slip(run, employee_id: int, gross: str, fixed: str) -> Payslip:
    rest = D(gross) - D(fixed)
    lines = [{"code": "post_wage", "category": "post_wage", "amount": fixed},
             {"code": "reward", "category": "reward_performance", "amount": f"{rest:.2f}"},
             {"code": "pension", "category": "personal_deduction", "amount": "800.00"}]
    slip = Payslip(run=run, institution_id=run.institution_id, employee_id=employee_id, year=YEAR, month=1,
                   gross=D(gross), personal_deductions=ZERO, income_tax=ZERO, net=D(gross),
                   employer_contributions=ZERO, taxable_wages=D(gross), special_deduction=ZERO,
                   additional_deduction=ZERO, other_deduction=ZERO, wage_tax=ZERO, tax_months=1, lines=lines)
    db.session.add(slip)
    return slip


def _approved_run(institution: str, state: RunState = RunState.APPROVED):
    run = create_run(db.session, user("hr"), institution=institution, year=YEAR, month=1)
    run.state = state
    return run


def test_the_pay_gap_of_a_year(demo, api, web):
    lead, township = _approved_run("QH001"), _approved_run("QH101")
    _slip(lead, employee(demo.id, "QH001", "甲", 31), "120000.00", "80000.00")
    _slip(lead, employee(demo.id, "QH001", "乙", 32), "60000.00", "45000.00")
    _slip(township, employee(demo.id, "QH101", "丙", 33), "45000.00", "36000.00")
    draft = create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=1)  # not approved: left out
    _slip(draft, employee(demo.id, "QH102", "丁", 34), "999999.00", "0.00")
    db.session.flush()
    report = pay_gap(db.session, demo.id, YEAR)
    assert [(r.code, r.people, r.average, r.highest, r.lowest, r.ratio, r.fixed_share) for r in report.institutions] == [
        ("QH001", 2, D("90000.00"), D("120000.00"), D("60000.00"), D("2.00"), D("0.6944")),  # 125,000 / 180,000
        ("QH101", 1, D("45000.00"), D("45000.00"), D("45000.00"), D("1.00"), D("0.8000"))]
    assert (report.highest, report.lowest, report.ratio) == (D("120000.00"), D("45000.00"), D("2.67"))
    assert (report.members_to_lead, report.floor, report.floor_met) == (D("0.5000"), D("0.8"), False)
    assert pay_gap(db.session, demo.id, YEAR, floor=D("0.5")).floor_met is True
    db.session.commit()
    body = api("finance").get(f"/api/v1/payroll/pay-gap?year={YEAR}").json
    assert body["members_to_lead"] == "0.5" and body["institutions"][0]["fixed_share"] == "0.6944"
    page = web("finance").get(f"/payroll/pay-gap?year={YEAR}").get_data(as_text=True)
    assert "90,000.00" in page and "低于 λ" in page and "<svg" in page
