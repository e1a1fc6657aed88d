"""A small, safe expression language for salary rules — parsed with :mod:`ast`, never executed by Python.

The grammar: decimal numbers (exact: ``0.08`` is ``Decimal("0.08")``), strings, ``True``/``False``, names
(``post_wage`` — an earlier rule's result — or a built-in such as ``gross``), dotted names (``employee.grade``,
``input.night_shifts``), ``+ - * /``, unary ``-``, comparisons, ``and or not``, ``a if c else b`` and calls of
the functions in :data:`FUNCTIONS`. Anything else (attributes of values, subscripts, lambdas, comprehensions,
keyword arguments …) is refused when the rule is saved. Every name an expression uses is known statically
(:func:`parse` returns them), so the 同岗同酬 and 严禁挂钩 checks see everything a rule can read.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from erp.core.errors import BusinessError

MAX_LENGTH = 2000
MAX_DEPTH = 40
FUNCTIONS = {  # name → (min args, max args)
    "min": (2, 10), "max": (2, 10), "abs": (1, 1), "round": (1, 1),  # round: to the fen, half up
    "table": (2, 2),  # table("payroll.post_wage", employee.post): a value of a parameter table
    "param": (2, 2),  # param("payroll.contribution", "average_wage")
    "employee_contribution": (1, 1), "employer_contribution": (1, 1),  # by item: "pension", "housing_fund" …
    "income_tax": (0, 0),  # this month's IIT (累计预扣法, plus the bonus when taxed separately)
}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
            ast.NotIn: "not in"}


class ExpressionError(BusinessError):
    code = "invalid_expression"


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.expr | None  # None: the empty expression (a condition that always holds)
    references: frozenset[str]  # names and dotted names read
    functions: frozenset[str]
    strings: frozenset[str]  # string literals (the 同岗同酬 check reads them too)


def parse(source: str, field: str = "amount") -> Expression:
    """Parse and check ``source``; a syntax error or a construct outside the grammar → 422 naming ``field``."""
    source = (source or "").strip()
    if not source:
        return Expression("", None, frozenset(), frozenset(), frozenset())
    if len(source) > MAX_LENGTH:
        raise ExpressionError.for_field(field, f"表达式过长（最多 {MAX_LENGTH} 字符）(expression too long)")
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError.for_field(field, f"表达式无法解析：{exc.msg}（第 {exc.offset} 个字符）"
                                        f" (the expression does not parse: {exc.msg} at {exc.offset})") from None
    checker = _Checker(source, field)
    checker.check(tree, 0)
    return Expression(source, tree, frozenset(checker.references), frozenset(checker.functions),
                      frozenset(checker.strings))


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := dotted(node.value)):
        return f"{base}.{node.attr}"
    return None


class _Checker:
    def __init__(self, source: str, field: str):
        self.source, self.field = source, field
        self.references: set[str] = set()
        self.functions: set[str] = set()
        self.strings: set[str] = set()

    def refuse(self, node: ast.AST, what: str) -> None:
        raise ExpressionError.for_field(self.field, f"表达式不支持{what}（第 {getattr(node, 'col_offset', 0) + 1} 个字符）"
                                        f" (not allowed in a rule expression: {type(node).__name__})")

    def check(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.refuse(node, "过深的嵌套")
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = dotted(node)
            if name is None:
                self.refuse(node, "对计算结果取属性")
            if any(part.startswith("_") for part in name.split(".")):
                self.refuse(node, f"以下划线开头的名称 {name}")
            if name not in ("True", "False"):
                self.references.add(name)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self.strings.add(node.value)
            elif isinstance(node.value, bool) or node.value is None:
                pass
            elif not isinstance(node.value, (int, float)) or isinstance(node.value, complex):
                self.refuse(node, "此类常量")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self.check(node.left, depth + 1)
            self.check(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            self.check(node.operand, depth + 1)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.check(value, depth + 1)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for part in (node.left, *node.comparators):
                self.check(part, depth + 1)
        elif isinstance(node, ast.IfExp):
            for part in (node.test, node.body, node.orelse):
                self.check(part, depth + 1)
        elif isinstance(node, ast.Tuple) and depth > 0:
            for part in node.elts:
                self.check(part, depth + 1)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS or node.keywords:
                self.refuse(node, f"函数 {name or '?'}（可用：{', '.join(FUNCTIONS)}）")
            low, high = FUNCTIONS[name]
            if not low <= len(node.args) <= high:
                self.refuse(node, f"函数 {name} 的参数个数")
            self.functions.add(name)
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    self.refuse(arg, "*参数")
                self.check(arg, depth + 1)
        else:
            self.refuse(node, f"“{ast.get_source_segment(self.source, node) or type(node).__name__}”")


Resolver = Callable[[str], Any]
Compiled = Callable[[Resolver, dict], Any]


def evaluate(expression: Expression, resolve: Resolver, functions: dict[str, Callable]) -> Any:
    """The value of a parsed expression: names through ``resolve``, calls through ``functions``."""
    return compile_expression(expression)(resolve, functions)


def compile_expression(expression: Expression) -> Compiled:
    """The expression as a Python closure (built once per rule and run, called once per employee): the same
    semantics as walking the tree, without walking it every time."""
    if expression.tree is None:
        return lambda resolve, functions: True
    return _Compiler(expression.source).build(expression.tree)


def _arithmetic(op: str, source: str) -> Callable[[Decimal, Decimal], Decimal]:
    if op == "+":
        return lambda a, b: a + b
    if op == "-":
        return lambda a, b: a - b
    if op == "*":
        return lambda a, b: a * b

    def divide(a, b):
        if b == 0:
            raise ExpressionError(f"表达式除以零 (division by zero): {source}", code="division_by_zero")
        return a / b
    return divide


_COMPARISONS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
                "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


class _Compiler:
    def __init__(self, source: str):
        self.source = source

    def build(self, node: ast.expr) -> Compiled:  # noqa: C901 - one branch per construct of the grammar
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = dotted(node)
            if name in ("True", "False"):
                constant = name == "True"
                return lambda resolve, functions: constant
            return lambda resolve, functions: resolve(name)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = Decimal(ast.get_source_segment(self.source, node))  # the typed text, exactly
            return lambda resolve, functions: value
        if isinstance(node, ast.BinOp):
            left, right = self.number(node.left), self.number(node.right)
            op = _arithmetic(_BINARY[type(node.op)], self.source)
            return lambda resolve, functions: op(left(resolve, functions), right(resolve, functions))
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda resolve, functions: not operand(resolve, functions)
            if isinstance(node.op, ast.USub):
                return lambda resolve, functions: -operand(resolve, functions)
            return operand
        if isinstance(node, ast.BoolOp):
            parts = [self.build(part) for part in node.values]
            conjunction = isinstance(node.op, ast.And)

            def boolean(resolve, functions):
                result = conjunction
                for part in parts:
                    result = part(resolve, functions)
                    if conjunction != bool(result):
                        return result
                return result
            return boolean
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            test, body, orelse = self.build(node.test), self.build(node.body), self.build(node.orelse)
            return lambda resolve, functions: (body if test(resolve, functions) else orelse)(resolve, functions)
        if isinstance(node, ast.Tuple):
            parts = [self.build(part) for part in node.elts]
            return lambda resolve, functions: tuple(part(resolve, functions) for part in parts)
        if isinstance(node, ast.Call):
            name, args = node.func.id, [self.build(arg) for arg in node.args]
            if not args:
                return lambda resolve, functions: functions[name]()
            if len(args) == 1:
                only = args[0]
                return lambda resolve, functions: functions[name](only(resolve, functions))
            if len(args) == 2:
                first, second = args
                return lambda resolve, functions: functions[name](first(resolve, functions),
                                                                  second(resolve, functions))
            return lambda resolve, functions: functions[name](*[arg(resolve, functions) for arg in args])
        raise AssertionError("checked by parse")

    def number(self, node: ast.expr) -> Compiled:
        inner, text, source = self.build(node), ast.get_source_segment(self.source, node), self.source

        def checked(resolve, functions):
            value = inner(resolve, functions)
            if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
                raise ExpressionError(f"表达式中 “{text}” 不是数值 (not a number in: {source})",
                                      code="invalid_expression")
            return value
        return checked

    def compare(self, node: ast.Compare) -> Compiled:
        first = self.build(node.left)
        steps = [(_COMPARISONS[_COMPARE[type(op)]], self.build(right)) for op, right in zip(node.ops, node.comparators)]
        source = self.source

        def comparison(resolve, functions):
            left = first(resolve, functions)
            for test, right_part in steps:
                right = right_part(resolve, functions)
                try:
                    ok = test(left, right)
                except (TypeError, InvalidOperation):
                    raise ExpressionError(f"无法比较 (cannot compare) in: {source}") from None
                if not ok:
                    return False
                left = right
            return True
        return comparison
