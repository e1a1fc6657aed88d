"""预算编制、审批、调整: a member's budget for a year, its versions and lines.

The original budget is version 1: prepared (draft), submitted, approved by the chief accountant (its lines then
come into force as :class:`BudgetLine` rows), and put into execution. A 预算调整 is a further version: a copy
of the lines in force, changed, with its reason; it is submitted and approved on its own, and its approval
writes the new amounts into the lines in force (locked) — a line is never cut below what is already committed
and spent (a Warn line already over may keep its amount).
Every version stays, with who prepared and approved it and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, User
from erp.core.statemachine import lock
from erp.core.timeutil import utcnow
from erp.core.money import largest_remainder
from erp.budget.models import (BUDGET_STATES, CHECK_PERIODS, MONTHS, VERSION_STATES, ZERO, Budget, BudgetLine,
                               BudgetState, BudgetVersion, BudgetVersionLine, Control, VersionState)
from erp.budget.services.common import (department_id, expenditure_account, funding_source_id,
                                        positive_amount)
from erp.budget.services.control import lock_line


@dataclass
class LineSpec:
    """A line as input gives it: codes and amounts (``months`` None: the amount spread evenly over 12 months)."""

    account: str
    amount: Decimal | str
    department: str | None = None
    funding_source: str | None = None
    months: list | None = None
    control: str = "stop"
    check_period: str = "annual"
    memo: str = ""
    extra: dict = field(default_factory=dict)


def budget_by_id(session: Session, budget_id: int) -> Budget:
    budget = session.get(Budget, budget_id)
    if budget is None:
        raise NotFound.for_field("id", f"预算 {budget_id} 不存在 (budget {budget_id} not found in your scope)")
    return budget


def version_of(budget: Budget, number: int) -> BudgetVersion:
    for version in budget.versions:
        if version.number == number:
            return version
    raise NotFound.for_field("version", f"预算没有第 {number} 版 (no version {number})")


def create_budget(session: Session, institution: Institution, year: int, *, user: User | None, title: str = "",
                  lines: list[LineSpec] = ()) -> Budget:
    if not 1900 <= year <= 9999:
        raise BusinessError.for_field("year", f"预算年度无效 (invalid year {year})")
    if session.scalar(select(Budget.id).where(Budget.institution_id == institution.id, Budget.year == year)):
        raise Conflict.for_field("year", f"{institution.name} 已有 {year} 年度预算 (a budget for {year} exists)",
                                 "duplicate")
    budget = Budget(institution_id=institution.id, institution=institution, year=year, state=BudgetState.DRAFT,
                    title=title or f"{institution.name}{year}年度预算", version=0,
                    prepared_by_id=user.id if user else None)
    version = BudgetVersion(institution_id=institution.id, budget=budget, number=1, state=VersionState.DRAFT,
                            reason="年初预算", prepared_by_id=user.id if user else None)
    session.add_all([budget, version])
    session.flush()
    if lines:
        set_lines(session, version, lines)
    return budget


def set_lines(session: Session, version: BudgetVersion, specs: list[LineSpec]) -> BudgetVersion:
    """Replace a draft version's lines (bad input → 422 naming ``lines[i].field``)."""
    if version.state is not VersionState.DRAFT:
        raise Conflict(f"第 {version.number} 版已{version.state_title}，不能修改 (only a draft version is edited)",
                       code="version_not_draft")
    institution = version.budget.institution
    built, seen = [], set()
    for index, spec in enumerate(specs):
        try:
            line = _line(session, institution, version, spec)
        except BusinessError as exc:
            raise exc.within(f"lines[{index}]") from None
        if line.key in seen:
            raise BusinessError.for_field(f"lines[{index}].account", f"重复的预算行：{spec.account} / "
                                                                    f"{spec.department or '-'} / {spec.funding_source or '-'} "
                                                                    f"(duplicate line)", "duplicate_line")
        seen.add(line.key)
        built.append(line)
    version.lines = []
    session.flush()
    version.lines = built
    session.flush()
    return version


