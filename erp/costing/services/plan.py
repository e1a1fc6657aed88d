"""分摊方案: which base each class of departments (or one department) is allocated or split by.

Without a stored rule a class takes its default of ``DEFAULT_BASES``; a department override
(:class:`~erp.costing.models.CostAllocationRule` with a department) replaces its class rule for that department.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import COST_CLASS_TITLES, CostClass, Department, Institution
from erp.costing.models import CostAllocationRule
from erp.costing.services.allocation import STEP_CLASSES
from erp.costing.services.common import department_by_code, flush_or_conflict
from erp.costing.services.drivers import ALLOCATION_BASES, SPLIT_BASES, base_title

DEFAULT_BASES: dict[CostClass, str] = {
    CostClass.ADMIN: "staff",  # 行政后勤类: 人员数
    CostClass.MEDICAL_SUPPORT: "workload",  # 医疗辅助类: 工作量 (or 面积)
    CostClass.MEDICAL_TECH: "revenue",  # 医疗技术类: 收入 (or 工作量)
    CostClass.CLINICAL: "outpatient_share",  # 临床服务类: 门诊/住院拆分
}
PLAN_CLASSES = (*STEP_CLASSES, CostClass.CLINICAL)


@dataclass(frozen=True)
class PlanEntry:
    from_class: CostClass
    department: Department | None
    base_kind: str
    default: bool

    @property
    def title(self) -> str:
        return base_title(self.from_class, self.base_kind)


def _check_base(from_class: CostClass, base_kind: str, field_name: str) -> None:
    allowed = tuple(SPLIT_BASES) if from_class is CostClass.CLINICAL else ALLOCATION_BASES
    if base_kind not in allowed:
        raise BusinessError.for_field(field_name, f"{COST_CLASS_TITLES[from_class]}的分摊/拆分依据只能是 "
                                                  f"{', '.join(allowed)} (got {base_kind!r})")


def allocation_plan(session: Session, institution: Institution) -> list[PlanEntry]:
    """The class rules (stored or default), then the department overrides, in step order."""
    rows = session.scalars(select(CostAllocationRule).where(CostAllocationRule.institution_id == institution.id))
    by_class: dict[CostClass, str] = {}
    overrides: list[CostAllocationRule] = []
    for row in rows:
        if row.department_id is None:
            by_class[row.from_class] = row.base_kind
        else:
            overrides.append(row)
    plan = [PlanEntry(c, None, by_class.get(c, DEFAULT_BASES[c]), c not in by_class) for c in PLAN_CLASSES]
    order = {c: i for i, c in enumerate(PLAN_CLASSES)}
    plan += [PlanEntry(r.from_class, r.department, r.base_kind, False)
             for r in sorted(overrides, key=lambda r: (order[r.from_class], r.department.code))]
    return plan


def set_rules(session: Session, institution: Institution, entries: Iterable[Mapping]) -> list[PlanEntry]:
    """Upsert plan rules ``{"from_class": ..., "department": code | None, "base_kind": kind | None}``;
    ``base_kind`` None removes the rule (back to the default, or to the class rule for a department)."""
    planned: dict[tuple[CostClass, int | None], str | None] = {}
    for index, entry in enumerate(entries):
        where = f"rules[{index}]"
        try:
            from_class = CostClass(entry.get("from_class"))
        except ValueError:
            raise BusinessError.for_field(f"{where}.from_class", f"未知的科室类别 {entry.get('from_class')!r}；可选："
                                                                 f"{', '.join(c.value for c in CostClass)}") from None
        department_id = None
        if entry.get("department"):
            department = department_by_code(session, institution, entry["department"], f"{where}.department")
            if department.cost_class is not from_class:
                raise BusinessError.for_field(f"{where}.department", f"科室 {department.code} {department.name} 属于"
                                                                     f"{COST_CLASS_TITLES[department.cost_class]}，"
                                                                     f"不是{COST_CLASS_TITLES[from_class]} "
                                                                     f"(the department is of another class)")
            department_id = department.id
        base_kind = entry.get("base_kind")
        if base_kind:
            _check_base(from_class, base_kind, f"{where}.base_kind")
        planned[(from_class, department_id)] = base_kind or None
    existing = {(r.from_class, r.department_id): r for r in session.scalars(
        select(CostAllocationRule).where(CostAllocationRule.institution_id == institution.id))}
    for (from_class, department_id), base_kind in planned.items():
        row = existing.get((from_class, department_id))
        if base_kind is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(CostAllocationRule(institution_id=institution.id, from_class=from_class,
                                           department_id=department_id, base_kind=base_kind))
        elif row.base_kind != base_kind:
            row.base_kind = base_kind
    flush_or_conflict(session)
    return allocation_plan(session, institution)
