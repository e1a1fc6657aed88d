"""院长年薪 (PAYROLL.md §8): approve the year's standard and base salary outside the pool, advance the base
monthly (twelve advances summing exactly to it), settle after the appraisal score. Every amount is posted
through the ledger's door with the ``payroll.dean_salary`` template, carrying the salary's own funding source.

Settlement: with score S and pass mark M (70), Y = base + (S − M) × standard / 100 for S ≥ M, else
Y = base × S / M (to the fen, ROUND_HALF_UP); settlement = Y − the advances paid (negative: recovered — a debit
on the dean's 应付职工薪酬 until repaid)."""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Employee, FundingSource, Institution, User
from erp.core.money import quantize_fen
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.payroll.models import PayrollProfile
from erp.payroll.models.dean_salary import DEAN_STATES, DeanAdvance, DeanSalary, DeanSalaryState
from erp.core.money import largest_remainder
from erp.payroll.services.years import check_year

TEMPLATE = "payroll.dean_salary"
DEFAULT_CAP_MULTIPLE = Decimal(3)
DEFAULT_PASS_MARK = Decimal(70)
DEAN_FUNDING_HINT = "院长年薪"  # a fiscal funding source whose name says so is the default source


def monthly_advances(base: Decimal) -> list[Decimal]:
    """Twelve advances summing exactly to ``base``: base/12 to the fen, the fen left over to the first months."""
    shares = largest_remainder(base, [(month, Decimal(1)) for month in range(1, 13)])
    return [shares[month] for month in range(1, 13)]


def annual_salary(base: Decimal, standard: Decimal, score: Decimal, pass_mark: Decimal = DEFAULT_PASS_MARK) -> Decimal:
    if score >= pass_mark:
        return quantize_fen(base + (score - pass_mark) * standard / 100)
    return quantize_fen(base * score / pass_mark)


def _funding_source(session: Session, community_id: int, code: str | None) -> FundingSource:
    statement = select(FundingSource).where(FundingSource.community_id == community_id)
    if code:
        found = session.scalar(statement.where(FundingSource.code == code))
        if found is None:
            raise NotFound.for_field("funding_source", f"没有资金来源 {code} (no funding source {code!r})")
    else:
        found = session.scalar(statement.where(FundingSource.fiscal.is_(True),
                                               FundingSource.name.contains(DEAN_FUNDING_HINT)).order_by(FundingSource.code))
        if found is None:
            raise BusinessError.for_field("funding_source", "请指定院长年薪的财政资金来源 (name the dean's government "
                                                            "funding source)", "funding_source_required")
    if not found.fiscal:
        raise BusinessError.for_field("funding_source", "院长年薪由同级财政预算安排，资金来源应为财政拨款 "
                                                        "(the dean's salary is funded by the government budget)",
                                      "not_fiscal")
    return found


def create_dean_salary(session: Session, community_id: int, user: User, *, employee: int, year: int,
                       standard: Decimal, base: Decimal, average_pay: Decimal | None = None,
                       cap_multiple: Decimal = DEFAULT_CAP_MULTIPLE, pass_mark: Decimal = DEFAULT_PASS_MARK,
                       funding_source: str | None = None) -> DeanSalary:
    check_year(year)
    profile = session.scalar(select(PayrollProfile).where(PayrollProfile.employee_id == employee))
    if profile is None:
        raise NotFound.for_field("employee", f"没有职工 {employee} (no employee {employee})")
    if not profile.is_head:
        raise BusinessError.for_field("employee", "年薪制只适用于主要负责人（院长） (only the principal head has an "
                                                  "annual salary)", "not_head")
    if base <= 0 or standard <= 0:
        raise BusinessError.for_field("base" if base <= 0 else "standard", "金额应大于零 (must be positive)")
    if base > standard:
        raise BusinessError.for_field("base", "基本年薪不得高于标准年薪 (the base exceeds the standard)")
    if average_pay is not None and standard > cap_multiple * average_pay:
        raise BusinessError.for_field("standard", f"标准年薪超过本院平均工资的 {cap_multiple} 倍 "
                                                  f"(above {cap_multiple} × the average pay {average_pay})", "dean_cap")
    if session.scalar(select(DeanSalary.id).where(DeanSalary.employee_id == employee, DeanSalary.year == year)):
        raise Conflict.for_field("year", f"{year} 年的院长年薪已核定 (already approved for {year})", "duplicate")
    source = _funding_source(session, community_id, funding_source)
    salary = DeanSalary(institution_id=profile.institution_id, employee_id=employee, year=year,
                        state=DeanSalaryState.DRAFT, standard=standard, base=base, cap_multiple=cap_multiple,
                        average_pay=average_pay or Decimal(0), pass_mark=pass_mark, funding_source=source,
                        created_by_id=user.id)
    salary.advances = [DeanAdvance(institution_id=profile.institution_id, month=month, amount=amount)
                       for month, amount in enumerate(monthly_advances(base), start=1)]
    session.add(salary)
    session.flush()
    return salary


def approve_dean_salary(session: Session, salary: DeanSalary, user: User) -> DeanSalary:
    """核定: another user than who recorded it confirms the year's salary; only then are advances paid."""
    DEAN_STATES.begin(session, salary, DeanSalaryState.APPROVED)
    if user.id == salary.created_by_id:
        raise Conflict("核定人不能是录入人 (the approver must not be who recorded the salary)",
                       {"approver": ["核定人不能是录入人 (the approver must not be who recorded the salary)"]},
                       "separation_of_duties")
    salary.state, salary.approved_by_id, salary.approved_at = DeanSalaryState.APPROVED, user.id, utcnow()
    session.flush()
    return salary


