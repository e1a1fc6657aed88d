"""两个允许 performance-pay pool (绩效工资总量) per institution and year (PAYROLL.md §5), its account mapping
(data the finance officer edits) and its 核增 items."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User, enum_column
from erp.core.money import FixedDecimal, Money
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow


def Rate():
    """A rate or coefficient, exact to six places."""
    return FixedDecimal(6)


class PoolItem(str, enum.Enum):
    """The ledger figures the pool reads, each the sum of the mapped accounts."""

    MEDICAL_REVENUE = "medical_revenue"  # 医疗收入
    DRUG_REVENUE = "drug_revenue"  # 药品收入
    MATERIAL_REVENUE = "material_revenue"  # 卫生材料收入
    EXAM_REVENUE = "exam_revenue"  # 检查收入
    LAB_REVENUE = "lab_revenue"  # 化验收入
    COST = "cost"  # attributable cost C
    PERSONNEL_EXPENSE = "personnel_expense"  # 人员支出 (工资福利费用)
    BUSINESS_EXPENSE = "business_expense"  # 业务支出


POOL_ITEM_TITLES = {
    PoolItem.MEDICAL_REVENUE: N_("医疗收入"), PoolItem.DRUG_REVENUE: N_("药品收入"),
    PoolItem.MATERIAL_REVENUE: N_("卫生材料收入"), PoolItem.EXAM_REVENUE: N_("检查收入"),
    PoolItem.LAB_REVENUE: N_("化验收入"), PoolItem.COST: N_("可归集成本"),
    PoolItem.PERSONNEL_EXPENSE: N_("人员支出"), PoolItem.BUSINESS_EXPENSE: N_("业务支出"),
}


class PoolAccountMapping(Audited, db.Model):
    """One account prefix feeding one pool item (revenue: credit − debit; cost and expense: debit − credit).
    A line on an account matching several prefixes of one item counts once (the longest prefix)."""

    __tablename__ = "payroll_pool_mapping"
    __table_args__ = (UniqueConstraint("community_id", "item", "account_prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    item: Mapped[PoolItem] = enum_column(PoolItem)
    account_prefix: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(128), default="")


class PoolState(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"


POOL_STATE_TITLES = {PoolState.DRAFT: N_("草稿"), PoolState.APPROVED: N_("已审批")}
POOL_STATES = StateMachine({(PoolState.DRAFT, PoolState.APPROVED)},
                           labels={s.value: t for s, t in POOL_STATE_TITLES.items()})


class PerformancePool(Audited, InstitutionOwned, db.Model):
    """绩效工资总量 of ``year``, from the closed ledger of ``year − 1``."""

    __tablename__ = "payroll_performance_pool"
    __table_args__ = (UniqueConstraint("institution_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[PoolState] = enum_column(PoolState, 16)
    # parameters (PAYROLL.md §5, defaults from the issue; each chosen per pool)
    deduct_exam_lab: Mapped[bool] = mapped_column(default=False)  # − 检查收入 − 化验收入 (community policy)
    development_fund_rate: Mapped[Decimal] = mapped_column(Rate())  # 事业发展基金
    welfare_fund_rate: Mapped[Decimal] = mapped_column(Rate())  # 职工福利基金
    reward_share: Mapped[Decimal] = mapped_column(Rate())  # ρ ≥ 0.5
    growth: Mapped[Decimal] = mapped_column(Rate())  # g
    appraisal_score: Mapped[Decimal | None] = mapped_column(Rate())
    appraisal_factor: Mapped[Decimal] = mapped_column(Rate())  # s
    basic_share: Mapped[Decimal] = mapped_column(Rate())  # β
    previous_pool: Mapped[Decimal] = mapped_column(Money())  # last year's approved pool
    staff_count: Mapped[int] = mapped_column(Integer)
    local_average_wage: Mapped[Decimal] = mapped_column(Money())
    pay_multiple: Mapped[Decimal] = mapped_column(Rate())  # m
    personnel_share_min: Mapped[Decimal] = mapped_column(Rate())  # 人员支出/业务支出 ≥
    # results
    service_revenue: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # S
    cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # C
    surplus: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # U
    funds: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # F
    reward_room: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # R
    increases_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # Σ 核增
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # P
    basic: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # 基础性 = β × P
    incentive: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # 奖励性 = P − 基础性
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # item → {amount, accounts: [...]}
    checks: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # who last (re)computed it (sort_order: the migration appends it)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), sort_order=1)

    institution: Mapped[Institution] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    computed_by: Mapped[User | None] = relationship(foreign_keys=[computed_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    increases: Mapped[list["PoolIncrease"]] = relationship(back_populates="pool", order_by="PoolIncrease.id",
                                                           cascade="all, delete-orphan")


class PoolIncrease(Audited, InstitutionOwned, db.Model):
    """核增: an approved increase of the pool, with its reason (人才, 公益任务, 教学科研, 重点建设)."""

    __tablename__ = "payroll_pool_increase"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("payroll_performance_pool.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(256))

    pool: Mapped[PerformancePool] = relationship(back_populates="increases")
