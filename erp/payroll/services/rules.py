"""Salary rules: saving a version (parsed, references checked, 同岗同酬 and 严禁挂钩 enforced) and the rules in
force for a month.

What a rule may read (:func:`known_references`): earlier rules by code, the built-ins ``gross`` (earnings so far),
``year``, ``month``, the employee's pay attributes (``employee.grade`` …), the month's inputs (``input.<code>``)
and the functions of :mod:`.expressions`. It may never read the establishment status (``equal_pay``: 编制内外
同岗同酬) nor any business-revenue figure (``revenue_link``: 严禁将个人薪酬与药品、耗材、检查、化验等业务收入挂钩).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict
from erp.core.timeutil import local_today
from erp.payroll.models import RuleCategory, SalaryRule
from erp.payroll.services.expressions import Expression, parse

CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
BUILT_INS = frozenset({"gross", "year", "month"})
EMPLOYEE_ATTRIBUTES = frozenset({
    "employee.grade", "employee.post", "employee.staff_category", "employee.general_practitioner",
    "employee.public_health", "employee.years_of_service", "employee.months_employed",
    "employee.department_class", "employee.institution_kind", "employee.institution_level",
})
# words that name the establishment status (编制) in a reference or a string the rule compares with
ESTABLISHMENT_WORDS = ("establishment", "bianzhi", "beian", "contract", "dispatch", "编制", "备案", "合同", "派遣")
# words that name business revenue (业务收入, 药品/耗材/检查/化验收入 …)
REVENUE_WORDS = ("revenue", "income", "sales", "turnover", "drug", "medicine", "pharma", "consumable", "material",
                 "exam", "test", "lab", "收入", "营收", "药", "耗材", "材料", "检查", "化验", "检验")


# names that contain a listed word but are not revenue (个人所得税 is a deduction)
NOT_REVENUE = frozenset({"income_tax", "rules.income_tax"})


def _mentions(texts, words) -> str | None:
    """The first text naming one of ``words``: a Chinese word anywhere, an English one starting a token
    (``drug_revenue``, ``input.exam_points`` — but not ``available`` for "lab")."""
    for text in texts:
        if text in NOT_REVENUE:
            continue
        tokens = re.split(r"[^a-z]+", text.lower())
        for word in words:
            if (word.isascii() and any(token.startswith(word) for token in tokens)) or (
                    not word.isascii() and word in text):
                return text
    return None


def check_policy(expressions: list[tuple[str, Expression]], named: dict[str, str] | None = None) -> None:
    """Refuse a rule that reads the establishment status (同岗同酬) or business revenue (严禁挂钩); ``named``
    (the rule's own code and name) is checked too: a rule called 药品收入提成 is a revenue link whatever it reads."""
    checks = [(field, sorted(e.references | e.strings)) for field, e in expressions]
    checks += [(field, [text]) for field, text in (named or {}).items()]
    for field, texts in checks:
        if found := _mentions(texts, ESTABLISHMENT_WORDS):
            raise BusinessError.for_field(field, f"规则不得按编制状态区别计发（同岗同酬）：{found} "
                                          f"(a pay rule must not refer to establishment status: {found})", "equal_pay")
        # an input's code and a parameter table's name are read too: revenue by any other name is still revenue
        if found := _mentions(texts, REVENUE_WORDS):
            raise BusinessError.for_field(field, f"严禁将个人薪酬与药品、耗材、检查、化验等业务收入挂钩：{found} "
                                          f"(pay must not be linked to business revenue: {found})", "revenue_link")


def known_references(rule_codes) -> set[str]:
    return set(BUILT_INS) | set(EMPLOYEE_ATTRIBUTES) | set(rule_codes)


def check_references(field: str, expression: Expression, earlier_codes: set[str]) -> None:
    known = known_references(earlier_codes)
    for name in sorted(expression.references):
        if name in known or (name.startswith("input.") and CODE.fullmatch(name[len("input."):])):
            continue
        raise BusinessError.for_field(field, f"未知的引用 {name}：只能引用排在前面的规则、employee.*、input.* 与内置量 "
                                      f"(unknown reference {name!r}: earlier rules, employee.*, input.*, built-ins)",
                                      "unknown_reference")


def rules_in_force(session: Session, community_id: int, on: date) -> list[SalaryRule]:
    """Each code's latest version effective on ``on`` (retired codes left out), in evaluation order."""
    latest = (select(SalaryRule.code, func.max(SalaryRule.effective_from).label("effective"))
              .where(SalaryRule.community_id == community_id, SalaryRule.effective_from <= on)
              .group_by(SalaryRule.code).subquery())
    rows = session.scalars(select(SalaryRule).join(latest, (SalaryRule.code == latest.c.code) & (
        SalaryRule.effective_from == latest.c.effective)).where(SalaryRule.community_id == community_id))
    return sorted((rule for rule in rows if rule.active), key=lambda rule: (rule.sequence, rule.code))


def save_rule(session: Session, community_id: int, *, code: str, name: str, category: str, amount: str,
              condition: str = "", sequence: int | None = None, effective_from: date | None = None,
              active: bool = True, user_id: int | None = None) -> SalaryRule:
    """A new version of the rule ``code`` (the first one when the code is new)."""
    if not CODE.fullmatch(code or ""):
        raise BusinessError.for_field("code", "规则代码应为小写字母开头的字母、数字、下划线（最多 32 位）"
                                      "(code: a lowercase letter, then letters, digits, _)")
    if code in BUILT_INS:
        raise BusinessError.for_field("code", f"{code} 是内置量 (a built-in name)", "duplicate")
    try:
        category = RuleCategory(category)
    except ValueError:
        raise BusinessError.for_field("category", f"未知的规则类别 {category!r} (unknown category)") from None
    parsed = [("condition", parse(condition, "condition")), ("amount", parse(amount, "amount"))]
    if parsed[1][1].tree is None:
        raise BusinessError.for_field("amount", "金额表达式不能为空 (the amount expression is required)")
    check_policy(parsed, {"code": code, "name": name})
    effective_from = effective_from or local_today().replace(day=1)
    previous = session.scalar(select(SalaryRule).where(SalaryRule.community_id == community_id,
                                                       SalaryRule.code == code)
                              .order_by(SalaryRule.version.desc()).limit(1))
    if sequence is None:
        sequence = previous.sequence if previous else 100
    earlier = {rule.code for rule in rules_in_force(session, community_id, effective_from)
               if (rule.sequence, rule.code) < (sequence, code)}
    for field, expression in parsed:
        check_references(field, expression, earlier)
    if session.scalar(select(SalaryRule.id).where(SalaryRule.community_id == community_id, SalaryRule.code == code,
                                                  SalaryRule.effective_from == effective_from)):
        raise Conflict.for_field("effective_from", f"规则 {code} 在 {effective_from} 已有版本，请另选生效日期 "
                                 f"(a version of {code} already starts on {effective_from})", "duplicate")
    references = sorted(set().union(*(e.references for _, e in parsed)) |
                        {f"{f}()" for _, e in parsed for f in e.functions})
    rule = SalaryRule(community_id=community_id, code=code, version=(previous.version + 1) if previous else 1,
                      name=name.strip(), category=category, sequence=sequence, condition=condition.strip(),
                      amount=amount.strip(), references=references, effective_from=effective_from, active=active,
                      created_by_id=user_id)
    session.add(rule)
    session.flush()
    return rule


def rule_history(session: Session, community_id: int, code: str | None = None) -> list[SalaryRule]:
    statement = select(SalaryRule).where(SalaryRule.community_id == community_id)
    if code:
        statement = statement.where(SalaryRule.code == code)
    return list(session.scalars(statement.order_by(SalaryRule.sequence, SalaryRule.code, SalaryRule.version)))
