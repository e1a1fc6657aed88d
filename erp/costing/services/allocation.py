"""The step-down arithmetic (阶梯分摊, 公立医院成本核算规范 财会〔2021〕26号): pure functions, no session.

- :func:`step_down` — 行政后勤 → 医疗辅助 → 医疗技术 → 临床服务. Each department of a class allocates its cost
  (own + received) over every department of the later classes, in proportion to its base (rate = cost ÷ the
  receivers' base total).
- :func:`allocate` — each share is rounded ROUND_HALF_UP to the fen and the remainder goes to the largest
  receiver, so that every allocation conserves the cost to the fen.
- :func:`split_outpatient` — a clinical department's full cost split into outpatient and inpatient parts;
  :func:`unit_cost` gives 诊次成本 (outpatient ÷ visits) and 床日成本 (inpatient ÷ bed-days).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Callable, Hashable, Mapping, Sequence, TypeVar

from erp.core.errors import BusinessError
from erp.core.models import COST_CLASS_TITLES, CostClass
from erp.core.money import FEN, quantize_fen
from erp.costing.services.common import PRECISION, ZERO
from erp.costing.services.drivers import SPLIT_BASES, base_title

# The step-down order and who receives from whom.
STEP_CLASSES = (CostClass.ADMIN, CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH)
RECEIVERS: dict[CostClass, tuple[CostClass, ...]] = {
    CostClass.ADMIN: (CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH, CostClass.CLINICAL),
    CostClass.MEDICAL_SUPPORT: (CostClass.MEDICAL_TECH, CostClass.CLINICAL),
    CostClass.MEDICAL_TECH: (CostClass.CLINICAL,),
}

K = TypeVar("K", bound=Hashable)


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
        shares = {key: quantize_fen(magnitude * weight / total) for key, weight in weights}
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
               f"分摊参数「{title}」({kind}) 合计为零，请先录入")
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
            outpatient = quantize_fen(cost * share / 100)
        else:
            out_value, in_value = figures.get(pair[0], Decimal(0)), figures.get(pair[1], Decimal(0))
            if out_value + in_value <= 0:
                return None
            outpatient = quantize_fen(cost * out_value / (out_value + in_value))
    return Split(basis, outpatient, cost - outpatient)


def unit_cost(cost: Decimal | None, quantity: Decimal | None) -> Decimal | None:
    if cost is None or not quantity:
        return None
    with localcontext() as context:
        context.prec = PRECISION
        return quantize_fen(cost / quantity)
