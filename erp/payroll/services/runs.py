"""Monthly runs: create → compute (recompute while unapproved) → approve (another user) → post → pay.

A regular run covers every employee of its institution (of the whole community when ``community_wide``) who
is employed in the month and not the dean (:func:`.dean_exclusion.dean_ids`: outside rule-based pay). An
adjustment run covers the employees named when it is created and pays the difference between the month
recomputed now and what the month's earlier slips paid (line by line, IIT included).
"""
from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Callable

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from erp.core import audit, sequences
from erp.core.errors import BusinessError, Conflict, Forbidden, NotFound
from erp.core.models import Department, Employee, Institution, InstitutionKind, User
from erp.core.scoping import OutOfScope, current_scope
from erp.core.services import institution_by_code
from erp.core.timeutil import utcnow
from erp.payroll.models import (APPROVED_STATES, RUN_STATES, PayrollInput, PayrollProfile, PayrollRun, Payslip,
                                RunKind, RunState)
from erp.payroll.services.budget_control import reserve_run
from erp.payroll.services.calculation import CompiledRule, EmployeeFacts, SlipResult, compute_slip
from erp.payroll.services.dean_exclusion import dean_ids, refuse_dean
from erp.payroll.services.opening import opening_state, openings_for
from erp.payroll.services.parameters import parameters_in_force
from erp.payroll.services.rules import rules_in_force
from erp.payroll.services.tax import CumulativeState
from erp.payroll.services.years import check_year

ZERO = Decimal(0)
SLIP_AMOUNTS = ("gross", "personal_deductions", "income_tax", "employer_contributions", "taxable_wages",
                "special_deduction", "additional_deduction", "other_deduction", "wage_tax", "annual_bonus",
                "bonus_tax_separate", "bonus_tax_merged")


def run_by_id(session: Session, run_id: int) -> PayrollRun:
    run = session.get(PayrollRun, run_id)
    if run is None:
        raise NotFound.for_field("run", f"没有工资发放批次 {run_id} (no payroll run {run_id})")
    return run


def create_run(session: Session, user: User, *, institution: str, year: int, month: int, kind: str = "regular",
               community_wide: bool = False, employees: list[int] = (), note: str = "") -> PayrollRun:
    if not 1 <= month <= 12:
        raise BusinessError.for_field("month", "月份应为 1–12 (month must be 1–12)")
    check_year(year)
    inst = institution_by_code(session, user.community_id, institution, write=True)
    kind = RunKind(kind)
    if community_wide:
        if not user.whole_community:
            raise BusinessError.for_field("community_wide", "全医共体发放须由全医共体用户发起 "
                                          "(a community-wide run needs a whole-community user)", "community_wide_setting")
        if inst.kind is not InstitutionKind.LEAD_HOSPITAL:
            raise BusinessError.for_field("institution", "全医共体发放由牵头医院发起 "
                                          "(a community-wide run belongs to the lead hospital)")
    if kind is RunKind.ADJUSTMENT and not employees:
        raise BusinessError.for_field("employees", "补发更正批次须指定职工 (an adjustment run names its employees)")
    if kind is RunKind.REGULAR:
        _refuse_second_regular_run(session, inst, year, month, community_wide)
    run = PayrollRun(institution_id=inst.id, year=year, month=month, kind=kind, community_wide=community_wide,
                     state=RunState.DRAFT, note=note, created_by_id=user.id, versions={},
                     employee_ids=sorted(set(employees)),
                     number=sequences.next_number(session, inst.id, "payroll.run", "工资", year, month))
    session.add(run)
    session.flush()
    return run


