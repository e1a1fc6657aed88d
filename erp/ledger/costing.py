"""全成本核算 (公立医院成本核算规范, 财会〔2021〕26号): department costs, step-down allocation, unit costs.

1. **Collection** — a department's direct cost for a period is the net debit of the posted 业务活动费用 (5001*)
   and 单位管理费用 (5101*) lines that carry it, by cost element (the expense detail account), read from the
   kept ``balance`` table (never by scanning lines). Year-end closing vouchers (年终结转, and their reversals)
   are not costs and are taken out again.
2. **Allocation bases** — :class:`~erp.ledger.costing_models.CostDriver` rows (per department and month) and the
   institution's plan (:class:`~erp.ledger.costing_models.CostAllocationRule`, defaults in ``DEFAULT_BASES``).
   Over a range of months, flow figures (workload, revenue, visits …) are summed; stock figures (staff, floor
   area, outpatient share) take the department's latest value in the range.
3. **Step-down** (:func:`step_down`) — 行政后勤 → 医疗辅助 → 医疗技术 → 临床服务. Each department of a class
   allocates its cost (own + received) over every department of the later classes, in proportion to its base
   (rate = cost ÷ the receivers' base total). Each share is rounded ROUND_HALF_UP to the fen and the remainder
   goes to the largest receiver, so that every allocation conserves the cost to the fen (:func:`allocate`).
4. **Outpatient / inpatient** — a clinical department's full cost splits by its split basis (outpatient_share
   percent, or outpatient vs inpatient hours / workload / revenue); 诊次成本 = outpatient ÷ visits and
   床日成本 = inpatient ÷ bed-days when those figures are present.
5. **Reconciliation** — the report carries the ledger total of 5001 + 5101 for the period and the difference
   to the departments' total, which is zero whenever every expense line has a department.

Pure functions (:func:`allocate`, :func:`step_down`, :func:`split_outpatient`) hold the arithmetic; the rest
reads and writes through the scoped session.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Callable, Hashable, Iterable, Mapping, Sequence, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import COST_CLASS_TITLES, CostClass, Department, Institution
from erp.core.money import FEN
from erp.ledger.costing_models import DRIVER_SCALE, CostAllocationRule, CostDriver
from erp.ledger.models import Account, Balance, Basis, Voucher, VoucherKind, VoucherLine, VoucherState
from erp.ledger.periods import parse_period

ZERO = Decimal("0.00")
EXPENSE_PREFIXES = ("5001", "5101")  # 业务活动费用, 单位管理费用
EXPENSE_TITLES = {"5001": "业务活动费用", "5101": "单位管理费用"}
PRECISION = 60  # digits for the intermediate products and quotients: nothing rounds before the fen

# The step-down order and who receives from whom.
STEP_CLASSES = (CostClass.ADMIN, CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH)
RECEIVERS: dict[CostClass, tuple[CostClass, ...]] = {
    CostClass.ADMIN: (CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH, CostClass.CLINICAL),
    CostClass.MEDICAL_SUPPORT: (CostClass.MEDICAL_TECH, CostClass.CLINICAL),
    CostClass.MEDICAL_TECH: (CostClass.CLINICAL,),
}
CLASS_ORDER = (CostClass.CLINICAL, CostClass.MEDICAL_TECH, CostClass.MEDICAL_SUPPORT, CostClass.ADMIN)


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
DEFAULT_BASES: dict[CostClass, str] = {
    CostClass.ADMIN: "staff",  # 行政后勤类: 人员数
    CostClass.MEDICAL_SUPPORT: "workload",  # 医疗辅助类: 工作量 (or 面积)
    CostClass.MEDICAL_TECH: "revenue",  # 医疗技术类: 收入 (or 工作量)
    CostClass.CLINICAL: "outpatient_share",  # 临床服务类: 门诊/住院拆分
}


def base_title(cost_class: CostClass, kind: str) -> str:
    if cost_class is CostClass.CLINICAL:
        return SPLIT_TITLES.get(kind, kind)
    return DRIVER_KINDS[kind].title if kind in DRIVER_KINDS else kind


# ---------------------------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodRange:
    """Months ``first..last`` of one year."""

    year: int
    first: int
    last: int

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.year}-{self.first:02d}"
        return f"{self.year}-{self.first:02d}..{self.year}-{self.last:02d}"

    @property
    def title(self) -> str:
        if self.first == self.last:
            return f"{self.year}年{self.first}月"
        return f"{self.year}年{self.first}月至{self.last}月"

    @property
    def single(self) -> bool:
        return self.first == self.last


def parse_period_range(value: str, field_name: str = "period") -> PeriodRange:
    """``YYYY-MM`` (a month), ``YYYY-MM..YYYY-MM`` (months of one year) or ``YYYY`` (the whole year)."""
    text = (value or "").strip()
    if text.isdigit() and len(text) == 4:
        return PeriodRange(int(text), 1, 12)
    start, sep, end = text.partition("..")
    year, first = parse_period(start, field_name)
    if not sep:
        return PeriodRange(year, first, first)
    end_year, last = parse_period(end, field_name)
    if end_year != year or last < first:
        raise BusinessError.for_field(field_name, f"期间范围应在同一年度内且起止有序：{text!r} "
                                                  f"(a range is YYYY-MM..YYYY-MM within one year)")
    return PeriodRange(year, first, last)


# ---------------------------------------------------------------------------------------------- arithmetic

K = TypeVar("K", bound=Hashable)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: Sequence[tuple[K, Decimal]]) -> dict[K, Decimal]:
    """Split ``amount`` (fen) over ``weights`` (≥ 0, positive total), conserving it to the fen.

    Each share is ``amount × weight ÷ total`` rounded ROUND_HALF_UP to the fen; the remainder (amount − the
    rounded shares) goes to the largest receiver (the first of equals, in the order given). Only when that
    would take it below zero (an amount of a few fen over many receivers) does the rest go to the next
    largest, and so on: every share has the sign of ``amount`` and the shares always sum to it exactly.
    """
    if amount != amount.quantize(FEN):
        raise ValueError(f"amount {amount} is not in fen")
    if any(weight < 0 for _, weight in weights):
        raise ValueError("weights must not be negative")
    with localcontext() as context:
        context.prec = PRECISION
        total = sum((weight for _, weight in weights), Decimal(0))
        if total <= 0:
            raise ValueError("the weights sum to zero")
        sign = -1 if amount < 0 else 1
        magnitude = abs(amount)
        shares = {key: _fen(magnitude * weight / total) for key, weight in weights}
    remainder = magnitude - sum(shares.values(), ZERO)
    if remainder:
        # the largest receiver (by base) first; ties keep the given order (sorted is stable)
        order = [key for key, _ in sorted(weights, key=lambda item: -item[1])]
        for key in order:
            if remainder > 0 or shares[key] + remainder >= 0:
                shares[key] += remainder
                remainder = ZERO
                break
            remainder += shares[key]  # take this receiver down to zero, the rest from the next
            shares[key] = ZERO
    assert remainder == 0 and sum(shares.values(), ZERO) == magnitude
    return {key: share * sign if share else ZERO for key, share in shares.items()}


@dataclass(frozen=True)
class CostCentre:
    """A department as the arithmetic sees it."""

    id: int
    code: str
    name: str
    cost_class: CostClass

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass
class Share:
    department_id: int
    base: Decimal
    amount: Decimal


@dataclass
class Step:
    """One department's cost allocated over the receivers of the later classes."""

    department_id: int
    cost_class: CostClass
    base_kind: str
    base_total: Decimal
    amount: Decimal
    shares: list[Share]

    @property
    def rate(self) -> Decimal:
        """Allocation rate (cost ÷ base total), for display: the shares are computed without rounding it."""
        with localcontext() as context:
            context.prec = PRECISION
            return self.amount / self.base_total if self.base_total else Decimal(0)


