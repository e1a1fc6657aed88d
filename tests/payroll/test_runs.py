"""The monthly run on the payroll demo: compute with real numbers, approve by another user, post, pay."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Employee
from erp.core.timeutil import local_today
from erp.payroll.models import Payslip
from erp.payroll.services import (approve_run, compute_run, create_employee, create_run, pay_run, post_run,
                                  review_run, set_inputs)
from tests.payroll.conftest import id_number, user

D = Decimal
YEAR, MONTH = local_today().year, local_today().month


def _slip(run, employee_id) -> Payslip:
    return db.session.scalar(select(Payslip).where(Payslip.run_id == run.id, Payslip.employee_id == employee_id))


def test_one_slip_computed_by_the_standard_rules_to_the_fen(staff):
    profile = create_employee(db.session, staff.id, institution="QH101", name="测试护士", id_number=id_number(501),
                              department="02", establishment="contract", staff_category="nurse", post="pro_11",
                              grade=10, hire_date=date(2016, 4, 1), insurance_base=D("8000.00"),
                              housing_fund_base=D("8000.00"))
    set_inputs(db.session, staff.id, YEAR, 1, [{"employee": profile.employee_id, "code": "reward_performance",
                                                "value": D("3000.00")},
                                               {"employee": profile.employee_id, "code": "night_shifts", "value": D("4")}])
    run = create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=1)
    compute_run(db.session, run, user("hr"))
    slip = _slip(run, profile.employee_id)
    lines = {line["code"]: D(line["amount"]) for line in slip.lines}
    # 岗位 pro_11 2,060; 薪级 10 → 175+11·9+4·(1+1+1+1+2+2+2+2+2)… read from the shipped table
    post, grade = lines["post_wage"], lines["grade_wage"]
    assert post == D("2060.00")
    assert lines["basic_performance"] == ((post + grade) * D("0.90")).quantize(D("0.01"))
    assert lines["reward_performance"] == D("3000.00") and lines["night_shift"] == D("320.00")
    assert lines["nursing_allowance"] == D(3 * min(YEAR - 2016, 20)) and lines["grassroots_allowance"] == D("500.00")
    # contributions on 8,000 (inside 3,900 – 19,500): 8% 640, 4% 320, 2% 160, 0.3% 24, housing 12% 960
    assert [lines[f"{item}_employee"] for item in ("pension", "annuity", "medical", "unemployment", "housing_fund")] \
        == [D("640.00"), D("320.00"), D("160.00"), D("24.00"), D("960.00")]
    assert slip.personal_deductions == D("2104.00") and slip.special_deduction == D("1784.00")
    assert slip.other_deduction == D("320.00")  # the annuity within 4 % of its base
    taxable = slip.gross - 5000 - D("1784.00") - D("320.00")
    assert slip.income_tax == (taxable * D("0.03")).quantize(D("0.01")) and lines["income_tax"] == slip.income_tax
    assert slip.net == slip.gross - slip.personal_deductions - slip.income_tax
    assert lines["pension_employer"] == D("1280.00") and slip.employer_contributions == D("3608.00")  # 16+8+8+0.7+0.4+12 %
    tax_line = next(line for line in slip.lines if line["code"] == "income_tax")
    assert tax_line["rule"] == "income_tax@1" and "payroll.iit_cumulative@1" in tax_line["parameters"]
    assert tax_line["inputs"]["tax_months"] == "1"
    assert next(l for l in slip.lines if l["code"] == "post_wage")["inputs"] == {"employee.post": "pro_11"}


def test_the_second_month_withholds_cumulatively_and_the_review_shows_the_differences(staff):
    profile = create_employee(db.session, staff.id, institution="QH101", name="测试医生", id_number=id_number(502),
                              department="01", establishment="bianzhi", staff_category="doctor", post="pro_7",
                              grade=25, hire_date=date(2010, 1, 1), insurance_base=D("15000.00"),
                              housing_fund_base=D("15000.00"))
    employee = profile.employee_id
    slips = []
    for month, reward in ((1, "9000.00"), (2, "12000.00")):
        set_inputs(db.session, staff.id, YEAR, month, [{"employee": employee, "code": "reward_performance",
                                                        "value": D(reward)}])
        run = create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=month)
        compute_run(db.session, run, user("hr"))
        approve_run(db.session, run, user("chief"))
        slips.append(_slip(run, employee))
    jan, feb = slips
    cumulative = jan.taxable_wages + feb.taxable_wages - 10000 - 2 * (jan.special_deduction + jan.other_deduction)
    rate, quick = (D("0.03"), 0) if cumulative <= 36000 else (D("0.10"), 2520)
    assert feb.income_tax == (cumulative * rate - quick).quantize(D("0.01")) - jan.income_tax
    review = {r.employee_id: r for r in review_run(db.session, run)}[employee]
    assert review.status == "changed" and review.difference == feb.net - jan.net
    assert {d.code: d.difference for d in review.lines}["reward_performance"] == D("3000.00")


def test_a_computed_run_never_approved_does_not_count_as_paid_in_the_next_month(staff):
    """January computed but never approved paid nothing: February's cumulative tax starts from zero income."""
    profile = create_employee(db.session, staff.id, institution="QH101", name="测试药师", id_number=id_number(503),
                              department="01", establishment="bianzhi", staff_category="doctor", post="pro_7",
                              grade=25, hire_date=date(2010, 1, 1), insurance_base=D("15000.00"),
                              housing_fund_base=D("15000.00"))
    employee = profile.employee_id
    runs = []
    for month in (1, 2):
        set_inputs(db.session, staff.id, YEAR, month, [{"employee": employee, "code": "reward_performance",
                                                        "value": D("12000.00")}])
        runs.append(create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=month))
        compute_run(db.session, runs[-1], user("hr"))  # January is left computed, never approved
    jan, feb = (_slip(run, employee) for run in runs)
    assert jan.income_tax > 0 and feb.taxable_wages == jan.taxable_wages
    # nothing was paid in January, so February's cumulative income is February's alone against two months'
    # deductions: less tax than January's first month (165.03 against 315.03); counting the unapproved January
    # as paid withheld 315.04 instead
    assert D(0) < feb.income_tax < jan.income_tax