def _refuse_second_regular_run(session: Session, inst: Institution, year: int, month: int, wide: bool) -> None:
    statement = select(PayrollRun).where(PayrollRun.year == year, PayrollRun.month == month,
                                         PayrollRun.kind == RunKind.REGULAR)
    if not wide:
        statement = statement.where((PayrollRun.institution_id == inst.id) | PayrollRun.community_wide.is_(True))
    other = session.scalars(statement.execution_options(skip_scope=True)).first()
    if other is not None:
        raise Conflict.for_field("month", f"{year}-{month:02d} 已有正常发放批次 {other.number}，更正请用补发更正批次 "
                                 f"(month already has the regular run {other.number}; use an adjustment run)",
                                 "month_already_run")


def require_whole_run(run: PayrollRun, user: User) -> None:
    """A community-wide run is computed, approved, posted and paid only by a whole-community user: a scoped
    user would see (and act on) only their own institutions' part of it."""
    if run.community_wide and not user.whole_community:
        raise Forbidden.for_field("run", "全医共体发放批次须由全医共体用户处理 (a community-wide run needs a "
                                  "whole-community user)", "community_wide_setting")


def covered_institutions(session: Session, run: PayrollRun) -> list[int]:
    if not run.community_wide:
        return [run.institution_id]
    return list(session.scalars(select(Institution.id).where(Institution.community_id == run.institution.community_id)
                                .execution_options(skip_scope=True)))


def _profiles(session: Session, run: PayrollRun) -> list[PayrollProfile]:
    first = date(run.year, run.month, 1)
    statement = (select(PayrollProfile).where(PayrollProfile.institution_id.in_(covered_institutions(session, run)),
                                              PayrollProfile.hire_date < _next_month(first),
                                              (PayrollProfile.leave_date.is_(None)) | (PayrollProfile.leave_date >= first))
                 .options(joinedload(PayrollProfile.employee), joinedload(PayrollProfile.department),
                          selectinload(PayrollProfile.deductions)).order_by(PayrollProfile.id))
    if run.kind is RunKind.ADJUSTMENT:
        statement = statement.where(PayrollProfile.employee_id.in_(run.employee_ids))
    profiles = list(session.scalars(statement).unique())
    deans = dean_ids(session, [p.employee_id for p in profiles], run.year)  # the dean has no rule-based pay
    return [p for p in profiles if p.employee_id not in deans]


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def months_employed(profile: PayrollProfile, year: int, month: int) -> int:
    """n of 累计预扣法: months at this employer in the tax year up to ``month`` (from joining)."""
    start = profile.hire_date.month if profile.hire_date.year == year else 1
    return month - start + 1


def facts_of(profile: PayrollProfile, institutions: dict[int, Institution], year: int, month: int) -> EmployeeFacts:
    inst = institutions[profile.institution_id]
    department = profile.department
    attributes = {
        "employee.grade": Decimal(profile.grade), "employee.post": profile.post,
        "employee.staff_category": profile.staff_category.value,
        "employee.general_practitioner": profile.general_practitioner, "employee.public_health": profile.public_health,
        "employee.years_of_service": Decimal(max(year - profile.hire_date.year, 0)),
        "employee.months_employed": Decimal(months_employed(profile, year, month)),
        "employee.department_class": department.cost_class.value if department else "",
        "employee.institution_kind": inst.kind.value, "employee.institution_level": inst.level.value,
    }
    additional = sum((d.amount for d in profile.deductions if d.applies_in(year, month)), start=ZERO)
    return EmployeeFacts(profile.employee_id, profile.department_id, attributes, profile.insurance_base,
                         profile.housing_fund_base, additional)