class MissingAllocationBase(BusinessError):
    """A department has cost to allocate but its receivers' base sums to zero."""

    status = 422
    code = "missing_allocation_base"


@dataclass
class StepDownResult:
    direct: dict[int, Decimal]
    received: dict[int, dict[CostClass, Decimal]]
    allocated_out: dict[int, Decimal]
    steps: list[Step]

    def received_from(self, department_id: int, cost_class: CostClass) -> Decimal:
        return self.received.get(department_id, {}).get(cost_class, ZERO)

    def full_cost(self, department_id: int) -> Decimal:
        """What the department holds after the step-down (non-zero only for clinical departments)."""
        return (self.direct.get(department_id, ZERO) + sum(self.received.get(department_id, {}).values(), ZERO)
                - self.allocated_out.get(department_id, ZERO))

    def pool(self, department_id: int) -> Decimal:
        """Direct + received: the cost a department holds before it allocates (待分摊成本)."""
        return self.direct.get(department_id, ZERO) + sum(self.received.get(department_id, {}).values(), ZERO)


def step_down(departments: Sequence[CostCentre], direct: Mapping[int, Decimal],
              base_kind_of: Callable[[CostCentre], str], base_value: Callable[[int, str], Decimal],
              period_label: str = "") -> StepDownResult:
    """The step-down allocation 行政后勤 → 医疗辅助 → 医疗技术 → 临床服务 (departments in code order).

    ``base_kind_of(department)`` names the base an allocating department uses; ``base_value(department_id,
    kind)`` is a receiver's figure (≥ 0). A department with nothing to allocate needs no base; one with cost
    whose receivers' base sums to zero raises :class:`MissingAllocationBase` naming the base and the class.
    """
    ordered = sorted(departments, key=lambda d: d.code)
    result = StepDownResult(direct={d.id: direct.get(d.id, ZERO) for d in ordered},
                            received=defaultdict(lambda: defaultdict(lambda: ZERO)),
                            allocated_out={}, steps=[])
    for cost_class in STEP_CLASSES:
        receivers = [d for d in ordered if d.cost_class in RECEIVERS[cost_class]]
        for giver in (d for d in ordered if d.cost_class is cost_class):
            amount = result.pool(giver.id)
            if not amount:
                continue
            kind = base_kind_of(giver)
            weights = [(r.id, base_value(r.id, kind)) for r in receivers]
            total = sum((w for _, w in weights), Decimal(0))
            if total <= 0:
                raise _missing_base(giver, kind, amount, period_label)
            shares = allocate(amount, weights)
            for receiver_id, share in shares.items():
                result.received[receiver_id][cost_class] += share
            result.allocated_out[giver.id] = amount
            result.steps.append(Step(giver.id, cost_class, kind, total, amount,
                                     [Share(rid, base, shares[rid]) for rid, base in weights if base or shares[rid]]))
    result.received = {k: dict(v) for k, v in result.received.items()}
    return result


