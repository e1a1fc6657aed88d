"""Mid-year go-live (年中上线): each employee's opening cumulative figures for 累计预扣法 — what the tax
declarations (个人所得税扣缴申报) of the months before the system say — set through the API or imported from Excel.

The first run after ``through_month`` continues from them: n = the months counted + the months since, and the
cumulative income, deductions and tax withheld start from the opening figures (:func:`opening_state`). A month the
opening covers is not run again for that employee (``opening_covers_month``); once a month of the year has been
approved for the employee the figures are frozen (``run_approved``): a change would alter tax already withheld.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, User
from erp.payroll.models import APPROVED_STATES, PayrollOpening, PayrollProfile, PayrollRun, Payslip
from erp.payroll.services.employee_sheet import ImportFailed, RowError, parse_row, read_sheet
from erp.payroll.services.employees import employee_profile
from erp.payroll.services.tax import CumulativeState
from erp.payroll.services.years import check_year

AMOUNTS = ("income", "special_deduction", "additional_deduction", "other_deduction", "tax_withheld")
# (key, Chinese header, kind): the columns of the 扣缴申报 summary the import reads (姓名 is shown, not read)
COLUMNS = [("id_number", "身份证号", "text"), ("name", "姓名", "text"), ("through_month", "截至月份", "int"),
           ("months", "累计月数", "int"), ("income", "累计收入", "amount"),
           ("special_deduction", "累计专项扣除", "amount"), ("additional_deduction", "累计专项附加扣除", "amount"),
           ("other_deduction", "累计其他扣除", "amount"), ("tax_withheld", "累计已预扣预缴税额", "amount")]


def set_opening(session: Session, user: User, *, employee: int, year: int, through_month: int, months: int,
                income: Decimal, special_deduction: Decimal = Decimal(0), additional_deduction: Decimal = Decimal(0),
                other_deduction: Decimal = Decimal(0), tax_withheld: Decimal = Decimal(0),
                source: str = "api") -> PayrollOpening:
    """Record (or replace) the employee's opening figures for ``year``."""
    check_year(year)
    profile = employee_profile(session, employee)
    if not 1 <= through_month <= 11:
        raise BusinessError.for_field("through_month", "截至月份应为 1–11（其后的月份由本系统计算）"
                                      "(through_month 1–11: the months after are computed here)")
    joined = profile.hire_date.month if profile.hire_date.year == year else 1
    if profile.hire_date.year > year or joined > through_month:
        raise BusinessError.for_field("through_month", f"该职工 {profile.hire_date} 入职，截至月份前未在本单位任职 "
                                      f"(hired {profile.hire_date}: not employed by then)")
    if not 1 <= months <= through_month - joined + 1:
        raise BusinessError.for_field("months", f"累计月数应为 1–{through_month - joined + 1}（自入职或1月起至截至月份）"
                                      f"(months employed this year up to through_month)")
    amounts = {"income": income, "special_deduction": special_deduction, "additional_deduction": additional_deduction,
               "other_deduction": other_deduction, "tax_withheld": tax_withheld}
    for name in AMOUNTS:
        if amounts[name] < 0:
            raise BusinessError.for_field(name, "不能为负 (must not be negative)")
    _refuse_frozen(session, profile.employee_id, year)
    opening = session.scalar(select(PayrollOpening).where(PayrollOpening.employee_id == profile.employee_id,
                                                          PayrollOpening.year == year))
    if opening is None:
        opening = PayrollOpening(institution_id=profile.institution_id, employee_id=profile.employee_id, year=year)
        session.add(opening)
    for name, value in amounts.items():
        setattr(opening, name, value)
    opening.through_month, opening.months = through_month, months
    opening.source, opening.created_by_id = source, user.id
    session.flush()
    return opening


def _refuse_frozen(session: Session, employee_id: int, year: int) -> None:
    frozen = session.scalar(select(PayrollRun.number).join(Payslip, Payslip.run_id == PayrollRun.id).where(
        Payslip.employee_id == employee_id, Payslip.year == year, PayrollRun.state.in_(APPROVED_STATES)).limit(1))
    if frozen:
        raise Conflict.for_field("employee", f"该职工 {year} 年已有审批的工资（{frozen}），期初累计数不能再改 "
                                 f"(a month of {year} is approved in {frozen}: the opening figures are frozen)",
                                 "run_approved")


def openings_query(community_id: int, year: int):
    return (select(PayrollOpening).join(Institution, Institution.id == PayrollOpening.institution_id)
            .where(Institution.community_id == community_id, PayrollOpening.year == year)
            .order_by(Institution.code, PayrollOpening.employee_id))


def get_opening(session: Session, opening_id: int) -> PayrollOpening:
    found = session.get(PayrollOpening, opening_id)
    if found is None:
        raise NotFound.for_field("id", f"没有期初累计数 {opening_id} (no opening figures {opening_id})")
    return found


def openings_for(session: Session, employee_ids: list[int], year: int) -> dict[int, PayrollOpening]:
    return {o.employee_id: o for o in session.scalars(select(PayrollOpening).where(
        PayrollOpening.employee_id.in_(employee_ids or [0]), PayrollOpening.year == year))}


def opening_state(opening: PayrollOpening, month: int, slips: dict) -> CumulativeState:
    """The cumulative state before ``month``: the opening figures, the months since, and the year's approved
    slips after them (``slips``: their sums, as the run reads them)."""
    deductions = opening.special_deduction + opening.additional_deduction + opening.other_deduction
    zero = Decimal(0)
    return CumulativeState(
        opening.months + (month - 1 - opening.through_month),
        opening.income + slips.get("taxable_wages", zero),
        deductions + sum((slips.get(k, zero) for k in ("special_deduction", "additional_deduction",
                                                        "other_deduction")), start=zero),
        opening.tax_withheld + slips.get("wage_tax", zero))


def import_openings(session: Session, user: User, year: int, data: bytes) -> int:
    """Every row (by 身份证号 in the user's community) or nothing; returns the number of employees set. An ID
    number on two rows is refused (the later row would silently replace the earlier)."""
    labels = {key: label for key, label, _ in COLUMNS}
    errors, seen = [], {}
    for number, raw in read_sheet(data, COLUMNS):
        values, bad = parse_row(number, raw, COLUMNS)
        if bad:
            errors.extend(bad)
            continue
        values.pop("name", None)
        id_number = values.pop("id_number", None) or ""
        if id_number in seen:
            errors.append(RowError(number, labels["id_number"], f"与第 {seen[id_number]} 行重复 "
                                   f"(the same ID number as row {seen[id_number]})"))
            continue
        seen[id_number] = number
        try:
            with session.begin_nested():
                employee = session.scalar(select(PayrollProfile.employee_id).where(
                    PayrollProfile.community_id == user.community_id, PayrollProfile.id_number == id_number))
                if employee is None:
                    raise NotFound.for_field("id_number", "没有此身份证号的职工 (no employee with this ID number)")
                missing = [key for key in ("through_month", "months", "income") if values.get(key) is None]
                if missing:
                    raise BusinessError.for_field(missing[0], "必填 (required)")
                set_opening(session, user, employee=employee, year=year, source="excel",
                            **{k: v for k, v in values.items() if v is not None})
        except BusinessError as exc:
            field = next(iter(exc.fields), "")
            errors.append(RowError(number, labels.get(field, field or "-"), exc.message))
    if errors:
        raise ImportFailed(errors)
    return len(seen)
