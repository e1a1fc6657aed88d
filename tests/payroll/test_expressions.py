"""The rule language: exact decimals, the grammar's limits, references known before anything runs."""
from __future__ import annotations

from decimal import Decimal

import pytest

from erp.core.errors import BusinessError
from erp.payroll.services import parse
from erp.payroll.services.expressions import compile_expression, evaluate

VALUES = {"post_wage": Decimal("2060.00"), "employee.grade": Decimal(12), "employee.staff_category": "nurse",
          "input.night_shifts": Decimal(4), "employee.general_practitioner": False}
FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": lambda v: v.quantize(Decimal("0.01"))}


def run(source: str):
    return evaluate(parse(source), VALUES.__getitem__, FUNCTIONS)


@pytest.mark.parametrize("source, expected", [
    ("0.1 + 0.2", Decimal("0.3")),  # exact: never 0.30000000000000004
    ("round(post_wage * 0.9)", Decimal("1854.00")),
    ("round(post_wage / 3)", Decimal("686.67")),
    ('80 * input.night_shifts if employee.staff_category in ("nurse", "doctor") else 0', Decimal(320)),
    ("min(employee.grade, 10) * 3", Decimal(30)),
    ("not employee.general_practitioner and employee.grade >= 12", True),
    ("1 < employee.grade <= 12", True),
    ("-post_wage", Decimal("-2060.00")),
])
def test_expressions_evaluate_exactly(source, expected):
    assert run(source) == expected


def test_the_references_are_known_statically():
    expression = parse('table("payroll.post_wage", employee.post) + post_wage * input.night_shifts')
    assert expression.references == {"employee.post", "post_wage", "input.night_shifts"}
    assert expression.functions == {"table"} and expression.strings == {"payroll.post_wage"}


@pytest.mark.parametrize("source", [
    "post_wage.__class__", "(1).real", "[x for x in y]", "lambda: 1", "post_wage[0]", "open('x')",
    "min(*a)", "max(a=1)", "x := 1", "f'{post_wage}'", "2 ** 1000000", "post_wage if", "1j",
])
def test_anything_outside_the_grammar_is_refused_naming_the_field(source):
    with pytest.raises(BusinessError) as caught:
        parse(source, "condition")
    assert caught.value.code == "invalid_expression" and "condition" in caught.value.fields


def test_division_by_zero_and_a_non_number_are_business_errors():
    with pytest.raises(BusinessError) as caught:
        run("post_wage / (employee.grade - 12)")
    assert caught.value.code == "division_by_zero"
    with pytest.raises(BusinessError):
        run("employee.staff_category * 2")


def test_a_compiled_expression_is_reused():
    compiled = compile_expression(parse("post_wage + 1"))
    assert compiled(VALUES.__getitem__, FUNCTIONS) == Decimal("2061.00")
    assert compiled({"post_wage": Decimal(1)}.__getitem__, FUNCTIONS) == Decimal(2)
