"""科室成本报表: collection, the plan, step-down, outpatient / inpatient split and unit costs, reconciled.

The report carries the ledger total of 5001 + 5101 for the period and the difference to the departments'
total, which is zero whenever every expense line has a department.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.core.models import CostClass, Department, Institution
from erp.costing.services.allocation import CostCentre, Split, Step, split_outpatient, step_down, unit_cost
from erp.costing.services.collection import EXPENSE_PREFIXES, collect_costs
from erp.costing.services.common import ZERO, departments_of, period_label
from erp.costing.services.drivers import base_title, driver_figures
from erp.costing.services.plan import PlanEntry, allocation_plan
from erp.ledger.services import Account, PeriodRange

# Rows in the order of the report: clinical first, administration last.
CLASS_ORDER = (CostClass.CLINICAL, CostClass.MEDICAL_TECH, CostClass.MEDICAL_SUPPORT, CostClass.ADMIN)


@dataclass
class DepartmentCost:
    department: Department
    direct: Decimal
    elements: list[tuple[Account, Decimal]]
    from_admin: Decimal
    from_support: Decimal
    from_tech: Decimal
    allocated_out: Decimal  # ≤ 0 for a giver: what it passed on
    full_cost: Decimal
    split: Split | None = None
    visits: Decimal | None = None
    bed_days: Decimal | None = None

    @property
    def outpatient(self) -> Decimal | None:
        return self.split.outpatient if self.split else None

    @property
    def inpatient(self) -> Decimal | None:
        return self.split.inpatient if self.split else None

    @property
    def cost_per_visit(self) -> Decimal | None:
        return unit_cost(self.outpatient, self.visits)

    @property
    def cost_per_bed_day(self) -> Decimal | None:
        return unit_cost(self.inpatient, self.bed_days)


@dataclass
class DepartmentCostReport:
    institution: Institution
    period: PeriodRange
    rows: list[DepartmentCost]
    steps: list[Step]
    departments: dict[int, Department]
    plan: list[PlanEntry]
    ledger_total: Decimal
    ledger_by_prefix: dict[str, Decimal]
    unassigned: Decimal
    warnings: list[str] = field(default_factory=list)

    @property
    def total_direct(self) -> Decimal:
        return sum((r.direct for r in self.rows), ZERO)

    @property
    def report_total(self) -> Decimal:
        return sum((r.full_cost for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.ledger_total - self.report_total

    def total(self, attribute: str) -> Decimal:
        return sum((getattr(r, attribute) for r in self.rows), ZERO)

    def split_totals(self) -> dict[str, Decimal | None]:
        """Outpatient / inpatient totals and institution-level 诊次成本 / 床日成本 over the departments that
        have both the split and the activity figure."""
        split_rows = [r for r in self.rows if r.split is not None]
        outpatient = sum((r.outpatient for r in split_rows), ZERO)
        inpatient = sum((r.inpatient for r in split_rows), ZERO)
        visit_rows = [r for r in split_rows if r.visits]
        bed_rows = [r for r in split_rows if r.bed_days]
        visits = sum((r.visits for r in visit_rows), Decimal(0))
        bed_days = sum((r.bed_days for r in bed_rows), Decimal(0))
        return {
            "outpatient": outpatient if split_rows else None,
            "inpatient": inpatient if split_rows else None,
            "visits": visits if visit_rows else None,
            "bed_days": bed_days if bed_rows else None,
            "cost_per_visit": unit_cost(sum((r.outpatient for r in visit_rows), ZERO), visits),
            "cost_per_bed_day": unit_cost(sum((r.inpatient for r in bed_rows), ZERO), bed_days),
        }


def department_cost_report(session: Session, institution: Institution, period: PeriodRange) -> DepartmentCostReport:
    departments = departments_of(session, institution)
    by_id = {d.id: d for d in departments}
    collected = collect_costs(session, institution, period)
    direct: dict[int, Decimal] = defaultdict(lambda: ZERO)
    elements: dict[int, list[tuple[Account, Decimal]]] = defaultdict(list)
    for (department_id, account_id), amount in sorted(
            collected.amounts.items(), key=lambda item: (item[0][0], collected.accounts[item[0][1]].code)):
        if department_id in by_id:
            direct[department_id] += amount
            elements[department_id].append((collected.accounts[account_id], amount))
    figures = driver_figures(session, institution, period)
    plan = allocation_plan(session, institution)
    class_base = {p.from_class: p.base_kind for p in plan if p.department is None}
    department_base = {p.department.id: p.base_kind for p in plan if p.department is not None}

    centres = [CostCentre(d.id, d.code, d.name, d.cost_class) for d in departments]
    result = step_down(centres, direct,
                       base_kind_of=lambda c: department_base.get(c.id, class_base[c.cost_class]),
                       base_value=lambda department_id, kind: figures.get(department_id, {}).get(kind, Decimal(0)),
                       period_label=period_label(period))

    warnings: list[str] = []
    rows: list[DepartmentCost] = []
    for department in sorted(departments, key=lambda d: (CLASS_ORDER.index(d.cost_class), d.code)):
        own = figures.get(department.id, {})
        row = DepartmentCost(
            department=department, direct=direct.get(department.id, ZERO), elements=elements.get(department.id, []),
            from_admin=result.received_from(department.id, CostClass.ADMIN),
            from_support=result.received_from(department.id, CostClass.MEDICAL_SUPPORT),
            from_tech=result.received_from(department.id, CostClass.MEDICAL_TECH),
            allocated_out=-result.allocated_out.get(department.id, ZERO),
            full_cost=result.full_cost(department.id))
        if department.cost_class is CostClass.CLINICAL:
            basis = department_base.get(department.id, class_base[CostClass.CLINICAL])
            row.split = split_outpatient(row.full_cost, basis, own)
            row.visits, row.bed_days = own.get("visits"), own.get("bed_days")
            if row.split is None and row.full_cost:
                warnings.append(f"临床科室 {department.code} {department.name} 未录入门诊/住院拆分参数"
                                f"「{base_title(CostClass.CLINICAL, basis)}」，未计算诊次成本和床日成本 "
                                f"(no outpatient/inpatient split figures)")
        if not department.active and not any((row.direct, row.full_cost, row.allocated_out, row.from_admin,
                                              row.from_support, row.from_tech)):
            continue
        rows.append(row)

    by_prefix = {p: ZERO for p in EXPENSE_PREFIXES}
    for (_, account_id), amount in collected.amounts.items():
        code = collected.accounts[account_id].code
        by_prefix[next(p for p in EXPENSE_PREFIXES if code.startswith(p))] += amount
    unassigned = collected.unassigned()
    if unassigned:
        warnings.append(f"有 {unassigned} 元费用未记到科室（无科室辅助核算），未纳入科室成本 "
                        f"(expense lines without a department)")
    report = DepartmentCostReport(institution=institution, period=period, rows=rows, steps=result.steps,
                                  departments=by_id, plan=plan, ledger_total=collected.ledger_total(),
                                  ledger_by_prefix=by_prefix, unassigned=unassigned, warnings=warnings)
    assert report.total_direct + unassigned == report.ledger_total
    assert report.report_total == report.total_direct, "the step-down must conserve the cost"
    return report


def element_summary(report: DepartmentCostReport) -> list[tuple[Account, Decimal]]:
    """Direct cost by cost element (expense account) over all departments."""
    totals: dict[int, list] = {}
    for row in report.rows:
        for account, amount in row.elements:
            totals.setdefault(account.id, [account, ZERO])[1] += amount
    return sorted(((a, v) for a, v in totals.values()), key=lambda item: item[0].code)
