"""预算执行 (budget execution): per line the approved amount, commitments, actuals, what is left and the
execution rate (实际 ÷ 预算), per month plan vs actual, the drill-down to the documents, and the community
roll-up; the budget holder's tile (what is left, what is committed, by whom)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from erp.core.models import Institution, User
from erp.budget.models import ZERO, Budget, BudgetEntry, BudgetLine, BudgetState, BudgetWarning, EntryKind, EntryState

LIVE = (BudgetState.APPROVED, BudgetState.EXECUTING, BudgetState.CLOSED)


def rate(actual: Decimal, amount: Decimal) -> Decimal | None:
    """执行率 in percent, 2 places (None without a budget)."""
    if not amount:
        return None
    return (actual * 100 / amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Execution:
    budget: Budget
    lines: list[BudgetLine]
    plan_by_month: list[Decimal]
    actual_by_month: list[Decimal]
    committed_by_month: list[Decimal]

    @property
    def amount(self) -> Decimal:
        return sum((l.amount for l in self.lines), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((l.committed for l in self.lines), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((l.actual for l in self.lines), ZERO)

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed - self.actual

    @property
    def rate(self) -> Decimal | None:
        return rate(self.actual, self.amount)


def execution(session: Session, budget: Budget) -> Execution:
    lines = list(session.scalars(select(BudgetLine).where(BudgetLine.budget_id == budget.id).order_by(
        BudgetLine.account_code, BudgetLine.id)))
    plan = [sum((l.months[m] for l in lines), ZERO) for m in range(12)]
    actual, committed = [ZERO] * 12, [ZERO] * 12
    rows = session.execute(select(BudgetEntry.kind, BudgetEntry.month, func.sum(BudgetEntry.amount))
                           .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
                           .where(BudgetLine.budget_id == budget.id, BudgetEntry.state != EntryState.RELEASED)
                           .group_by(BudgetEntry.kind, BudgetEntry.month))
    for kind, month, amount in rows:
        (actual if kind is EntryKind.ACTUAL else committed)[month - 1] += amount or ZERO
    return Execution(budget, lines, plan, actual, committed)


def line_entries(session: Session, line_id: int, limit: int = 500) -> list[BudgetEntry]:
    """The drill-down: the commitments and actuals of a line, newest first, with their documents."""
    return list(session.scalars(select(BudgetEntry).where(BudgetEntry.line_id == line_id)
                                .order_by(BudgetEntry.id.desc()).limit(limit)))


@dataclass
class RollupRow:
    institution: Institution
    year: int
    amount: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed - self.actual

    @property
    def rate(self) -> Decimal | None:
        return rate(self.actual, self.amount)


def community_rollup(session: Session, year: int) -> list[RollupRow]:
    """Every budget in force of ``year`` in the user's scope, one row per institution (the community roll-up)."""
    rows = []
    statement = (select(Budget).join(Institution, Institution.id == Budget.institution_id)
                 .where(Budget.year == year, Budget.state.in_(LIVE)).order_by(Institution.code)
                 .options(selectinload(Budget.lines)))
    for budget in session.scalars(statement):
        row = RollupRow(budget.institution, year)
        for line in budget.lines:
            row.amount += line.amount
            row.committed += line.committed
            row.actual += line.actual
        rows.append(row)
    return rows


@dataclass
class Tile:
    """The budget holder's tile: what is left, what is committed, by whom, and the latest warnings."""

    amount: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    by_whom: list[tuple[str, Decimal]] = field(default_factory=list)
    warnings: list[BudgetWarning] = field(default_factory=list)

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed - self.actual


def holder_tile(session: Session, year: int) -> Tile:
    tile = Tile()
    for row in community_rollup(session, year):
        tile.amount += row.amount
        tile.committed += row.committed
        tile.actual += row.actual
    by_whom = session.execute(
        select(func.coalesce(User.display_name, "系统"), func.sum(BudgetEntry.open_amount))
        .select_from(BudgetEntry).join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
        .outerjoin(User, User.id == BudgetEntry.user_id)
        .where(BudgetLine.year == year, BudgetEntry.kind == EntryKind.COMMITMENT, BudgetEntry.state == EntryState.OPEN)
        .group_by(User.display_name).order_by(func.sum(BudgetEntry.open_amount).desc()).limit(10))
    tile.by_whom = [(name, amount) for name, amount in by_whom]
    tile.warnings = list(session.scalars(select(BudgetWarning).where(BudgetWarning.year == year)
                                         .order_by(BudgetWarning.id.desc()).limit(5)))
    return tile
