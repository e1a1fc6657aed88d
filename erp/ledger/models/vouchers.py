"""Vouchers (记账凭证) and their lines, the balances kept at posting and the hash chain's head."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User, enum_column
from erp.core.money import Money
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.ledger.models.chart import Account, Basis

DIMENSIONS = ("department", "partner", "funding_source", "employee", "project")
DIMENSION_COLUMNS = tuple(f"{d}_id" for d in DIMENSIONS)


class VoucherState(str, enum.Enum):
    DRAFT = "draft"  # 制单: entered, may be corrected
    REVIEWED = "reviewed"  # 审核: checked by someone other than the preparer; 取消审核 makes it a draft again
    POSTED = "posted"  # 记账: numbered, chained, in the balances; immutable


# A voucher's status (``Voucher.status``): 制单 → 审核 → 记账; 取消审核 before posting; a posted voucher is
# reversed (红字冲销) once.
VOUCHER_STATES = StateMachine({("draft", "reviewed"), ("reviewed", "draft"), ("reviewed", "posted"),
                               ("posted", "reversed")}, field="status",
                              labels={"draft": "未审核", "reviewed": "已审核", "posted": "已记账", "reversed": "已冲销"})
PEOPLE_COLUMNS = ("preparer_id", "reviewer_id", "poster_id", "cashier_id")  # 制单, 审核, 记账, 出纳
SOURCE_COLUMNS = ("source_module", "source_kind", "source_key", "source_label", "source_url", "template_version")


class VoucherKind(str, enum.Enum):
    NORMAL = "normal"
    REVERSAL = "reversal"  # 红字冲销
    CLOSING = "closing"  # 年终结转
    OPENING = "opening"  # 期初建账


class Voucher(Audited, InstitutionOwned, db.Model):
    """记账凭证. Posted vouchers are immutable; a reversal is a new voucher pointing to the original."""

    __tablename__ = "voucher"
    # a chain position is taken once per institution (and found at once by the chain head's trigger)
    __table_args__ = (UniqueConstraint("institution_id", "number"), UniqueConstraint("institution_id", "chain_seq"),
                      Index("ix_voucher_period", "institution_id", "year", "month"))
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    date: Mapped[date] = mapped_column(Date)
    number: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[VoucherState] = enum_column(VoucherState, 8)
    kind: Mapped[VoucherKind] = enum_column(VoucherKind, 8)
    memo: Mapped[str] = mapped_column(String(256), default="")
    attachment_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"), unique=True)
    internal_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # 内部往来 shared reference
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The source document of a voucher posted through the ledger's document door (None for a hand voucher)
    # and the posting-template version used; covered by the hash. Added after the table's first columns
    # (sort_order): the migration appends them.
    source_module: Mapped[str | None] = mapped_column(String(32), sort_order=1)
    source_kind: Mapped[str | None] = mapped_column(String(32), sort_order=1)
    source_key: Mapped[str | None] = mapped_column(String(64), sort_order=1)
    source_label: Mapped[str | None] = mapped_column(String(64), sort_order=1)
    source_url: Mapped[str | None] = mapped_column(String(256), sort_order=1)
    template_version: Mapped[str | None] = mapped_column(String(64), sort_order=1)
    # 审核 and 出纳签字 (added later: appended by their migration). Covered by the hash when the reviewer is set.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), sort_order=2)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, sort_order=2)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), sort_order=2)
    cashier_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, sort_order=2)

    institution: Mapped[Institution] = relationship()
    preparer: Mapped[User | None] = relationship(foreign_keys=[preparer_id])
    poster: Mapped[User | None] = relationship(foreign_keys=[poster_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    cashier: Mapped[User | None] = relationship(foreign_keys=[cashier_id])
    reversal_of: Mapped["Voucher | None"] = relationship(remote_side=[id], foreign_keys=[reversal_of_id])
    reversed_by: Mapped["Voucher | None"] = relationship(foreign_keys=[reversal_of_id], viewonly=True,
                                                         overlaps="reversal_of")
    lines: Mapped[list["VoucherLine"]] = relationship(back_populates="voucher", order_by="VoucherLine.line_no",
                                                      cascade="all, delete-orphan")

    @property
    def display_number(self) -> str:
        """The 记- number once posted; before, the provisional 草-NNNNNN (from the id: stable while the draft
        is corrected, never reused) that people use to talk about a draft. The gapless 记- number is given at
        posting, so that drafts deleted or left in a month never leave gaps."""
        return self.number or f"草-{self.id:06d}"

    @property
    def status(self) -> str:
        """draft / reviewed / posted / reversed: a reversed voucher's row stays as posted; its reversal marks it."""
        if self.state is VoucherState.POSTED and self.reversed_by is not None:
            return "reversed"
        return self.state.value


class VoucherLine(Audited, InstitutionOwned, db.Model):
    """凭证分录. ``generated`` lines are the budget-accounting side created by 平行记账 at posting."""

    __tablename__ = "voucher_line"
    __table_args__ = (Index("ix_voucher_line_account", "institution_id", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    basis: Mapped[Basis] = enum_column(Basis, 16)
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    funding_source_id: Mapped[int | None] = mapped_column(ForeignKey("funding_source.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    memo: Mapped[str] = mapped_column(String(256), default="")
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    # 现金流量项目 of a line on a cash account (1001/1002/1011/1021); none: the 现金流量表 derives it from the
    # voucher's counter-accounts (erp/ledger/data/statements/cash_flow_defaults.csv)
    cash_flow_item: Mapped[str | None] = mapped_column(String(32), sort_order=1)  # added last (the migration)

    voucher: Mapped[Voucher] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()


class Balance(InstitutionOwned, db.Model):
    """科目余额 per (institution, account, year, month, dimensions), kept at posting so that reports never
    scan lines. Month 0 holds the balance brought forward (上年结转). Absent dimensions are 0."""

    __tablename__ = "balance"
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    partner_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    funding_source_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    project_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))


class LedgerSettings(Audited, db.Model):
    """The community's voucher workflow settings (one row per community; absent = the defaults); every
    change is in the audit log."""

    __tablename__ = "ledger_settings"
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), primary_key=True)
    # 记账 may be done by the reviewer (True) or only by another bookkeeper (False)
    poster_may_review: Mapped[bool] = mapped_column(Boolean, default=True)
    # vouchers touching cash or bank (the ``ledger.cashier`` posting template) need 出纳签字 before posting
    cashier_sign: Mapped[bool] = mapped_column(Boolean, default=False)


class LedgerChainHead(db.Model):
    """Last posted voucher hash per institution; locked while posting (serialises the chain)."""

    __tablename__ = "ledger_chain_head"
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
