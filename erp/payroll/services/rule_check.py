"""Saving a salary rule that the month can evaluate, and withdrawing one.

A rule that parses may still fail for every employee (``1 / 0``, a pay table without the employee's post, a
comparison of a number with text): the whole month's run would stop on it. So a saved version is test-evaluated
at once, after the rules in force before it, against sample facts — the community's own employees employed on
its effective date (one of each institution, category, post and flag combination), or, before there are any, a
neutral employee (alone: earlier rules read 0, and a missing pay-table entry is not the rule's fault) — with no
monthly inputs (an absent input reads 0, as in a run). A failure is refused with ``rule_invalid`` naming
``condition`` or ``amount``, and the version is not saved (the caller's transaction rolls back).

Editing is saving a new version from a later date; withdrawing (停用) is a version with ``active`` false from a
date: the months before keep the rule, and the history stays.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution
from erp.payroll.models import PayrollProfile, SalaryRule
from erp.payroll.services.calculation import CompiledRule, EmployeeFacts, compute_slip
from erp.payroll.services.expressions import compile_expression, parse
from erp.payroll.services.parameters import parameters_in_force
from erp.payroll.services.rules import rules_in_force, save_rule
from erp.payroll.services.runs import facts_of
from erp.payroll.services.tax import CumulativeState

ZERO = Decimal(0)
SAMPLE_LIMIT = 200
NEUTRAL = EmployeeFacts(0, None, {
    "employee.grade": Decimal(1), "employee.post": "", "employee.staff_category": "doctor",
    "employee.general_practitioner": False, "employee.public_health": False, "employee.years_of_service": ZERO,
    "employee.months_employed": Decimal(1), "employee.department_class": "", "employee.institution_kind": "",
    "employee.institution_level": ""}, None, None, ZERO)


def save_checked_rule(session: Session, community_id: int, **fields) -> SalaryRule:
    """:func:`.rules.save_rule`, then the test evaluation (an active version only: a withdrawal computes nothing)."""
    rule = save_rule(session, community_id, **fields)
    if rule.active:
        check_evaluates(session, community_id, rule)
    return rule


def withdraw_rule(session: Session, community_id: int, code: str, effective_from: date,
                  user_id: int | None = None) -> SalaryRule:
    """停用: the rule ``code`` stops from ``effective_from`` (a new, inactive version of it)."""
    current = session.scalar(select(SalaryRule).where(SalaryRule.community_id == community_id,
                                                      SalaryRule.code == code,
                                                      SalaryRule.effective_from <= effective_from)
                             .order_by(SalaryRule.effective_from.desc()).limit(1))
    if current is None:
        raise NotFound.for_field("code", f"{effective_from} 没有生效的规则 {code} (no rule {code!r} in force then)")
    if not current.active:
        raise Conflict.for_field("effective_from", f"规则 {code} 自 {current.effective_from} 起已停用 "
                                 f"(already withdrawn from {current.effective_from})", "already_withdrawn")
    return save_rule(session, community_id, code=code, name=current.name, category=current.category.value,
                     condition=current.condition, amount=current.amount, sequence=current.sequence,
                     effective_from=effective_from, active=False, user_id=user_id)


def check_evaluates(session: Session, community_id: int, rule: SalaryRule) -> None:
    on = rule.effective_from
    parameters = parameters_in_force(session, community_id, on)
    earlier = [CompiledRule.of(r) for r in rules_in_force(session, community_id, on)
               if (r.sequence, r.code) < (rule.sequence, rule.code)]
    mine = CompiledRule.of(rule)
    condition_only = CompiledRule(mine.code, mine.name, mine.category, mine.ref, mine.condition,
                                  compile_expression(parse("0")))
    samples = sample_facts(session, community_id, on)
    if not samples:  # the neutral employee has no post: the earlier rules read 0 rather than fail on it
        earlier, samples = [], [("", NEUTRAL)]
    neutral = samples[0][1] is NEUTRAL
    for code, facts in samples:
        if _failure(facts, earlier, parameters, on) is not None:
            continue  # the sample fails before this rule: not this rule's doing
        failure = _failure(facts, earlier + [mine], parameters, on)
        if failure is None or (neutral and getattr(failure, "code", None) == "missing_parameter"):
            continue
        field = "condition" if _failure(facts, earlier + [condition_only], parameters, on) else "amount"
        who = "示例职工" if neutral else f"职工 {code}"
        message = failure.message if isinstance(failure, BusinessError) else type(failure).__name__
        raise BusinessError.for_field(field, f"规则 {rule.code} 对{who}无法计算（{on}，当月变动取 0）：{message} "
                                      f"(the rule cannot be evaluated for a sample employee: {message})",
                                      "rule_invalid")


def _failure(facts: EmployeeFacts, rules: list[CompiledRule], parameters, on: date) -> Exception | None:
    try:
        compute_slip(facts, {}, rules, parameters, CumulativeState(), on.year, on.month)
    except (BusinessError, ArithmeticError, TypeError, ValueError) as exc:
        return exc
    return None


def sample_facts(session: Session, community_id: int, on: date) -> list[tuple[str, EmployeeFacts]]:
    """(code, facts) of one employee employed on ``on`` of each kind the rules may tell apart (at most
    ``SAMPLE_LIMIT``)."""
    profiles = session.scalars(
        select(PayrollProfile).join(Institution, Institution.id == PayrollProfile.institution_id)
        .where(Institution.community_id == community_id, PayrollProfile.hire_date <= on,
               (PayrollProfile.leave_date.is_(None)) | (PayrollProfile.leave_date >= on))
        .options(joinedload(PayrollProfile.employee), joinedload(PayrollProfile.department),
                 selectinload(PayrollProfile.deductions))
        .order_by(PayrollProfile.id).execution_options(skip_scope=True)).unique()
    chosen: dict[tuple, PayrollProfile] = {}
    for profile in profiles:
        key = (profile.institution_id, profile.staff_category, profile.post, profile.grade,
               profile.general_practitioner, profile.public_health)
        chosen.setdefault(key, profile)
        if len(chosen) >= SAMPLE_LIMIT:
            break
    institutions = {i.id: i for i in session.scalars(select(Institution).where(
        Institution.id.in_({p.institution_id for p in chosen.values()} or {0})).execution_options(skip_scope=True))}
    return [(p.employee.code, facts_of(p, institutions, on.year, on.month)) for p in chosen.values()]