def _inputs(session: Session, run: PayrollRun, employee_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for employee_id, code, value in session.execute(select(PayrollInput.employee_id, PayrollInput.code,
                                                           PayrollInput.value).where(
            PayrollInput.year == run.year, PayrollInput.month == run.month,
            PayrollInput.employee_id.in_(employee_ids))):
        found[employee_id][code] = value
    return found


def _approved_slip():
    """A slip of an approved run (approved, posted or paid): only those count as paid before; a computed run that
    was never approved feeds neither the year's cumulative tax nor an adjustment's "already paid"."""
    return Payslip.run_id.in_(select(PayrollRun.id).where(PayrollRun.state.in_(APPROVED_STATES)))


def _year_to_date(session: Session, run: PayrollRun, employee_ids: list[int], *, this_month: bool):
    """Per employee, the sums of the year's slips before the run's month (``this_month``: of the month itself,
    outside this run)."""
    month_filter = (Payslip.month == run.month) if this_month else (Payslip.month < run.month)
    statement = (select(Payslip.employee_id, *(func.sum(getattr(Payslip, name)) for name in SLIP_AMOUNTS))
                 .where(Payslip.year == run.year, month_filter, Payslip.run_id != run.id, _approved_slip(),
                        Payslip.employee_id.in_(employee_ids)).group_by(Payslip.employee_id))
    return {row[0]: dict(zip(SLIP_AMOUNTS, (value or ZERO for value in row[1:]))) for row in session.execute(statement)}


def compute_run(session: Session, run: PayrollRun, user: User,
                progress: Callable[[int, int], None] | None = None) -> PayrollRun:
    """(Re)compute every slip of the run with the rules and parameters in force in its month; ``progress(done,
    total)`` hears of each employee (the background job's progress bar)."""
    require_whole_run(run, user)
    RUN_STATES.begin(session, run, RunState.COMPUTED)
    first = date(run.year, run.month, 1)
    community_id = user.community_id
    parameters = parameters_in_force(session, community_id, first)
    rules = rules_in_force(session, community_id, first)
    compiled = [CompiledRule.of(rule) for rule in rules]
    profiles = _profiles(session, run)
    ids = [p.employee_id for p in profiles]
    institutions = {i.id: i for i in session.scalars(select(Institution).where(
        Institution.id.in_({p.institution_id for p in profiles} or {0})))}
    inputs = _inputs(session, run, ids)
    before_month = _year_to_date(session, run, ids, this_month=False)
    openings = openings_for(session, ids, run.year)  # 年中上线: the months before the system
    adjusting = run.kind is RunKind.ADJUSTMENT
    paid_this_month = _year_to_date(session, run, ids, this_month=True) if adjusting else {}
    earlier_lines = _earlier_lines(session, run, ids) if adjusting else {}
    session.execute(delete(Payslip).where(Payslip.run_id == run.id))
    slips, totals = [], defaultdict(lambda: ZERO)
    report = progress or (lambda done, total: None)
    report(0, len(profiles))
    with _gc_paused():  # thousands of small objects that live until the insert: no collection in between
        for done, profile in enumerate(profiles, start=1):
            earlier = before_month.get(profile.employee_id, {})
            if (opening := openings.get(profile.employee_id)) is not None:
                state = _after_opening(opening, profile, run.month, earlier)
            else:
                state = CumulativeState(
                    months_employed(profile, run.year, run.month) - 1, earlier.get("taxable_wages", ZERO),
                    sum((earlier.get(k, ZERO) for k in ("special_deduction", "additional_deduction",
                                                        "other_deduction")), start=ZERO), earlier.get("wage_tax", ZERO))
            facts = facts_of(profile, institutions, run.year, run.month)
            try:
                result = compute_slip(facts, inputs.get(profile.employee_id, {}), compiled, parameters, state,
                                      run.year, run.month)
            except BusinessError as exc:
                raise exc.within(f"employees.{profile.employee.code}")
            slip = _slip(run, profile, result, paid_this_month.get(profile.employee_id),
                         earlier_lines.get(profile.employee_id, {}))
            slips.append(slip)
            for name in ("gross", "personal_deductions", "income_tax", "net", "employer_contributions"):
                totals[name] += slip[name]
            report(done, len(profiles))
    period = run.period  # read before the insert: a refused statement expires the run
    try:
        _insert_slips(session, slips)
    except IntegrityError as exc:
        raise Conflict.for_field("month", f"{period} 已有职工的正常发放工资条，不能重复发放 "
                                 f"(an employee already has a regular slip for {period})",
                                 "month_already_run") from exc
    run.versions = {"rules": [rule.ref for rule in rules], "parameters": parameters.refs}
    run.slip_count = len(slips)
    run.gross_total, run.deduction_total = totals["gross"], totals["personal_deductions"]
    run.tax_total, run.net_total, run.employer_total = totals["income_tax"], totals["net"], totals["employer_contributions"]
    run.state, run.computed_at, run.computed_by_id = RunState.COMPUTED, utcnow(), user.id
    audit.log_event(session, "payroll.compute", "payroll_run", str(run.id), run.institution_id,
                    {"slips": len(slips), "versions": run.versions, "net_total": str(run.net_total)})
    session.flush()
    return run


def _after_opening(opening, profile: PayrollProfile, month: int, earlier: dict) -> CumulativeState:
    if month <= opening.through_month:
        raise Conflict.for_field(f"employees.{profile.employee.code}", f"{profile.employee.name} 的 {opening.year} 年"
                                 f"1–{opening.through_month} 月已按期初累计数计入，不再计算 (the opening figures cover "
                                 f"this month)", "opening_covers_month")
    return opening_state(opening, month, earlier)


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _insert_slips(session: Session, slips: list[dict]) -> None:
    """One executemany INSERT for the run's slips, each with its audit entry (the ORM's per-object flush costs
    more than the computation): ids are taken from the table's sequence first, so every entry names its row."""
    if not slips:
        return
    scope = current_scope(session)  # the bulk insert bypasses the ORM's flush: the scope rule is applied here
    if scope is not None:
        if scope.read_only:
            raise OutOfScope("your role is read-only")
        for institution_id in {slip["institution_id"] for slip in slips}:
            scope.require(institution_id)
    for slip, slip_id in zip(slips, _allocate_ids(session, len(slips))):
        slip["id"] = slip_id
    session.execute(insert(Payslip.__table__), slips)
    audit.defer(session, [{"action": "create", "model": "Payslip", "record_id": str(slip["id"]),
                           "institution_id": slip["institution_id"], "before": None,
                           "after": {key: audit.jsonable(value) for key, value in slip.items()}} for slip in slips])


def _allocate_ids(session: Session, count: int) -> list[int]:
    """``count`` new ids of payroll_payslip: from its sequence on PostgreSQL; on SQLite (one writer, and this
    transaction already writes) after the largest id."""
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text("SELECT nextval(pg_get_serial_sequence('payroll_payslip', 'id')) "
                                         "FROM generate_series(1, :n)"), {"n": count}))
    last = session.scalar(select(func.coalesce(func.max(Payslip.id), 0)).execution_options(skip_scope=True))
    return list(range(last + 1, last + 1 + count))