def test_approval_needs_another_user_and_freezes_the_month(staff):
    run = create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=MONTH)
    compute_run(db.session, run, user("hr"))
    assert run.slip_count == 5 and run.net_total > 0
    with pytest.raises(BusinessError) as caught:
        approve_run(db.session, run, user("hr"))
    assert caught.value.code == "separation_of_duties"
    approve_run(db.session, run, user("chief"))
    with pytest.raises(BusinessError) as caught:
        compute_run(db.session, run, user("hr"))
    assert caught.value.code == "invalid_transition"
    employee = _slip_any(run).employee_id
    with pytest.raises(BusinessError) as caught:
        set_inputs(db.session, staff.id, YEAR, MONTH, [{"employee": employee, "code": "night_shifts", "value": D(1)}])
    assert caught.value.code == "run_approved"


def _slip_any(run) -> Payslip:
    return db.session.scalar(select(Payslip).where(Payslip.run_id == run.id).limit(1))


def test_a_month_cannot_be_run_twice_and_an_adjustment_pays_the_difference(staff):
    run = create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=MONTH)
    compute_run(db.session, run, user("hr"))
    with pytest.raises(BusinessError) as caught:
        create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=MONTH)
    assert caught.value.code == "month_already_run"
    approve_run(db.session, run, user("chief"))
    slip = _slip_any(run)
    before = {line["code"]: D(line["amount"]) for line in slip.lines}
    adjustment = create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=MONTH, kind="adjustment",
                            employees=[slip.employee_id])
    from erp.payroll.models import PayrollInput
    row = db.session.scalar(select(PayrollInput).where(PayrollInput.employee_id == slip.employee_id,
                                                       PayrollInput.code == "reward_performance",
                                                       PayrollInput.month == MONTH))
    row.value += D("1000.00")  # the correction (HR's input changed outside the frozen month's API path)
    compute_run(db.session, adjustment, user("hr"))
    extra = _slip(adjustment, slip.employee_id)
    lines = {line["code"]: D(line["amount"]) for line in extra.lines}
    assert lines["reward_performance"] == D("1000.00") and lines["post_wage"] == 0
    assert extra.gross == D("1000.00") and extra.regular_period is None
    assert before["reward_performance"] + lines["reward_performance"] == D(
        next(l for l in extra.lines if l["code"] == "reward_performance")["recomputed"])


def test_the_head_of_an_institution_gets_no_rule_based_slip(staff):
    run = create_run(db.session, user("hr"), institution="QH001", year=YEAR, month=MONTH)
    compute_run(db.session, run, user("hr"))
    names = set(db.session.scalars(select(Employee.name).join(Payslip, Payslip.employee_id == Employee.id)
                                   .where(Payslip.run_id == run.id)))
    from erp.payroll.models import PayrollProfile
    head = db.session.scalar(select(PayrollProfile).where(PayrollProfile.institution_id == run.institution_id,
                                                          PayrollProfile.is_head.is_(True)))
    assert run.slip_count == 11 and head.employee.name not in names
    with pytest.raises(BusinessError) as caught:
        set_inputs(db.session, staff.id, YEAR, MONTH, [{"employee": head.employee_id, "code": "reward_performance",
                                                        "value": D("100.00")}])
    assert caught.value.code == "dean_excluded"


def test_posting_and_paying_a_run_balances_the_books(staff):
    from erp.ledger.services import Voucher

    from erp.payroll.models import PayrollProfile

    lead = db.session.scalars(select(PayrollProfile).where(PayrollProfile.is_head.is_(False),
                                                           PayrollProfile.institution.has(code="QH001")))
    set_inputs(db.session, staff.id, YEAR, 1, [{"employee": p.employee_id, "code": "reward_performance",
                                                "value": D("8000.00")} for p in lead])
    run = create_run(db.session, user("hr"), institution="QH001", year=YEAR, month=1)
    compute_run(db.session, run, user("hr"))
    approve_run(db.session, run, user("chief"))
    assert run.tax_total > 0  # January: one 5,000 deduction
    accrual = post_run(db.session, run, user("finance"))
    assert len(accrual) == 1
    voucher = accrual[0]
    lines = voucher.lines
    financial = [line for line in lines if line.account.code[0] in "12345"]
    assert sum(line.debit for line in financial) == sum(line.credit for line in financial)
    by_account = {}
    for line in financial:
        by_account[line.account.code] = by_account.get(line.account.code, 0) + line.credit - line.debit
    assert by_account["2201"] == run.net_total + run.employer_total
    assert by_account["2102"] == run.tax_total
    assert -(by_account.get("5001", 0) + by_account.get("5101", 0)) == run.gross_total + run.employer_total
    paid = pay_run(db.session, run, user("finance"), on=date(YEAR, 1, 31))
    assert sum(line.credit for line in paid[0].lines if line.account.code == "1002") == run.net_total
    assert isinstance(voucher, Voucher) and run.state.value == "paid"