def _missing_base(giver: CostCentre, kind: str, amount: Decimal, period_label: str) -> MissingAllocationBase:
    class_title = COST_CLASS_TITLES[giver.cost_class]
    receivers = "、".join(COST_CLASS_TITLES[c] for c in RECEIVERS[giver.cost_class])
    title = base_title(giver.cost_class, kind)
    when = f" {period_label}" if period_label else ""
    message = (f"{class_title}科室 {giver.label} 的待分摊成本 {amount} 无法分摊：接收科室（{receivers}）{when}的"
               f"分摊参数「{title}」({kind}) 合计为零，请先录入 (missing allocation base {kind!r} for "
               f"{giver.cost_class.value} department {giver.code}: the receiving departments' {kind} sums to zero)")
    return MissingAllocationBase(message, {"drivers": [message]})


@dataclass(frozen=True)
class Split:
    basis: str
    outpatient: Decimal
    inpatient: Decimal


def split_outpatient(cost: Decimal, basis: str, figures: Mapping[str, Decimal]) -> Split | None:
    """Outpatient / inpatient parts of a clinical department's cost (they sum to it exactly), or None when
    the department has no figures for ``basis``."""
    with localcontext() as context:
        context.prec = PRECISION
        pair = SPLIT_BASES[basis]
        if pair is None:
            share = figures.get("outpatient_share")
            if share is None:
                return None
            outpatient = _fen(cost * share / 100)
        else:
            out_value, in_value = figures.get(pair[0], Decimal(0)), figures.get(pair[1], Decimal(0))
            if out_value + in_value <= 0:
                return None
            outpatient = _fen(cost * out_value / (out_value + in_value))
    return Split(basis, outpatient, cost - outpatient)


