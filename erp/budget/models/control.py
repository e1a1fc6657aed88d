"""预算控制 records: commitments (预占) and actuals (实际支出) against a budget line, and the warnings of Warn lines.

An entry names the document it comes from (module, kind, key, label, url — the ledger's ``DocumentSource``
fields). A commitment is open until released (document cancelled) or consumed (its spending posted); an actual
is written when a voucher's budget-expenditure line is posted (the ``before_post`` hook), negative for a
reversal. The line's running totals (``BudgetLine.committed`` / ``actual``) always equal the sums here.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import User, enum_column
from erp.core.money import Money
from erp.core.registry import N_
from erp.core.timeutil import UTCDateTime, utcnow
from erp.budget.models.budgets import ZERO, BudgetLine


class EntryKind(str, enum.Enum):
    COMMITMENT = "commitment"
    ACTUAL = "actual"


class EntryState(str, enum.Enum):
    OPEN = "open"  # a commitment still holding budget
    RELEASED = "released"  # cancelled: the budget is free again
    CONSUMED = "consumed"  # turned into actual spending
    POSTED = "posted"  # an actual


ENTRY_STATE_TITLES = {"open": N_("占用中"), "released": N_("已释放"), "consumed": N_("已转实际"),
                      "posted": N_("已记账")}
ENTRY_KIND_TITLES = {"commitment": N_("预占"), "actual": N_("实际支出")}


class SourceColumns:
    source_module: Mapped[str] = mapped_column(String(32))
    source_kind: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(64))
    source_label: Mapped[str] = mapped_column(String(64))
    source_url: Mapped[str | None] = mapped_column(String(256))


class BudgetEntry(SourceColumns, Audited, InstitutionOwned, db.Model):
    __tablename__ = "budget_entry"
    __table_args__ = (Index("ix_budget_entry_source", "source_module", "source_kind", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"), index=True)
    kind: Mapped[EntryKind] = enum_column(EntryKind, 16)
    state: Mapped[EntryState] = enum_column(EntryState, 16)
    amount: Mapped[Decimal] = mapped_column(Money())  # as made (an actual: negative for a reversal)
    open_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # a commitment's part still held
    date: Mapped[date] = mapped_column(Date)
    month: Mapped[int] = mapped_column(SmallInteger)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"))
    voucher_number: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[BudgetLine] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def state_title(self) -> str:
        return ENTRY_STATE_TITLES[self.state.value]


class BudgetWarning(Audited, InstitutionOwned, db.Model):
    """超预算预警: a Warn line let spending through beyond what was available — who, why, how much."""

    __tablename__ = "budget_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("budget_entry.id"))
    amount: Mapped[Decimal] = mapped_column(Money())  # asked
    available: Mapped[Decimal] = mapped_column(Money())  # before the spending
    reason: Mapped[str] = mapped_column(String(512), default="")
    source_label: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[BudgetLine] = relationship()
    user: Mapped[User | None] = relationship()
