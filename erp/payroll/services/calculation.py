"""One employee's month: the rules in order, contributions, IIT — a pure function of its inputs.

:func:`compute_slip` evaluates the rules in force (ordered by sequence) over the employee's facts, the month's
inputs and the parameter versions in force; every line records its rule version, the parameter versions it
read, the values of every name it read, and its result (rounded to the fen, half up). IIT is always computed
(累计预扣法 over the year's earlier slips, ``before``); an ``income_tax`` category rule shows it as its line,
otherwise the engine adds the line ``income_tax``. The 全年一次性奖金 (input ``annual_bonus``) is taxed on its own
unless the input ``bonus_merged`` is 1 (or separate taxation has expired); both figures are kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from erp.core.errors import BusinessError
from erp.core.money import FEN, quantize_fen
from erp.payroll.models import EARNING_CATEGORIES, RuleCategory, SalaryRule
from erp.payroll.services.contributions import Contributions, compute_contributions
from erp.payroll.services.expressions import Compiled, compile_expression, parse
from erp.payroll.services.parameters import ParameterSet
from erp.payroll.services.tax import (CumulativeState, MonthFigures, bonus_tax, cumulative_tables, monthly_table,
                                      separate_bonus_allowed, withhold_month)

ZERO = Decimal(0)
BONUS_INPUT, MERGE_INPUT = "annual_bonus", "bonus_merged"


@dataclass(frozen=True)
class CompiledRule:
    code: str
    name: str
    category: RuleCategory
    ref: str
    condition: Compiled
    amount: Compiled

    @classmethod
    def of(cls, rule: SalaryRule) -> "CompiledRule":
        return cls(rule.code, rule.name, RuleCategory(rule.category), rule.ref,
                   compile_expression(parse(rule.condition, "condition")),
                   compile_expression(parse(rule.amount, "amount")))


@dataclass(frozen=True)
class EmployeeFacts:
    """What rules may know of an employee (never the establishment status)."""

    employee_id: int
    department_id: int | None
    attributes: dict[str, Any]  # "employee.grade" → 12 …
    insurance_base: Decimal | None
    housing_fund_base: Decimal | None
    additional_deduction: Decimal  # this month's 专项附加扣除


@dataclass
class SlipResult:
    lines: list[dict] = field(default_factory=list)
    gross: Decimal = ZERO
    personal_deductions: Decimal = ZERO
    employer_contributions: Decimal = ZERO
    income_tax: Decimal = ZERO
    taxable_wages: Decimal = ZERO
    special_deduction: Decimal = ZERO
    additional_deduction: Decimal = ZERO
    other_deduction: Decimal = ZERO
    wage_tax: Decimal = ZERO
    tax_months: int = 0
    annual_bonus: Decimal = ZERO
    bonus_separate: bool = True
    bonus_tax_separate: Decimal = ZERO
    bonus_tax_merged: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.personal_deductions - self.income_tax


class _Slip:
    """The state of one evaluation: results so far, what each line read."""

    def __init__(self, facts: EmployeeFacts, inputs: dict[str, Decimal], parameters: ParameterSet,
                 before: CumulativeState, year: int, month: int):
        self.facts, self.inputs, self.parameters, self.before = facts, inputs, parameters, before
        self.year, self.month = year, month
        self.results: dict[str, Decimal] = {}
        self.earnings = ZERO
        self.contributions: Contributions = compute_contributions(parameters, facts.insurance_base,
                                                                  facts.housing_fund_base)
        self.result = SlipResult(additional_deduction=facts.additional_deduction)
        self.tax_done = False
        self.read: dict[str, str] = {}
        self.refs: set[str] = set()

    # names and functions ------------------------------------------------------------------------------
    def resolve(self, name: str):
        if name in self.results:
            value = self.results[name]
        elif name == "gross":
            value = self.earnings
        elif name in ("year", "month"):
            value = Decimal(getattr(self, name))
        elif name.startswith("input."):
            value = self.inputs.get(name[len("input."):], ZERO)
        elif name in self.facts.attributes:
            value = self.facts.attributes[name]
        else:  # an earlier rule whose condition did not hold, or a rule retired since this one was saved
            value = ZERO
        self.read[name] = str(value)
        return value

    def table(self, code, key):
        code = str(code)
        self.refs.add(self.parameters.refs_by_code.get(code, code))
        table = self.parameters.memo(f"table:{code}", lambda: {
            name: Decimal(str(value)) for name, value in self.parameters.value(code).items()
            if isinstance(value, (str, int)) and not isinstance(value, bool)})
        try:
            return table[str(key)]
        except (KeyError, ArithmeticError):
            raise BusinessError.for_field("parameter", f"参数表 {code} 中没有 {key} (no entry {key!r} in {code})",
                                          "missing_parameter") from None

    def contribution(self, item, side: str) -> Decimal:
        self.refs.add(self.contributions.ref)
        found = self.contributions.items.get(str(item))
        if found is None:
            raise BusinessError.for_field("parameter", f"缴费项目 {item} 未设置 (no contribution item {item!r})",
                                          "missing_parameter")
        self.read[f"{item}.base"] = str(found.base)
        return getattr(found, side)

    def income_tax(self) -> Decimal:
        self.compute_tax()
        self.refs.update(self.tax_refs)
        return self.result.income_tax

    def functions(self) -> dict:
        return {"min": min, "max": max, "abs": abs, "round": quantize_fen, "table": self.table, "param": self.table,
                "employee_contribution": lambda item: self.contribution(item, "employee"),
                "employer_contribution": lambda item: self.contribution(item, "employer"),
                "income_tax": self.income_tax}

    # IIT ------------------------------------------------------------------------------------------------
    def compute_tax(self) -> None:
        if self.tax_done:
            return
        self.tax_done = True
        result, parameters = self.result, self.parameters
        table, basic = cumulative_tables(parameters)
        monthly = monthly_table(parameters)
        self.tax_refs = {table.ref, monthly.ref, self.contributions.ref}
        bonus = self.inputs.get(BONUS_INPUT, ZERO)
        separate = self.inputs.get(MERGE_INPUT, ZERO) != 1 and separate_bonus_allowed(
            parameters, date(self.year, self.month, 1))
        special, other = self.contributions.special_deduction, self.contributions.annuity_deductible
        wages = MonthFigures(self.earnings, special, self.facts.additional_deduction, other)
        alone, _ = withhold_month(table, basic, self.before, self.month, wages)
        merged, _ = withhold_month(table, basic, self.before, self.month,
                                   MonthFigures(self.earnings + bonus, special, self.facts.additional_deduction, other))
        separate_tax = bonus_tax(monthly, bonus).tax if bonus else ZERO
        result.annual_bonus, result.bonus_separate = bonus, separate
        result.bonus_tax_separate, result.bonus_tax_merged = separate_tax, merged.tax - alone.tax
        result.taxable_wages = self.earnings + (ZERO if separate else bonus)
        result.special_deduction, result.other_deduction = special, other
        result.wage_tax = alone.tax if separate else merged.tax
        result.tax_months = alone.n
        result.income_tax = result.wage_tax + (separate_tax if separate else ZERO)


def compute_slip(facts: EmployeeFacts, inputs: dict[str, Decimal], rules: list[CompiledRule],
                 parameters: ParameterSet, before: CumulativeState, year: int, month: int) -> SlipResult:
    slip = _Slip(facts, inputs, parameters, before, year, month)
    functions, result = slip.functions(), slip.result
    for rule in rules:
        slip.read, slip.refs = {}, set()
        try:
            if not rule.condition(slip.resolve, functions):
                continue
            value = rule.amount(slip.resolve, functions)
        except BusinessError as exc:
            raise exc.within(f"rules.{rule.code}")
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise BusinessError.for_field(f"rules.{rule.code}", f"规则 {rule.code} 的金额不是数值 "
                                          f"(rule {rule.code} gave no amount)", "invalid_expression")
        amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
        slip.results[rule.code] = amount
        if rule.category in EARNING_CATEGORIES:
            slip.earnings += amount
        elif rule.category is RuleCategory.PERSONAL_DEDUCTION:
            result.personal_deductions += amount
        elif rule.category is RuleCategory.EMPLOYER_CONTRIBUTION:
            result.employer_contributions += amount
        result.lines.append(_line(rule.code, rule.name, rule.category, rule.ref, slip.refs, slip.read, amount))
    bonus = inputs.get(BONUS_INPUT, ZERO)
    if bonus:
        result.lines.append(_line(BONUS_INPUT, "全年一次性奖金", RuleCategory.REWARD_PERFORMANCE, None, set(),
                                  {f"input.{BONUS_INPUT}": str(bonus)}, bonus))
    already_shown = slip.tax_done
    slip.compute_tax()
    if not already_shown:
        result.lines.append(_line("income_tax", "个人所得税", RuleCategory.INCOME_TAX, None, slip.tax_refs,
                                  {}, result.income_tax))
    _record_tax_inputs(result)
    result.gross = slip.earnings + bonus
    return result


def _line(code, name, category, rule_ref, refs, read, amount) -> dict:
    return {"code": code, "name": name, "category": category.value, "rule": rule_ref,
            "parameters": sorted(refs) if len(refs) > 1 else list(refs), "inputs": read, "amount": str(amount)}


def _record_tax_inputs(result: SlipResult) -> None:
    """The IIT line also records what the tax was computed from."""
    for line in result.lines:
        if line["category"] == RuleCategory.INCOME_TAX.value:
            line["inputs"].update({
                "taxable_wages": str(result.taxable_wages), "special_deduction": str(result.special_deduction),
                "additional_deduction": str(result.additional_deduction),
                "other_deduction": str(result.other_deduction), "tax_months": str(result.tax_months),
                "wage_tax": str(result.wage_tax), "annual_bonus": str(result.annual_bonus),
                "bonus_separate": str(result.bonus_separate), "bonus_tax_separate": str(result.bonus_tax_separate),
                "bonus_tax_merged": str(result.bonus_tax_merged)})