def unit_cost(cost: Decimal | None, quantity: Decimal | None) -> Decimal | None:
    if cost is None or not quantity:
        return None
    with localcontext() as context:
        context.prec = PRECISION
        return _fen(cost / quantity)


# ---------------------------------------------------------------------------------------------- drivers


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


def _departments(session: Session, institution: Institution) -> list[Department]:
    return list(session.scalars(select(Department).where(Department.institution_id == institution.id)
                                .order_by(Department.code)))


def _department_by_code(session: Session, institution: Institution, code: str, field_name: str) -> Department:
    department = session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                         Department.code == code))
    if department is None:
        raise NotFound.for_field(field_name, f"科室 {code!r} 不存在于 {institution.name} (unknown department)")
    return department


def _flush(session: Session) -> None:
    """Flush; a row someone else inserted meanwhile (the unique keys) is a 409 to retry, not a 500."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("分摊参数或方案正被他人同时修改，请刷新后重试 (changed concurrently: retry)",
                       code="concurrent_change") from exc


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
            departments[code] = _department_by_code(session, institution, code, f"{where}.department")
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
    _flush(session)
    return {"changed": changed, "deleted": deleted}


def driver_rows(session: Session, institution: Institution, period: PeriodRange) -> list[CostDriver]:
    return list(session.scalars(
        select(CostDriver).join(Department, Department.id == CostDriver.department_id)
        .where(CostDriver.institution_id == institution.id, CostDriver.year == period.year,
               CostDriver.month.between(period.first, period.last))
        .order_by(CostDriver.year, CostDriver.month, Department.code, CostDriver.kind)))


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


# ---------------------------------------------------------------------------------------------- the plan


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
    plan = [PlanEntry(c, None, by_class.get(c, DEFAULT_BASES[c]), c not in by_class)
            for c in (*STEP_CLASSES, CostClass.CLINICAL)]
    order = {c: i for i, c in enumerate((*STEP_CLASSES, CostClass.CLINICAL))}
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
            department = _department_by_code(session, institution, entry["department"], f"{where}.department")
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
    _flush(session)
    return allocation_plan(session, institution)


# ---------------------------------------------------------------------------------------------- collection


def _expense_filter():
    return and_(Account.basis == Basis.FINANCIAL, or_(*(Account.code.like(f"{p}%") for p in EXPENSE_PREFIXES)))


@dataclass
class CollectedCosts:
    """Net debits of 5001*/5101* by (department_id, account_id); department_id 0 = no department."""

    amounts: dict[tuple[int, int], Decimal]
    accounts: dict[int, Account]

    def ledger_total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    def unassigned(self) -> Decimal:
        return sum((v for (dep, _), v in self.amounts.items() if not dep), ZERO)


def collect_costs(session: Session, institution: Institution, period: PeriodRange) -> CollectedCosts:
    """Department costs by cost element from the kept balances, year-end closing entries taken out."""
    in_period = and_(Balance.institution_id == institution.id, Balance.year == period.year,
                     Balance.month.between(max(period.first, 1), period.last))
    rows = session.execute(
        select(Balance.department_id, Balance.account_id, func.sum(Balance.debit), func.sum(Balance.credit))
        .join(Account, Account.id == Balance.account_id)
        .where(in_period, _expense_filter())
        .group_by(Balance.department_id, Balance.account_id))
    amounts: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for department_id, account_id, debit, credit in rows:
        amounts[(department_id or 0, account_id)] += (debit or ZERO) - (credit or ZERO)
    # 年终结转 closes the expense accounts into surplus: it is not a cost (nor is the reversal of one).
    original = aliased(Voucher)
    closing = session.execute(
        select(VoucherLine.department_id, VoucherLine.account_id, func.sum(VoucherLine.debit),
               func.sum(VoucherLine.credit))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .join(Account, Account.id == VoucherLine.account_id)
        .outerjoin(original, original.id == Voucher.reversal_of_id)
        .where(Voucher.institution_id == institution.id, Voucher.state == VoucherState.POSTED,
               Voucher.year == period.year, Voucher.month.between(period.first, period.last),
               or_(Voucher.kind == VoucherKind.CLOSING,
                   and_(Voucher.kind == VoucherKind.REVERSAL, original.kind == VoucherKind.CLOSING)),
               _expense_filter())
        .group_by(VoucherLine.department_id, VoucherLine.account_id))
    for department_id, account_id, debit, credit in closing:
        amounts[(department_id or 0, account_id)] -= (debit or ZERO) - (credit or ZERO)
    amounts = {key: value for key, value in amounts.items() if value}
    account_ids = {account_id for _, account_id in amounts}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))} \
        if account_ids else {}
    return CollectedCosts(amounts, accounts)


# ---------------------------------------------------------------------------------------------- the report


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
    departments = _departments(session, institution)
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
                       period_label=period.label)

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


# ---------------------------------------------------------------------------------------------- presentation

REPORT_TITLE = "科室成本报表"


def number_str(value: Decimal | None) -> str | None:
    """A driver figure without trailing zeros ("12.5", "100")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def report_columns(extended: bool = False) -> list:
    from erp.core.rendering import Column

    columns = [
        Column("code", "编码", "text", 0.6), Column("name", "科室", "text", 1.3),
        Column("cost_class", "类别", "text", 1.1), Column("direct", "直接成本", "amount"),
        Column("from_admin", "分摊行政后勤", "amount", blank_zero=True),
        Column("from_support", "分摊医疗辅助", "amount", blank_zero=True),
        Column("from_tech", "分摊医疗技术", "amount", blank_zero=True),
        Column("allocated_out", "分摊转出", "amount", blank_zero=True), Column("full_cost", "全成本", "amount"),
        Column("outpatient", "门诊成本", "amount"), Column("inpatient", "住院成本", "amount"),
    ]
    if extended:
        columns += [Column("visits", "门急诊人次", "amount"), Column("bed_days", "占用床日", "amount")]
    columns += [Column("cost_per_visit", "诊次成本", "amount"), Column("cost_per_bed_day", "床日成本", "amount")]
    return columns