def _line(session: Session, institution: Institution, version: BudgetVersion, spec: LineSpec) -> BudgetVersionLine:
    account = expenditure_account(session, institution, spec.account)
    amount = positive_amount(spec.amount, allow_zero=True)
    if spec.control not in {c.value for c in Control}:
        raise BusinessError.for_field("control", f"控制方式应为 stop / warn / ignore (unknown control {spec.control!r})")
    if spec.check_period not in CHECK_PERIODS:
        raise BusinessError.for_field("check_period", "控制期间应为 annual / ytd (annual or ytd)")
    months = phasing(amount, spec.months)
    line = BudgetVersionLine(institution_id=institution.id, account_id=account.id, account=account,
                             department_id=department_id(session, institution, spec.department),
                             funding_source_id=funding_source_id(session, institution.community_id,
                                                                 spec.funding_source),
                             control=Control(spec.control), check_period=spec.check_period, amount=amount,
                             memo=(spec.memo or "")[:256])
    for name, value in zip(MONTHS, months):
        setattr(line, name, value)
    return line


def phasing(amount: Decimal, months: list | None) -> list[Decimal]:
    """Twelve monthly amounts: as given (they must sum to the amount) or the amount spread evenly (the odd fen
    to the first months, largest remainder)."""
    if months is None:
        return list(largest_remainder(amount, [(m, Decimal(1)) for m in range(12)]).values())
    if len(months) != 12:
        raise BusinessError.for_field("months", "月度分解需要 12 个月的金额 (12 monthly amounts)")
    values = [positive_amount(m, f"months[{i}]", allow_zero=True) for i, m in enumerate(months)]
    if sum(values, ZERO) != amount:
        raise BusinessError.for_field("months", f"月度分解合计 {sum(values, ZERO)} 不等于全年金额 {amount} "
                                                f"(the months must sum to the amount)", "phasing_mismatch")
    return values


# ---- the original budget's lifecycle ----------------------------------------------------------------------


def submit(session: Session, budget: Budget, user: User) -> Budget:
    BUDGET_STATES.begin(session, budget, "submitted")
    first = version_of(budget, 1)
    if not first.lines:
        raise BusinessError.for_field("lines", "预算没有预算行，不能报送 (a budget needs lines)", "empty_budget")
    budget.state, first.state = BudgetState.SUBMITTED, VersionState.SUBMITTED
    session.flush()
    return budget


def return_to_draft(session: Session, budget: Budget, user: User, reason: str = "") -> Budget:
    BUDGET_STATES.begin(session, budget, "draft")
    first = version_of(budget, 1)
    budget.state, first.state = BudgetState.DRAFT, VersionState.DRAFT
    if reason:
        first.reason = f"退回：{reason}"[:512]
    session.flush()
    return budget


def approve(session: Session, budget: Budget, user: User) -> Budget:
    BUDGET_STATES.begin(session, budget, "approved")
    first = version_of(budget, 1)
    budget.state, budget.approved_by_id = BudgetState.APPROVED, user.id
    _approve_version(session, budget, first, user)
    return budget


def execute(session: Session, budget: Budget, user: User) -> Budget:
    BUDGET_STATES.begin(session, budget, "executing")
    budget.state = BudgetState.EXECUTING
    session.flush()
    return budget


def close(session: Session, budget: Budget, user: User) -> Budget:
    BUDGET_STATES.begin(session, budget, "closed")
    budget.state = BudgetState.CLOSED
    session.flush()
    return budget


# ---- adjustments (预算调整) ------------------------------------------------------------------------------


