"""二次分配 inside an institution (PAYROLL.md §7): the incentive amount goes to departments (by their weights, or
by their people's points × quality when no weight is given), then to people by workload points × quality score:
point value = department amount ÷ Σ points × quality. Largest remainder to the fen at both steps, so every
department and the whole sum exactly. Never by drug, consumable, examination or test revenue (no such input
exists); the dean takes no part (``dean_excluded``). The people come from an Excel sheet or JSON."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Department, Employee, Institution, User
from erp.core.services import institution_by_code
from erp.payroll.models.pooling import Distribution, DistributionDepartment, DistributionShare
from erp.core.money import largest_remainder
from erp.payroll.services.dean_exclusion import refuse_dean

ZERO = Decimal(0)
SHEET_COLUMNS = ("职工编号", "科室编码", "工作量点数", "质量得分")


def people_from_workbook(content: bytes) -> list[dict]:
    """Rows of (职工编号, 科室编码, 工作量点数, 质量得分) under a header row; errors name ``rows[n].column``."""
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).active
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise BusinessError.for_field("file", f"不是有效的 Excel 文件 (not an .xlsx workbook: {type(exc).__name__})")
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or tuple(str(c or "").strip() for c in rows[0][:4]) != SHEET_COLUMNS:
        raise BusinessError.for_field("file", f"表头应为 {'、'.join(SHEET_COLUMNS)} (header row expected)")
    people = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell not in (None, "") for cell in row[:4]):
            continue
        code, department, points, quality = (list(row[:4]) + [None] * 4)[:4]
        entry = {"employee_code": str(code or "").strip(), "department": str(department or "").strip()}
        for name, value in (("points", points), ("quality", quality)):
            try:
                entry[name] = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                raise BusinessError.for_field(f"rows[{number}].{name}", f"第 {number} 行应为数字 (a number)") from None
        people.append(entry)
    return people


def _employee(session: Session, institution: Institution, entry: dict, field: str) -> Employee:
    statement = select(Employee).where(Employee.institution_id == institution.id)
    if entry.get("employee") is not None:
        found = session.scalar(statement.where(Employee.id == entry["employee"]))
    else:
        found = session.scalar(statement.where(Employee.code == entry.get("employee_code", "")))
    if found is None:
        raise NotFound.for_field(field, f"{institution.code} 没有此职工 (unknown employee)")
    return found


def create_distribution(session: Session, community_id: int, user: User, *, institution: str, year: int,
                        label: str, amount: Decimal, people: list[dict],
                        departments: list[dict] = ()) -> Distribution:
    inst = institution_by_code(session, community_id, institution, write=True)
    if amount <= 0:
        raise BusinessError.for_field("amount", "分配金额应大于零 (the amount is positive)")
    if not people:
        raise BusinessError.for_field("people", "没有人员 (no people)")
    by_code = {d.code: d for d in session.scalars(select(Department).where(Department.institution_id == inst.id))}

    def department(code: str, field: str) -> Department:
        if code not in by_code:
            raise NotFound.for_field(field, f"{inst.code} 没有科室 {code} (no department {code!r})")
        return by_code[code]

    shares, seen = [], set()
    for index, entry in enumerate(people):
        prefix = f"people[{index}]."
        employee = _employee(session, inst, entry, f"{prefix}employee")
        refuse_dean(session, employee.id, what="科室二次分配", field=f"{prefix}employee", year=year)
        if employee.id in seen:
            raise BusinessError.for_field(f"{prefix}employee", f"{employee.code} 重复 (listed twice)")
        seen.add(employee.id)
        for name in ("points", "quality"):
            if entry[name] < 0:
                raise BusinessError.for_field(f"{prefix}{name}", "不得为负 (must not be negative)")
        shares.append(DistributionShare(institution_id=inst.id, employee=employee, points=entry["points"],
                                        quality=entry["quality"],
                                        department=department(entry["department"], f"{prefix}department")))
    scores: dict[int, Decimal] = {}
    for share in shares:
        scores[share.department.id] = scores.get(share.department.id, ZERO) + share.points * share.quality
    weights = {}
    for index, entry in enumerate(departments):
        dep = department(entry["department"], f"departments[{index}].department")
        if entry["weight"] < 0:
            raise BusinessError.for_field(f"departments[{index}].weight", "不得为负 (must not be negative)")
        weights[dep.id] = entry["weight"]
    if not weights:
        weights = dict(scores)
    for dep_id, weight in weights.items():
        if weight > 0 and not scores.get(dep_id):
            code = next(d.code for d in by_code.values() if d.id == dep_id)
            raise BusinessError.for_field("departments", f"科室 {code} 有分配额但没有工作量点数 (no points)")
    distribution = Distribution(institution_id=inst.id, year=year, label=label, amount=amount, created_by_id=user.id)
    dep_amounts = largest_remainder(amount, sorted(weights.items()))
    for dep_id, dep_amount in dep_amounts.items():
        points = scores.get(dep_id, ZERO)
        distribution.departments.append(DistributionDepartment(
            institution_id=inst.id, department_id=dep_id, weight=weights[dep_id], amount=dep_amount, points=points,
            point_value=(dep_amount / points).quantize(Decimal("0.000001")) if points else ZERO))
        members = [s for s in shares if s.department.id == dep_id]
        parts = largest_remainder(dep_amount, [(i, s.points * s.quality) for i, s in enumerate(members)]) \
            if points else {i: ZERO for i in range(len(members))}
        for i, share in enumerate(members):
            share.amount = parts[i]
    for share in shares:
        if share.amount is None:
            share.amount = ZERO
        distribution.people.append(share)
    session.add(distribution)
    session.flush()
    return distribution


def get_distribution(session: Session, distribution_id: int) -> Distribution:
    found = session.get(Distribution, distribution_id)
    if found is None:
        raise NotFound.for_field("id", f"没有分配方案 {distribution_id} (no distribution {distribution_id})")
    return found