def report_rows(report: DepartmentCostReport) -> list[dict]:
    return [{"code": r.department.code, "name": r.department.name,
             "cost_class": COST_CLASS_TITLES[r.department.cost_class], "direct": r.direct,
             "from_admin": r.from_admin, "from_support": r.from_support, "from_tech": r.from_tech,
             "allocated_out": r.allocated_out, "full_cost": r.full_cost, "outpatient": r.outpatient,
             "inpatient": r.inpatient, "visits": r.visits, "bed_days": r.bed_days,
             "cost_per_visit": r.cost_per_visit, "cost_per_bed_day": r.cost_per_bed_day} for r in report.rows]


def report_totals(report: DepartmentCostReport) -> dict:
    split = report.split_totals()
    return {"direct": report.total_direct, "from_admin": report.total("from_admin"),
            "from_support": report.total("from_support"), "from_tech": report.total("from_tech"),
            "allocated_out": report.total("allocated_out"), "full_cost": report.report_total,
            "outpatient": split["outpatient"], "inpatient": split["inpatient"], "visits": split["visits"],
            "bed_days": split["bed_days"], "cost_per_visit": split["cost_per_visit"],
            "cost_per_bed_day": split["cost_per_bed_day"]}


def reconciliation_lines(report: DepartmentCostReport) -> list[str]:
    from erp.core.rendering import format_amount

    parts = " + ".join(f"{EXPENSE_TITLES[p]}({p}) {format_amount(v)}" for p, v in report.ledger_by_prefix.items())
    lines = [f"账面费用：{parts} = {format_amount(report.ledger_total)}",
             f"科室成本合计：{format_amount(report.report_total)}    差额：{format_amount(report.difference)}"
             + ("（已核对一致）" if not report.difference else "（不一致：有费用未记到科室）")]
    plan = "；".join(f"{COST_CLASS_TITLES[p.from_class]}"
                     + (f"·{p.department.code} {p.department.name}" if p.department else "")
                     + f"：{p.title}" for p in report.plan)
    lines.append(f"分摊/拆分依据：{plan}")
    return lines


