"""Government money: fiscal funds received by the community and allocated to members (统一拨付), the
position of each (member, funding source) that spending is checked against, 基本公共卫生服务经费 and the 医保
global budget (总额预算, 结余留用, 合理超支分担)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import FundingSource, Institution, User
from erp.core.money import FixedDecimal, Money
from erp.core.timeutil import UTCDateTime, utcnow
from erp.budget.models.budgets import ZERO

RATIO = FixedDecimal(6)  # shares and ratios, exactly to 6 places


class VoucherRef:
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"))
    voucher_number: Mapped[str | None] = mapped_column(String(32))


class FundReceipt(VoucherRef, Audited, InstitutionOwned, db.Model):
    """财政资金到账: a fund received by the community (booked by the receiving institution, the lead hospital)."""

    __tablename__ = "fund_receipt"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    funding_source_id: Mapped[int] = mapped_column(ForeignKey("funding_source.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32), default="fiscal_revenue")  # the template's revenue role
    amount: Mapped[Decimal] = mapped_column(Money())
    date: Mapped[date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(256), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # who entered it (制单)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    funding_source: Mapped[FundingSource] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    allocations: Mapped[list["FundAllocation"]] = relationship(back_populates="receipt",
                                                               order_by="FundAllocation.id")

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


class FundAllocation(VoucherRef, Audited, InstitutionOwned, db.Model):
    """资金拨付成员单位: part of a receipt passed to a member along the original channel. ``institution`` is the
    member; the lead's voucher (对附属单位补助) is ``lead_voucher_*``."""

    __tablename__ = "fund_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("fund_receipt.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    date: Mapped[date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(256), default="")
    lead_voucher_number: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    receipt: Mapped[FundReceipt] = relationship(back_populates="allocations")
    institution: Mapped[Institution] = relationship()


class FundPosition(Audited, InstitutionOwned, db.Model):
    """What a funding source has given an institution (granted) and what it has spent of it (budget
    expenditure posted with that source). Locked while spending is checked; one row per (institution, source)."""

    __tablename__ = "fund_position"
    __table_args__ = (UniqueConstraint("institution_id", "funding_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_source_id: Mapped[int] = mapped_column(ForeignKey("funding_source.id"))
    granted: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    spent: Mapped[Decimal] = mapped_column(Money(), default=ZERO)

    institution: Mapped[Institution] = relationship()
    funding_source: Mapped[FundingSource] = relationship()


class PublicHealthFund(Audited, db.Model):
    """基本公共卫生服务经费 of a year: population × per-capita standard, pre-allocated in part, the rest by score."""

    __tablename__ = "public_health_fund"
    __table_args__ = (UniqueConstraint("community_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    per_capita: Mapped[Decimal] = mapped_column(Money())
    pre_allocation_share: Mapped[Decimal] = mapped_column(RATIO)
    total: Mapped[Decimal] = mapped_column(Money())
    pre_allocation: Mapped[Decimal] = mapped_column(Money())
    funding_source_id: Mapped[int | None] = mapped_column(ForeignKey("funding_source.id"))
    stage: Mapped[str] = mapped_column(String(16), default="budgeted")  # budgeted, pre_allocated, settled
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    funding_source: Mapped[FundingSource | None] = relationship()
    shares: Mapped[list["PublicHealthShare"]] = relationship(back_populates="fund", order_by="PublicHealthShare.id")

    @property
    def remainder(self) -> Decimal:
        return self.total - self.pre_allocation


class PublicHealthShare(Audited, InstitutionOwned, db.Model):
    """A member's part: ``stage`` pre (by population served) or final (by appraisal score)."""

    __tablename__ = "public_health_share"
    __table_args__ = (UniqueConstraint("fund_id", "stage", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("public_health_fund.id"), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    basis: Mapped[Decimal] = mapped_column(RATIO)  # population served or score
    amount: Mapped[Decimal] = mapped_column(Money())
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("fund_allocation.id"))

    fund: Mapped[PublicHealthFund] = relationship(back_populates="shares")
    institution: Mapped[Institution] = relationship()


class InsuranceBudget(Audited, db.Model):
    """医保总额预算 of a year (004 §10) with its inputs, the monthly settlements and the year-end result."""

    __tablename__ = "insurance_budget"
    __table_args__ = (UniqueConstraint("community_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    funding_total: Mapped[Decimal] = mapped_column(Money())
    previous_funding_total: Mapped[Decimal] = mapped_column(Money())
    serious_illness_fund: Mapped[Decimal] = mapped_column(Money())
    share: Mapped[Decimal] = mapped_column(RATIO)
    reserve_rate: Mapped[Decimal] = mapped_column(RATIO)
    overspend_share: Mapped[Decimal] = mapped_column(RATIO)  # the community's part of a reasonable overspend
    risk_reserve: Mapped[Decimal] = mapped_column(Money())
    base: Mapped[Decimal] = mapped_column(Money())
    community_budget: Mapped[Decimal] = mapped_column(Money())
    spent: Mapped[Decimal | None] = mapped_column(Money())
    surplus: Mapped[Decimal | None] = mapped_column(Money())  # negative: the community's part of an overspend
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    months: Mapped[list["InsuranceMonth"]] = relationship(back_populates="budget", order_by="InsuranceMonth.month")
    allocations: Mapped[list["InsuranceAllocation"]] = relationship(back_populates="budget",
                                                                    order_by="InsuranceAllocation.id")

    @property
    def settled_to_date(self) -> Decimal:
        return sum((m.amount for m in self.months), ZERO)

    @property
    def remaining(self) -> Decimal:
        """What is left of the community budget after the months settled so far (negative: overspent)."""
        return self.community_budget - self.settled_to_date


class InsuranceMonth(VoucherRef, Audited, db.Model):
    """A month's 医保 settlement against the global budget: what the insurer paid the community for the month,
    booked by the lead hospital (Dr 银行存款 / Cr 应收医疗款（医保）), once per month."""

    __tablename__ = "insurance_month"
    __table_args__ = (UniqueConstraint("budget_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("insurance_budget.id"), index=True)
    month: Mapped[int] = mapped_column(SmallInteger)
    amount: Mapped[Decimal] = mapped_column(Money())
    date: Mapped[date | None] = mapped_column(Date)

    budget: Mapped[InsuranceBudget] = relationship(back_populates="months")


class InsuranceAllocation(VoucherRef, Audited, InstitutionOwned, db.Model):
    """A member's part of the surplus (结余留用, positive) or of the community's overspend (negative)."""

    __tablename__ = "insurance_allocation"
    __table_args__ = (UniqueConstraint("budget_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("insurance_budget.id"), index=True)
    score: Mapped[Decimal] = mapped_column(RATIO)
    amount: Mapped[Decimal] = mapped_column(Money())

    budget: Mapped[InsuranceBudget] = relationship(back_populates="allocations")
    institution: Mapped[Institution] = relationship()


class BudgetParameter(Audited, db.Model):
    """A dated, per-community parameter of the money rules (DOMAIN.md's "(param)"): the value in force on a day is
    the one with the latest ``valid_from`` on or before it; without a row the default of
    :data:`erp.budget.services.parameters.DEFAULTS` applies."""

    __tablename__ = "budget_parameter"
    __table_args__ = (UniqueConstraint("community_id", "key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(RATIO)
    note: Mapped[str] = mapped_column(String(256), default="")