def get_dean_salary(session: Session, salary_id: int, *, lock: bool = False) -> DeanSalary:
    salary = session.get(DeanSalary, salary_id, with_for_update=lock or None)
    if salary is None:
        raise NotFound.for_field("id", f"没有院长年薪记录 {salary_id} (no dean salary {salary_id})")
    return salary


def _vouchers(session: Session, salary: DeanSalary, amount: Decimal) -> tuple[list[tuple[str, list]], str]:
    """(suffix, lines) of each voucher: 计提 Dr 单位管理费用 / Cr 应付职工薪酬, then 发放 Dr 应付职工薪酬 / Cr 财政拨款收入
    (paid directly by the government: the budget lines follow by 平行记账); a negative amount (over-advanced) is
    recovered: Dr 应付职工薪酬 (the dean owes it) / Cr 单位管理费用. The lines carry the dean's funding source,
    department and employee code."""
    template = posting_template(session, salary.institution.community_id, TEMPLATE)
    profile = session.scalar(select(PayrollProfile).where(PayrollProfile.employee_id == salary.employee_id))
    source = salary.funding_source.code
    department = profile.department.code if profile and profile.department else None
    employee = salary.employee.code
    expense, payable = template.account("expense"), template.account("salaries_payable")
    if amount < 0:
        return [("", [LineInput(account=payable, debit=-amount, employee=employee, funding_source=source,
                                memo="应收回多预发的院长年薪"),
                      LineInput(account=expense, credit=-amount, department=department, funding_source=source,
                                memo="冲减院长年薪")])], template.ref
    accrual = [LineInput(account=expense, debit=amount, department=department, funding_source=source, memo="院长年薪"),
               LineInput(account=payable, credit=amount, employee=employee, funding_source=source, memo="应付院长年薪")]
    payment = [LineInput(account=payable, debit=amount, employee=employee, funding_source=source,
                         memo="财政直接支付院长年薪"),
               LineInput(account=template.account("fiscal_direct"), credit=amount, funding_source=source,
                         memo="财政直接支付")]
    return [("_accrual", accrual), ("_payment", payment)], template.ref


def _post(session: Session, salary: DeanSalary, kind: str, key: str, label: str, amount: Decimal, on: date,
          memo: str, poster: User) -> list:
    vouchers, ref = _vouchers(session, salary, amount)
    preparer = salary.created_by or poster
    posted = []
    for suffix, lines in vouchers:
        source = DocumentSource("payroll", kind + suffix, key, label, url=f"/payroll/dean-salaries/{salary.id}")
        data = VoucherInput(institution=salary.institution.code, date=on, memo=memo, lines=lines)
        posted.append(post_document(session, source, data, preparer=preparer, poster=poster, template_version=ref))
    return posted


def pay_advance(session: Session, salary: DeanSalary, month: int, user: User, on: date | None = None) -> DeanAdvance:
    """Post the month's advance (dated the month's last day unless ``on``); once per month."""
    advance = next((a for a in salary.advances if a.month == month), None)
    if advance is None:
        raise NotFound.for_field("month", f"月份应为 1–12 (month {month})")
    if advance.paid_at is not None:
        raise Conflict.for_field("month", f"{salary.year}年{month}月的预发已入账 (already paid)", "already_paid")
    if salary.state is DeanSalaryState.DRAFT:
        raise Conflict.for_field("month", "年薪尚未核定，不能预发 (not approved yet: no advances)", "invalid_transition")
    if salary.state is not DeanSalaryState.APPROVED:
        raise Conflict.for_field("month", "年薪已清算，不再预发 (settled: no more advances)", "invalid_transition")
    on = on or date(salary.year, month, calendar.monthrange(salary.year, month)[1])
    _post(session, salary, "dean_advance", f"{salary.id}-{month:02d}", f"院长年薪预发-{salary.year}-{month:02d}",
          advance.amount, on, f"{salary.employee.name} {salary.year}年{month}月基本年薪预发", user)
    advance.paid_at = utcnow()
    session.flush()
    return advance


def settle(session: Session, salary: DeanSalary, score: Decimal, user: User, on: date | None = None) -> DeanSalary:
    """Record the appraisal score, compute annual, advanced (the advances actually paid: an unpaid month is
    settled here, never advanced afterwards) and settlement, and post the settlement."""
    if not 0 <= score <= 100:
        raise BusinessError.for_field("score", "考核得分应在 0–100 之间 (score 0–100)")
    DEAN_STATES.begin(session, salary, DeanSalaryState.SETTLED)
    salary.score = score
    salary.annual = annual_salary(salary.base, salary.standard, score, salary.pass_mark)
    salary.advanced = sum((a.amount for a in salary.advances if a.paid_at is not None), Decimal(0))
    salary.settlement = salary.annual - salary.advanced
    salary.state, salary.settled_at = DeanSalaryState.SETTLED, utcnow()
    if salary.settlement:
        _post(session, salary, "dean_settlement", str(salary.id), f"院长年薪清算-{salary.year}", salary.settlement,
              on or local_today(), f"{salary.employee.name} {salary.year}年年薪清算（考核 {score} 分）", user)
    session.flush()
    return salary


def dean_salaries_query(community_id: int, year: int | None = None):
    statement = (select(DeanSalary).join(Employee, Employee.id == DeanSalary.employee_id)
                 .join(Institution, Institution.id == DeanSalary.institution_id)
                 .where(Institution.community_id == community_id).order_by(DeanSalary.year.desc(), Institution.code))
    return statement if year is None else statement.where(DeanSalary.year == year)