def report_header(report: DepartmentCostReport, prepared_by: str | None = None):
    from erp.core.rendering import StatementHeader

    return StatementHeader(institution=report.institution.name, title=REPORT_TITLE, period=report.period.title,
                           prepared_by=prepared_by, subtitle="全成本核算 · 阶梯分摊（行政后勤→医疗辅助→医疗技术→临床服务）")


def report_pdf(report: DepartmentCostReport, prepared_by: str | None = None) -> bytes:
    from erp.core.rendering import render_statement_pdf

    return render_statement_pdf(report_header(report, prepared_by), "ledger/costing/statement_pdf.html",
                                columns=report_columns(), rows=report_rows(report), totals=report_totals(report),
                                landscape=True, reconciliation=reconciliation_lines(report),
                                warnings=report.warnings)


def report_xlsx(report: DepartmentCostReport, prepared_by: str | None = None) -> bytes:
    from erp.core.rendering import Column, XlsxSheet, build_xlsx_sheets

    header = report_header(report, prepared_by)
    steps = []
    for step in report.steps:
        giver = report.departments[step.department_id]
        for share in step.shares:
            receiver = report.departments[share.department_id]
            steps.append({"from": f"{giver.code} {giver.name}", "class": COST_CLASS_TITLES[step.cost_class],
                          "base": base_title(step.cost_class, step.base_kind), "base_total": step.base_total,
                          "amount": step.amount, "to": f"{receiver.code} {receiver.name}",
                          "to_base": share.base, "share": share.amount})
    elements = [{"code": r.department.code, "name": r.department.name, "account": account.code,
                 "account_name": account.name, "amount": amount} for r in report.rows for account, amount in r.elements]
    summary = element_summary(report)
    return build_xlsx_sheets([
        XlsxSheet(REPORT_TITLE, report_columns(extended=True), report_rows(report), header=header,
                  header_lines=reconciliation_lines(report) + report.warnings, totals=report_totals(report),
                  sheet_name="科室成本"),
        XlsxSheet("成本分摊明细", [Column("from", "分摊科室", "text"), Column("class", "类别", "text"),
                                  Column("base", "分摊参数", "text"), Column("base_total", "参数合计", "amount"),
                                  Column("amount", "待分摊成本", "amount"), Column("to", "接收科室", "text"),
                                  Column("to_base", "接收科室参数", "amount"), Column("share", "分摊金额", "amount")],
                  steps, header=header, sheet_name="分摊明细"),
        XlsxSheet("直接成本明细", [Column("code", "科室编码", "text"), Column("name", "科室", "text"),
                                  Column("account", "成本项目(科目)", "text"), Column("account_name", "科目名称", "text"),
                                  Column("amount", "金额", "amount")],
                  elements, header=header, totals={"amount": sum((a for _, a in summary), ZERO)},
                  sheet_name="直接成本明细"),
    ])