def create_adjustment(session: Session, budget: Budget, *, user: User | None, reason: str,
                      lines: list[LineSpec] | None = None) -> BudgetVersion:
    """A new draft version from the lines in force (or the ``lines`` given), with its reason."""
    lock(session, budget)
    if budget.state is BudgetState.CLOSED:
        raise Conflict.for_field("year", f"{budget.year} 年度预算已决算，不能调整 (the year's budget is closed)",
                                 "budget_closed")
    if budget.state not in (BudgetState.APPROVED, BudgetState.EXECUTING):
        raise Conflict(f"预算{budget.state_title}，尚未批复，直接修改即可 (only an approved budget is adjusted)",
                       code="invalid_transition")
    if not (reason or "").strip():
        raise BusinessError.for_field("reason", "预算调整必须说明理由 (an adjustment needs a reason)", "required")
    if any(v.state in (VersionState.DRAFT, VersionState.SUBMITTED) for v in budget.versions):
        raise Conflict("已有未审批的调整版本 (an adjustment is already pending)", code="adjustment_pending")
    version = BudgetVersion(institution_id=budget.institution_id, budget=budget,
                            number=max(v.number for v in budget.versions) + 1, state=VersionState.DRAFT,
                            reason=reason.strip()[:512], prepared_by_id=user.id if user else None)
    session.add(version)
    session.flush()
    set_lines(session, version, lines if lines is not None else specs_in_force(budget))
    return version


def specs_in_force(budget: Budget) -> list[LineSpec]:
    return [LineSpec(account=line.account.code, amount=line.amount,
                     department=line.department.code if line.department else None,
                     funding_source=line.funding_source.code if line.funding_source else None, months=line.months,
                     control=line.control.value, check_period=line.check_period) for line in budget.lines]


def submit_version(session: Session, version: BudgetVersion, user: User) -> BudgetVersion:
    VERSION_STATES.begin(session, version, "submitted")
    version.state = VersionState.SUBMITTED
    session.flush()
    return version


def approve_version(session: Session, version: BudgetVersion, user: User) -> BudgetVersion:
    if version.number == 1:
        approve(session, version.budget, user)
        return version
    lock(session, version.budget)
    if version.budget.state is BudgetState.CLOSED:
        raise Conflict.for_field("year", "该年度预算已决算，不能调整 (the year's budget is closed)", "budget_closed")
    _approve_version(session, version.budget, version, user)
    return version


def reject_version(session: Session, version: BudgetVersion, user: User, reason: str = "") -> BudgetVersion:
    VERSION_STATES.begin(session, version, "rejected")
    version.state, version.approved_by_id, version.approved_at = VersionState.REJECTED, user.id, utcnow()
    if reason:
        version.reason = f"{version.reason}（驳回：{reason}）"[:512]
    session.flush()
    return version


def _approve_version(session: Session, budget: Budget, version: BudgetVersion, user: User) -> None:
    VERSION_STATES.begin(session, version, "approved")
    live = {line.key: line for line in budget.lines}
    wanted = {line.key: line for line in version.lines}
    for key in sorted(set(live) | set(wanted), key=lambda k: (k[0], k[1] or 0, k[2] or 0)):
        proposed = wanted.get(key)
        line = live.get(key)
        if line is None:
            line = BudgetLine(institution_id=budget.institution_id, budget=budget, year=budget.year,
                              account_id=proposed.account_id, account_code=proposed.account.code,
                              department_id=proposed.department_id, funding_source_id=proposed.funding_source_id,
                              committed=ZERO, actual=ZERO, control=proposed.control, amount=ZERO)
            session.add(line)
            session.flush()
        line = lock_line(session, line.id)
        amount = proposed.amount if proposed else ZERO
        if amount < line.amount and amount < line.committed + line.actual:  # a cut below what is used
            raise Conflict.for_field("lines", f"{line.label} 调整后 {amount} 低于已占用 {line.committed} 与已支出 "
                                              f"{line.actual} 之和 (below what is committed and spent)",
                                     "below_consumed")
        line.amount = amount
        for index, name in enumerate(MONTHS):
            setattr(line, name, proposed.months[index] if proposed else ZERO)
        if proposed:
            line.control, line.check_period = proposed.control, proposed.check_period
    version.state, version.approved_by_id, version.approved_at = VersionState.APPROVED, user.id, utcnow()
    budget.version = version.number
    session.flush()
