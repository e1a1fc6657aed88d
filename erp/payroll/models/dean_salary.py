"""院长年薪 (PAYROLL.md §8): approved per year outside the pool, funded by its own government source; the base
advanced monthly (twelve advances summing exactly to it), the rest settled after the appraisal."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Employee, FundingSource, Institution, User, enum_column
from erp.core.money import Money
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.payroll.models.performance_pool import Rate


class DeanSalaryState(str, enum.Enum):
    DRAFT = "draft"  # recorded, waiting for another user's approval
    APPROVED = "approved"  # advances being paid
    SETTLED = "settled"  # appraisal score in, settlement computed (and posted)


DEAN_STATE_TITLES = {DeanSalaryState.DRAFT: N_("待核定"), DeanSalaryState.APPROVED: N_("已核定"),
                     DeanSalaryState.SETTLED: N_("已清算")}
DEAN_STATES = StateMachine({(DeanSalaryState.DRAFT, DeanSalaryState.APPROVED),
                            (DeanSalaryState.APPROVED, DeanSalaryState.SETTLED)},
                           labels={s.value: t for s, t in DEAN_STATE_TITLES.items()})


class DeanSalary(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_dean_salary"
    __table_args__ = (UniqueConstraint("employee_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[DeanSalaryState] = enum_column(DeanSalaryState, 16)
    standard: Mapped[Decimal] = mapped_column(Money())  # Y_std
    base: Mapped[Decimal] = mapped_column(Money())  # Y_base
    cap_multiple: Mapped[Decimal] = mapped_column(Rate())  # c
    average_pay: Mapped[Decimal] = mapped_column(Money())  # the hospital's average pay (for the cap)
    pass_mark: Mapped[Decimal] = mapped_column(Rate())
    funding_source_id: Mapped[int] = mapped_column(ForeignKey("funding_source.id"))
    score: Mapped[Decimal | None] = mapped_column(Rate())
    annual: Mapped[Decimal | None] = mapped_column(Money())  # Y
    advanced: Mapped[Decimal | None] = mapped_column(Money())
    settlement: Mapped[Decimal | None] = mapped_column(Money())  # Y − advances (negative: recovered)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 核定 by another user (sort_order: the migration appends them)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, sort_order=1)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), sort_order=1)

    institution: Mapped[Institution] = relationship()
    employee: Mapped[Employee] = relationship()
    funding_source: Mapped[FundingSource] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    advances: Mapped[list["DeanAdvance"]] = relationship(back_populates="salary", order_by="DeanAdvance.month",
                                                         cascade="all, delete-orphan")


class DeanAdvance(Audited, InstitutionOwned, db.Model):
    """One monthly advance of the base salary; ``paid_at`` once posted through the ledger's door."""

    __tablename__ = "payroll_dean_advance"
    __table_args__ = (UniqueConstraint("salary_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salary_id: Mapped[int] = mapped_column(ForeignKey("payroll_dean_salary.id"), index=True)
    month: Mapped[int] = mapped_column(SmallInteger)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    salary: Mapped[DeanSalary] = relationship(back_populates="advances")