def _earlier_lines(session: Session, run: PayrollRun, employee_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Per employee and line code, what the month's earlier slips paid (an adjustment pays the difference)."""
    found: dict[int, dict[str, dict]] = defaultdict(dict)
    for employee_id, lines in session.execute(select(Payslip.employee_id, Payslip.lines).where(
            Payslip.year == run.year, Payslip.month == run.month, Payslip.run_id != run.id, _approved_slip(),
            Payslip.employee_id.in_(employee_ids))):
        for line in lines:
            seen = found[employee_id].setdefault(line["code"], dict(line, amount="0"))
            seen["amount"] = str(Decimal(seen["amount"]) + Decimal(line["amount"]))
    return found


def _slip(run: PayrollRun, profile: PayrollProfile, result: SlipResult, paid: dict | None,
          earlier: dict[str, dict]) -> dict:
    """The slip's row (inserted in bulk with the run's other slips)."""
    values = {name: getattr(result, name) for name in SLIP_AMOUNTS}
    lines = result.lines
    if run.kind is RunKind.ADJUSTMENT:  # pays the difference from what the month's earlier slips paid
        values = {name: values[name] - (paid or {}).get(name, ZERO) for name in SLIP_AMOUNTS}
        codes = {line["code"] for line in lines}
        lines = [dict(line, recomputed=line["amount"], amount=str(
            Decimal(line["amount"]) - Decimal(earlier.get(line["code"], {}).get("amount", "0")))) for line in lines]
        lines += [dict(line, recomputed="0.00", amount=str(-Decimal(line["amount"])))
                  for code, line in earlier.items() if code not in codes]
    net = values["gross"] - values["personal_deductions"] - values["income_tax"]
    return dict(run_id=run.id, institution_id=profile.institution_id, employee_id=profile.employee_id,
                department_id=profile.department_id, year=run.year, month=run.month,
                regular_period=run.year * 100 + run.month if run.kind is RunKind.REGULAR else None,
                net=net, tax_months=result.tax_months, bonus_separate=result.bonus_separate, lines=lines, **values)


def approve_run(session: Session, run: PayrollRun, user: User) -> PayrollRun:
    """审批: by someone other than who created or computed the run; the budget check runs here."""
    require_whole_run(run, user)
    RUN_STATES.begin(session, run, RunState.APPROVED)
    if user.id in (run.computed_by_id, run.created_by_id):
        raise Conflict("审批人不能是制表人 (the approver must not be who prepared the run)",
                       {"approver": ["审批人不能是制表人 (the approver must not be who prepared the run)"]},
                       "separation_of_duties")
    reserve_run(session, run, user)  # 预算控制: a Stop line refuses (409 budget_exceeded), the run stays computed
    run.state, run.approved_by_id, run.approved_at = RunState.APPROVED, user.id, utcnow()
    session.flush()
    return run


def slips_of(session: Session, run: PayrollRun):
    return (select(Payslip).join(Employee, Employee.id == Payslip.employee_id)
            .outerjoin(Department, Department.id == Payslip.department_id)
            .where(Payslip.run_id == run.id).options(joinedload(Payslip.employee))
            .order_by(Payslip.institution_id, Employee.code))


def set_inputs(session: Session, community_id: int, year: int, month: int, values: list[dict],
               source: str = "hr") -> int:
    """Upsert monthly inputs ``[{employee, code, value}]`` (a null value removes one); refused once the
    employee's month is in an approved run."""
    from erp.payroll.services.employees import employee_profile

    changed = 0
    for index, item in enumerate(values):
        try:
            profile = employee_profile(session, item["employee"])
            refuse_dean(session, profile.employee_id, what="按规则计发的薪酬", year=year)
            _refuse_frozen_month(session, profile.employee_id, year, month)
        except BusinessError as exc:
            raise exc.within(f"values[{index}]")
        row = session.scalar(select(PayrollInput).where(
            PayrollInput.employee_id == profile.employee_id, PayrollInput.year == year,
            PayrollInput.month == month, PayrollInput.code == item["code"]))
        if item.get("value") is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(PayrollInput(institution_id=profile.institution_id, employee_id=profile.employee_id,
                                     year=year, month=month, code=item["code"], value=item["value"], source=source))
        else:
            row.value, row.source = item["value"], source
        changed += 1
    session.flush()
    return changed


def _refuse_frozen_month(session: Session, employee_id: int, year: int, month: int) -> None:
    frozen = session.scalar(select(PayrollRun.number).join(Payslip, Payslip.run_id == PayrollRun.id).where(
        Payslip.employee_id == employee_id, Payslip.year == year, Payslip.month == month,
        PayrollRun.state.in_(APPROVED_STATES)).limit(1))
    if frozen:
        raise Conflict.for_field("employee", f"该职工 {year}-{month:02d} 的工资已审批（{frozen}），请用补发更正批次 "
                                 f"(the month is approved in {frozen}: use an adjustment run)", "run_approved")
