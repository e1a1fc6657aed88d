"""个人所得税: 累计预扣法 on wages (PAYROLL.md §1) and the 全年一次性奖金 separate taxation (§2).

Pure functions over exact Decimals; the tables come from the versioned parameters ``payroll.iit_cumulative``
(预扣率表一 with the 基本减除费用) and ``payroll.iit_monthly`` (the monthly table for the bonus).

For month *n* at this employer in the year (months counted from joining, so a mid-year joiner's first month is
n = 1 with one 5,000 deduction): cumulative taxable = Σ income − 5,000 × n − Σ special − Σ additional − Σ other;
tax due to date = taxable × rate − quick deduction (0 when taxable ≤ 0), rounded to the fen; this month's tax =
due to date − already withheld, never negative (a negative difference waits for the annual reconciliation).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from erp.core.errors import BusinessError
from erp.core.money import quantize_fen
from erp.payroll.services.parameters import ParameterSet

ZERO = Decimal(0)
TWELVE = Decimal(12)


@dataclass(frozen=True)
class Bracket:
    upper: Decimal | None  # inclusive; None = no upper bound
    rate: Decimal
    quick_deduction: Decimal


@dataclass(frozen=True)
class TaxTable:
    brackets: tuple[Bracket, ...]
    ref: str = ""

    @classmethod
    def from_value(cls, value: dict, ref: str = "") -> "TaxTable":
        return cls(tuple(Bracket(None if upper is None else Decimal(str(upper)), Decimal(str(rate)),
                                 Decimal(str(quick))) for upper, rate, quick in value["brackets"]), ref)

    def bracket(self, amount: Decimal, scale: Decimal = Decimal(1)) -> Bracket:
        """The bracket of ``amount``; with ``scale`` 12 the bracket of amount ÷ 12 (compared exactly)."""
        for bracket in self.brackets:
            if bracket.upper is None or amount <= bracket.upper * scale:
                return bracket
        raise AssertionError("a tax table ends with an open bracket")


@dataclass(frozen=True)
class MonthFigures:
    """One month's wage figures for the cumulative method (all yuan, to the fen)."""

    income: Decimal  # 工资薪金收入 (taxable)
    special: Decimal = ZERO  # 专项扣除
    additional: Decimal = ZERO  # 专项附加扣除
    other: Decimal = ZERO  # 其他扣除


@dataclass(frozen=True)
class MonthTax:
    month: int
    n: int
    cumulative_income: Decimal
    cumulative_taxable: Decimal
    rate: Decimal
    quick_deduction: Decimal
    due_to_date: Decimal
    withheld_before: Decimal
    tax: Decimal


@dataclass(frozen=True)
class CumulativeState:
    """What earlier months of the year at this employer add up to (from the slips already computed)."""

    n: int = 0
    income: Decimal = ZERO
    deductions: Decimal = ZERO  # special + additional + other
    withheld: Decimal = ZERO


@dataclass(frozen=True)
class BonusTax:
    amount: Decimal
    rate: Decimal
    quick_deduction: Decimal
    tax: Decimal


def cumulative_tables(parameters: ParameterSet) -> tuple[TaxTable, Decimal]:
    def make():
        value = parameters.value("payroll.iit_cumulative")
        return TaxTable.from_value(value, parameters.ref("payroll.iit_cumulative")), Decimal(value["basic_monthly"])
    return parameters.memo("iit_cumulative", make)


def monthly_table(parameters: ParameterSet) -> TaxTable:
    return parameters.memo("iit_monthly", lambda: TaxTable.from_value(parameters.value("payroll.iit_monthly"),
                                                                      parameters.ref("payroll.iit_monthly")))


def withhold_month(table: TaxTable, basic_monthly: Decimal, before: CumulativeState, month: int,
                   figures: MonthFigures) -> tuple[MonthTax, CumulativeState]:
    """This month's withholding after the months in ``before``; returns it and the new state."""
    n = before.n + 1
    income = before.income + figures.income
    deductions = before.deductions + figures.special + figures.additional + figures.other
    taxable = income - basic_monthly * n - deductions
    bracket = table.bracket(max(taxable, ZERO))
    due = quantize_fen(taxable * bracket.rate - bracket.quick_deduction) if taxable > 0 else ZERO
    tax = max(due - before.withheld, ZERO)
    result = MonthTax(month, n, income, taxable, bracket.rate, bracket.quick_deduction, due, before.withheld, tax)
    return result, CumulativeState(n, income, deductions, before.withheld + tax)


def cumulative_withholding(table: TaxTable, basic_monthly: Decimal, start_month: int,
                           months: list[MonthFigures]) -> list[MonthTax]:
    """Each month's withholding for an employee employed from ``start_month`` (consecutive months)."""
    if not 1 <= start_month <= 12:
        raise BusinessError.for_field("start_month", "起始月份应为 1–12 (start_month must be 1–12)")
    if not months or start_month + len(months) - 1 > 12:
        raise BusinessError.for_field("months", "月份须在同一纳税年度内且至少一个月 "
                                      "(1 to 13 − start_month consecutive months of one tax year)")
    state, results = CumulativeState(), []
    for offset, figures in enumerate(months):
        result, state = withhold_month(table, basic_monthly, state, start_month + offset, figures)
        results.append(result)
    return results


def bonus_tax(table: TaxTable, amount: Decimal) -> BonusTax:
    """全年一次性奖金单独计税: the bracket of amount ÷ 12 in the monthly table; quick deduction taken once."""
    if amount < 0:
        raise BusinessError.for_field("amount", "奖金不能为负 (the bonus must not be negative)")
    bracket = table.bracket(amount, TWELVE)
    tax = quantize_fen(amount * bracket.rate - bracket.quick_deduction) if amount > 0 else ZERO
    return BonusTax(amount, bracket.rate, bracket.quick_deduction, max(tax, ZERO))


def separate_bonus_allowed(parameters: ParameterSet, on: date) -> bool:
    """Separate taxation of the bonus is allowed until the date in the parameter (公告2023年第30号: 2027-12-31)."""
    until = parameters.value("payroll.iit_monthly").get("separate_bonus_until")
    return until is None or on <= date.fromisoformat(until)


@dataclass(frozen=True)
class BonusComparison:
    """Both ways of taxing a bonus paid in month ``month`` (the months' wage tax included in both)."""

    separate_wage_tax: Decimal  # wage tax of the bonus month with the bonus taxed on its own
    separate_bonus: BonusTax
    merged_wage_tax: Decimal  # wage tax of the bonus month with the bonus merged into that month's income

    @property
    def separate_total(self) -> Decimal:
        return self.separate_wage_tax + self.separate_bonus.tax

    @property
    def merged_total(self) -> Decimal:
        return self.merged_wage_tax

    @property
    def better(self) -> str:
        return "separate" if self.separate_total <= self.merged_total else "merged"


def compare_bonus(table: TaxTable, monthly: TaxTable, basic_monthly: Decimal, before: CumulativeState, month: int,
                  figures: MonthFigures, bonus: Decimal) -> BonusComparison:
    separate, _ = withhold_month(table, basic_monthly, before, month, figures)
    merged_figures = MonthFigures(figures.income + bonus, figures.special, figures.additional, figures.other)
    merged, _ = withhold_month(table, basic_monthly, before, month, merged_figures)
    return BonusComparison(separate.tax, bonus_tax(monthly, bonus), merged.tax)
