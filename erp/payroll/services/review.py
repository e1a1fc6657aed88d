"""The run's review (审核): each employee's pay against last month, per line and in total."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from erp.payroll.models import Payslip, PayrollRun

ZERO = Decimal(0)


@dataclass
class LineDifference:
    code: str
    name: str
    previous: Decimal
    current: Decimal

    @property
    def difference(self) -> Decimal:
        return self.current - self.previous


@dataclass
class EmployeeReview:
    employee_id: int
    code: str
    name: str
    status: str  # new | changed | unchanged | left
    previous_net: Decimal
    current_net: Decimal
    lines: list[LineDifference] = field(default_factory=list)  # only the lines that differ

    @property
    def difference(self) -> Decimal:
        return self.current_net - self.previous_net


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def _sums(slips) -> tuple[dict[int, dict[str, tuple[str, Decimal]]], dict[int, Decimal], dict[int, object]]:
    lines: dict[int, dict[str, tuple[str, Decimal]]] = defaultdict(dict)
    nets: dict[int, Decimal] = defaultdict(lambda: ZERO)
    employees = {}
    for slip in slips:
        employees[slip.employee_id] = slip.employee
        nets[slip.employee_id] += slip.net
        for line in slip.lines:
            name, amount = lines[slip.employee_id].get(line["code"], (line["name"], ZERO))
            lines[slip.employee_id][line["code"]] = (name, amount + Decimal(line["amount"]))
    return lines, nets, employees


def review_run(session: Session, run: PayrollRun) -> list[EmployeeReview]:
    """Every employee of the run (and of last month's slips in the same institutions who are not in it)."""
    current = list(session.scalars(select(Payslip).where(Payslip.run_id == run.id)
                                   .options(joinedload(Payslip.employee))))
    institutions = {slip.institution_id for slip in current} or {run.institution_id}
    year, month = _month_before(run.year, run.month)
    previous = list(session.scalars(select(Payslip).where(
        Payslip.year == year, Payslip.month == month, Payslip.institution_id.in_(institutions))
        .options(joinedload(Payslip.employee))))
    now_lines, now_nets, now_people = _sums(current)
    then_lines, then_nets, then_people = _sums(previous)
    if run.employee_ids:  # an adjustment run reviews its own employees only
        then_people = {k: v for k, v in then_people.items() if k in now_people}
    reviews = []
    for employee_id, employee in {**then_people, **now_people}.items():
        here, there = now_lines.get(employee_id, {}), then_lines.get(employee_id, {})
        differences = [LineDifference(code, (here.get(code) or there.get(code))[0],
                                      there.get(code, ("", ZERO))[1], here.get(code, ("", ZERO))[1])
                       for code in list(here) + [c for c in there if c not in here]]
        differences = [d for d in differences if d.difference]
        if employee_id not in now_people:
            status = "left"
        elif employee_id not in then_people:
            status = "new"
        else:
            status = "changed" if differences else "unchanged"
        reviews.append(EmployeeReview(employee_id, employee.code, employee.name, status, then_nets.get(employee_id, ZERO),
                                      now_nets.get(employee_id, ZERO), differences))
    order = {"left": 0, "new": 1, "changed": 2, "unchanged": 3}
    return sorted(reviews, key=lambda r: (order[r.status], r.code))
