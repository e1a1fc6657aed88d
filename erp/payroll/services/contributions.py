"""社会保险、职业年金与住房公积金 (PAYROLL.md §3) from the parameter ``payroll.contribution``.

The base is the employee's declared base clamped to [floor, ceiling] × the local average wage (60 % – 300 %);
an employee without a declared base pays on the floor. Each item's employer and employee shares are rounded
to the fen separately. For IIT the employee's pension, medical, unemployment and housing fund are 专项扣除; the
employee's 职业年金 is an 其他扣除 up to 4 % of its base (the base itself within 300 % of the average wage:
财税〔2013〕103号).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from erp.core.money import FEN, quantize_fen
from erp.payroll.services.parameters import ParameterSet

ZERO = Decimal(0)
PARAMETER = "payroll.contribution"
ANNUITY = "annuity"


@dataclass(frozen=True)
class Contribution:
    item: str
    title: str
    base: Decimal
    employer: Decimal
    employee: Decimal


@dataclass(frozen=True)
class Contributions:
    items: dict[str, Contribution]
    special_deduction: Decimal  # 专项扣除 (employee shares except the annuity)
    annuity_deductible: Decimal  # 其他扣除: the employee's annuity within its cap
    ref: str

    @property
    def employee_total(self) -> Decimal:
        return sum((c.employee for c in self.items.values()), start=ZERO)

    @property
    def employer_total(self) -> Decimal:
        return sum((c.employer for c in self.items.values()), start=ZERO)


def clamp_base(declared: Decimal | None, average: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    low, high = quantize_fen(average * floor), quantize_fen(average * ceiling)
    return min(max(declared if declared is not None else low, low), high)


def _spec(parameters: ParameterSet) -> tuple:
    value = parameters.value(PARAMETER)
    average, floor, ceiling = (Decimal(value[key]) for key in ("average_wage", "floor_ratio", "ceiling_ratio"))
    items = [(item, spec.get("title", item), spec.get("base", "insurance"), Decimal(spec["employer"]),
              Decimal(spec["employee"])) for item, spec in value["items"].items()]
    return average, floor, ceiling, items, Decimal(value["annuity_deductible_rate"]), parameters.ref(PARAMETER)


def compute_contributions(parameters: ParameterSet, insurance_base: Decimal | None,
                          housing_fund_base: Decimal | None) -> Contributions:
    average, floor, ceiling, specs, annuity_rate, ref = parameters.memo(PARAMETER, lambda: _spec(parameters))
    bases = {"insurance": clamp_base(insurance_base, average, floor, ceiling),
             "housing_fund": clamp_base(housing_fund_base, average, floor, ceiling)}
    items = {}
    for item, title, base_kind, employer, employee in specs:
        base = bases[base_kind]
        items[item] = Contribution(item, title, base, (base * employer).quantize(FEN, ROUND_HALF_UP),
                                   (base * employee).quantize(FEN, ROUND_HALF_UP))
    special = sum((c.employee for key, c in items.items() if key != ANNUITY), start=ZERO)
    annuity = items.get(ANNUITY)
    deductible = ZERO
    if annuity is not None:
        capped_base = min(annuity.base, quantize_fen(average * Decimal(3)))
        deductible = min(annuity.employee, quantize_fen(capped_base * annuity_rate))
    return Contributions(items, special, deductible, ref)
