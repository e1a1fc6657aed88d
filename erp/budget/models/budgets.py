"""全面预算: a member's budget for a fiscal year, its versions (the original and each 预算调整) and the lines in force.

A :class:`Budget` goes draft → submitted → approved → executing (→ closed at 决算). Its lines are proposed in
a :class:`BudgetVersion` (version 1 is the original budget; every adjustment is a further version with its
reason, approved on its own); approving a version writes its amounts into the live :class:`BudgetLine` rows,
which also keep the running totals that control reads under a row lock (committed, actual).
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Department, FundingSource, Institution, User, enum_column
from erp.core.money import Money
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow

MONTHS = tuple(f"m{month:02d}" for month in range(1, 13))
ZERO = Decimal("0.00")


class BudgetState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    EXECUTING = "executing"
    CLOSED = "closed"


BUDGET_STATE_TITLES = {"draft": N_("编制中"), "submitted": N_("已报送"), "approved": N_("已批复"),
                       "executing": N_("执行中"), "closed": N_("已决算")}
BUDGET_STATES = StateMachine({("draft", "submitted"), ("submitted", "draft"), ("submitted", "approved"),
                              ("approved", "executing"), ("executing", "closed")}, labels=BUDGET_STATE_TITLES)


class VersionState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


VERSION_STATE_TITLES = {"draft": N_("编制中"), "submitted": N_("待审批"), "approved": N_("已批准"),
                        "rejected": N_("已驳回")}
VERSION_STATES = StateMachine({("draft", "submitted"), ("submitted", "approved"), ("submitted", "rejected"),
                               ("submitted", "draft")}, labels=VERSION_STATE_TITLES)


class Control(str, enum.Enum):
    STOP = "stop"  # refuse
    WARN = "warn"  # allow, record the warning
    IGNORE = "ignore"


CONTROL_TITLES = {"stop": N_("超支禁止"), "warn": N_("超支预警"), "ignore": N_("不控制")}
CHECK_PERIODS = {"annual": "按年度", "ytd": "按月累计"}


class MonthlyPhasing:
    """Twelve monthly amounts (m01 … m12) summing to ``amount``."""

    m01: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m02: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m03: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m04: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m05: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m06: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m07: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m08: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m09: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m10: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m11: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    m12: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    @property
    def months(self) -> list[Decimal]:
        return [getattr(self, name) or ZERO for name in MONTHS]

    def planned_through(self, month: int) -> Decimal:
        return sum(self.months[:month], ZERO)


class Budget(Audited, InstitutionOwned, db.Model):
    """一个成员单位一个预算年度的预算."""

    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("institution_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[BudgetState] = enum_column(BudgetState, 16)
    title: Mapped[str] = mapped_column(String(128), default="")
    version: Mapped[int] = mapped_column(SmallInteger, default=0)  # the version in force (0: none approved yet)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    versions: Mapped[list["BudgetVersion"]] = relationship(back_populates="budget", order_by="BudgetVersion.number")
    lines: Mapped[list["BudgetLine"]] = relationship(back_populates="budget", order_by="BudgetLine.id")

    @property
    def state_title(self) -> str:
        return BUDGET_STATE_TITLES[self.state.value]


class BudgetVersion(Audited, InstitutionOwned, db.Model):
    """预算版本: number 1 is the original budget, each later one an adjustment (预算调整) with its reason."""

    __tablename__ = "budget_version"
    __table_args__ = (UniqueConstraint("budget_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[VersionState] = enum_column(VersionState, 16)
    reason: Mapped[str] = mapped_column(String(512), default="")
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    budget: Mapped[Budget] = relationship(back_populates="versions")
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list["BudgetVersionLine"]] = relationship(back_populates="version", order_by="BudgetVersionLine.id",
                                                            cascade="all, delete-orphan")

    @property
    def state_title(self) -> str:
        return VERSION_STATE_TITLES[self.state.value]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


class LineKey:
    """What identifies a budget line: the expenditure account × department × funding source."""

    account_id: Mapped[int]
    department_id: Mapped[int | None]
    funding_source_id: Mapped[int | None]

    @property
    def key(self) -> tuple:
        return self.account_id, self.department_id, self.funding_source_id

    @property
    def label(self) -> str:
        parts = [f"{self.account.code} {self.account.name}"]
        parts.append(self.department.name if self.department else "全部科室")
        parts.append(self.funding_source.name if self.funding_source else "全部资金来源")
        return " / ".join(parts)


class BudgetVersionLine(LineKey, MonthlyPhasing, Audited, InstitutionOwned, db.Model):
    """A line as a version proposes it."""

    __tablename__ = "budget_version_line"
    __table_args__ = (Index("uq_budget_version_line", "version_id", "account_id", text("coalesce(department_id, 0)"),
                            text("coalesce(funding_source_id, 0)"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("budget_version.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    funding_source_id: Mapped[int | None] = mapped_column(ForeignKey("funding_source.id"))
    control: Mapped[Control] = enum_column(Control, 8)
    check_period: Mapped[str] = mapped_column(String(8), default="annual")
    amount: Mapped[Decimal] = mapped_column(Money())
    memo: Mapped[str] = mapped_column(String(256), default="")

    version: Mapped[BudgetVersion] = relationship(back_populates="lines")
    account = relationship("Account")
    department: Mapped[Department | None] = relationship()
    funding_source: Mapped[FundingSource | None] = relationship()


class BudgetLine(LineKey, MonthlyPhasing, Audited, InstitutionOwned, db.Model):
    """预算指标 in force: the approved amount, its monthly phasing, the control mode, and the running totals of
    open commitments and actuals (kept here, read and changed only under this row's lock)."""

    __tablename__ = "budget_line"
    __table_args__ = (Index("uq_budget_line", "budget_id", "account_id", text("coalesce(department_id, 0)"),
                            text("coalesce(funding_source_id, 0)"), unique=True),
                      Index("ix_budget_line_lookup", "institution_id", "year", "account_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    account_code: Mapped[str] = mapped_column(String(32))  # for the longest-prefix match of posted detail accounts
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    funding_source_id: Mapped[int | None] = mapped_column(ForeignKey("funding_source.id"))
    control: Mapped[Control] = enum_column(Control, 8)
    check_period: Mapped[str] = mapped_column(String(8), default="annual")
    amount: Mapped[Decimal] = mapped_column(Money())
    committed: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    actual: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    budget: Mapped[Budget] = relationship(back_populates="lines")
    account = relationship("Account")
    department: Mapped[Department | None] = relationship()
    funding_source: Mapped[FundingSource | None] = relationship()

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed - self.actual

    def available_in(self, month: int) -> Decimal:
        """What is left under the control period: the year's amount, or the phasing up to ``month``."""
        limit = self.planned_through(month) if self.check_period == "ytd" else self.amount
        return limit - self.committed - self.actual
