"""分摊参数: the driver kinds, the bases each class may use, and a department's figures per month.

Over a range of months, flow figures (workload, revenue, visits …) are summed; stock figures (staff, floor
area, outpatient share) take the department's latest value in the range.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import CostClass, Department, Institution
from erp.costing.models import DRIVER_SCALE, CostDriver
from erp.costing.services.common import department_by_code, flush_or_conflict
from erp.ledger.services import PeriodRange


@dataclass(frozen=True)
class DriverKind:
    key: str
    title: str
    aggregate: str  # "sum" (a flow over the months) or "last" (a stock: the latest value in the range)
    maximum: Decimal | None = None


DRIVER_KINDS: dict[str, DriverKind] = {k.key: k for k in (
    DriverKind("staff", "人员数", "last"),
    DriverKind("floor_area", "面积(㎡)", "last"),
    DriverKind("workload", "工作量", "sum"),
    DriverKind("revenue", "收入", "sum"),
    DriverKind("outpatient_share", "门诊成本占比(%)", "last", Decimal(100)),
    DriverKind("outpatient_hours", "门诊工时", "sum"),
    DriverKind("inpatient_hours", "住院工时", "sum"),
    DriverKind("outpatient_workload", "门诊工作量", "sum"),
    DriverKind("inpatient_workload", "住院工作量", "sum"),
    DriverKind("outpatient_revenue", "门诊收入", "sum"),
    DriverKind("inpatient_revenue", "住院收入", "sum"),
    DriverKind("visits", "门急诊人次", "sum"),
    DriverKind("bed_days", "实际占用床日数", "sum"),
)}
# Bases a non-clinical class (or one of its departments) may be allocated by.
ALLOCATION_BASES = ("staff", "floor_area", "workload", "revenue")
# How a clinical department's cost splits: a percent, or a pair of outpatient / inpatient figures.
SPLIT_BASES: dict[str, tuple[str, str] | None] = {
    "outpatient_share": None,
    "hours": ("outpatient_hours", "inpatient_hours"),
    "workload": ("outpatient_workload", "inpatient_workload"),
    "revenue": ("outpatient_revenue", "inpatient_revenue"),
}
SPLIT_TITLES = {"outpatient_share": "门诊成本占比", "hours": "门诊/住院工时", "workload": "门诊/住院工作量",
                "revenue": "门诊/住院收入"}


def base_title(cost_class: CostClass, kind: str) -> str:
    if cost_class is CostClass.CLINICAL:
        return SPLIT_TITLES.get(kind, kind)
    return DRIVER_KINDS[kind].title if kind in DRIVER_KINDS else kind


def parse_driver_value(value, kind: str, field_name: str) -> Decimal:
    """A driver figure: a decimal string or int, ≥ 0, at most 4 places (never a float)."""
    if isinstance(value, float) or isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise BusinessError.for_field(field_name, f"分摊参数应为十进制字符串，如 \"12.5\" (a decimal string, not "
                                                  f"{type(value).__name__})")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BusinessError.for_field(field_name, f"分摊参数格式不正确：{value!r} (not a number)") from None
    if not number.is_finite():
        raise BusinessError.for_field(field_name, f"分摊参数格式不正确：{value!r} (not a number)")
    if abs(number) >= Decimal(10) ** 14:
        raise BusinessError.for_field(field_name, "分摊参数过大 (too large)")
    if number != number.quantize(Decimal(1).scaleb(-DRIVER_SCALE), rounding=ROUND_HALF_UP):
        raise BusinessError.for_field(field_name, f"分摊参数最多 {DRIVER_SCALE} 位小数 (at most {DRIVER_SCALE} "
                                                  f"decimal places)")
    if number < 0:
        raise BusinessError.for_field(field_name, "分摊参数不能为负数 (must not be negative)")
    limit = DRIVER_KINDS[kind].maximum
    if limit is not None and number > limit:
        raise BusinessError.for_field(field_name, f"{DRIVER_KINDS[kind].title} 不能大于 {limit} (at most {limit})")
    return number.quantize(Decimal(1).scaleb(-DRIVER_SCALE))


def set_drivers(session: Session, institution: Institution, year: int, month: int,
                entries: Iterable[Mapping]) -> dict:
    """Upsert a month's driver figures: ``{"department": code, "kind": kind, "value": "12.5" | None}``;
    ``None`` (or "") removes the figure. Every entry is checked before anything is written."""
    existing = {(d.department_id, d.kind): d for d in session.scalars(select(CostDriver).where(
        CostDriver.institution_id == institution.id, CostDriver.year == year, CostDriver.month == month))}
    departments: dict[str, Department] = {}
    planned: dict[tuple[int, str], Decimal | None] = {}
    for index, entry in enumerate(entries):
        where = f"values[{index}]"
        kind = entry.get("kind")
        if kind not in DRIVER_KINDS:
            raise BusinessError.for_field(f"{where}.kind", f"未知的分摊参数类型 {kind!r}；可选："
                                                           f"{', '.join(DRIVER_KINDS)} (unknown driver kind)")
        code = entry.get("department")
        if code not in departments:
            departments[code] = department_by_code(session, institution, code, f"{where}.department")
        value = entry.get("value")
        number = None if value is None or value == "" else parse_driver_value(value, kind, f"{where}.value")
        planned[(departments[code].id, kind)] = number
    changed = deleted = 0
    for (department_id, kind), number in planned.items():
        row = existing.get((department_id, kind))
        if number is None:
            if row is not None:
                session.delete(row)
                deleted += 1
        elif row is None:
            session.add(CostDriver(institution_id=institution.id, year=year, month=month,
                                   department_id=department_id, kind=kind, value=number))
            changed += 1
        elif row.value != number:
            row.value = number
            changed += 1
    flush_or_conflict(session)
    return {"changed": changed, "deleted": deleted}


def driver_query(institution: Institution, period: PeriodRange):
    """The drivers of an institution in a period, in month, department code and kind order."""
    return (select(CostDriver).join(Department, Department.id == CostDriver.department_id)
            .where(CostDriver.institution_id == institution.id, CostDriver.year == period.year,
                   CostDriver.month.between(period.start, period.end))
            .order_by(CostDriver.year, CostDriver.month, Department.code, CostDriver.kind))


def driver_rows(session: Session, institution: Institution, period: PeriodRange) -> list[CostDriver]:
    return list(session.scalars(driver_query(institution, period)))


def driver_figures(session: Session, institution: Institution, period: PeriodRange) -> dict[int, dict[str, Decimal]]:
    """department_id → kind → the figure for the period (flows summed, stocks at their latest month)."""
    figures: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in driver_rows(session, institution, period):  # month order: the latest stock value wins
        kind = DRIVER_KINDS.get(row.kind)
        if kind is None:
            continue
        if kind.aggregate == "sum":
            figures[row.department_id][row.kind] = figures[row.department_id].get(row.kind, Decimal(0)) + row.value
        else:
            figures[row.department_id][row.kind] = row.value
    return figures
