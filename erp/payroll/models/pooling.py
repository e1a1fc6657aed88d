"""Community 统筹 of incentive pay (PAYROLL.md §6) and the distribution inside an institution (§7)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Department, Employee, Institution, User, enum_column
from erp.core.money import Money
from erp.core.timeutil import UTCDateTime, utcnow
from erp.payroll.models.performance_pool import POOL_STATE_TITLES, POOL_STATES, PoolState, Rate


# a 统筹 plan has the pool's lifecycle, declared once: 草稿 → 已审批
PlanState, PLAN_STATE_TITLES, PLAN_STATES = PoolState, POOL_STATE_TITLES, POOL_STATES


class PoolingPlan(Audited, InstitutionOwned, db.Model):
    """The lead hospital's 统筹 of one year: members give τ of their 奖励性 amount, redistributed by weights."""

    __tablename__ = "payroll_pooling_plan"
    __table_args__ = (UniqueConstraint("institution_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[PlanState] = enum_column(PlanState, 16)
    share: Mapped[Decimal] = mapped_column(Rate())  # τ
    floor: Mapped[Decimal] = mapped_column(Rate())  # λ: grassroots average ≥ λ × lead average
    coefficients: Mapped[dict] = mapped_column(JSON)  # {"tiers": {kind: c}, "general_practitioner": c, ...}
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    floor_applied: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    institution: Mapped[Institution] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list["PoolingLine"]] = relationship(back_populates="plan", order_by="PoolingLine.id",
                                                      cascade="all, delete-orphan")


class PoolingLine(Audited, InstitutionOwned, db.Model):
    """One member's part in the plan (scoped like the plan: ``institution_id`` is the lead hospital)."""

    __tablename__ = "payroll_pooling_line"
    __table_args__ = (UniqueConstraint("plan_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payroll_pooling_plan.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    incentive: Mapped[Decimal] = mapped_column(Money())  # the member's 奖励性 amount (its approved pool)
    contributed: Mapped[Decimal] = mapped_column(Money())  # τ × incentive
    fte: Mapped[Decimal] = mapped_column(Rate())  # other posts
    fte_general_practitioner: Mapped[Decimal] = mapped_column(Rate())
    fte_public_health: Mapped[Decimal] = mapped_column(Rate())
    tier: Mapped[Decimal] = mapped_column(Rate())
    appraisal_factor: Mapped[Decimal] = mapped_column(Rate())
    weight: Mapped[Decimal] = mapped_column(Rate())
    allocation: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))

    plan: Mapped[PoolingPlan] = relationship(back_populates="lines")
    member: Mapped[Institution] = relationship(foreign_keys=[member_id])


class Distribution(Audited, InstitutionOwned, db.Model):
    """科室二次分配: an institution's incentive amount to departments, then to people by points × quality."""

    __tablename__ = "payroll_distribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))  # e.g. "2026年第一季度"
    amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    institution: Mapped[Institution] = relationship()
    departments: Mapped[list["DistributionDepartment"]] = relationship(
        back_populates="distribution", order_by="DistributionDepartment.id", cascade="all, delete-orphan")
    people: Mapped[list["DistributionShare"]] = relationship(
        back_populates="distribution", order_by="DistributionShare.id", cascade="all, delete-orphan")


class DistributionDepartment(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_distribution_department"

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(ForeignKey("payroll_distribution.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    weight: Mapped[Decimal] = mapped_column(Rate())
    amount: Mapped[Decimal] = mapped_column(Money())
    points: Mapped[Decimal] = mapped_column(Rate())  # Σ points × quality of its people
    point_value: Mapped[Decimal] = mapped_column(Rate())  # amount ÷ points

    distribution: Mapped[Distribution] = relationship(back_populates="departments")
    department: Mapped[Department] = relationship()


class DistributionShare(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_distribution_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(ForeignKey("payroll_distribution.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    points: Mapped[Decimal] = mapped_column(Rate())
    quality: Mapped[Decimal] = mapped_column(Rate())
    amount: Mapped[Decimal] = mapped_column(Money())

    distribution: Mapped[Distribution] = relationship(back_populates="people")
    department: Mapped[Department] = relationship()
    employee: Mapped[Employee] = relationship()
