"""统一配送 onwards: transfers from the central pharmacy to members (at cost, first expiry first out, 内部往来
on both sides) and dispensing / consumption by members at the zero-markup price (revenue = cost)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Department, Institution, User, enum_column
from erp.core.money import Money
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem


class MovementState(str, enum.Enum):
    DRAFT = "draft"
    POSTED = "posted"
    CANCELLED = "cancelled"


MOVEMENT_LABELS = {"draft": "草稿", "posted": "已记账", "cancelled": "已作废"}
MOVEMENT_STATES = StateMachine({("draft", "posted"), ("draft", "cancelled")}, labels=MOVEMENT_LABELS)


class Transfer(Audited, InstitutionOwned, db.Model):
    """配送调拨: ``institution_id`` issues (the central pharmacy), ``to_institution_id`` receives."""

    __tablename__ = "stock_transfer"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    to_institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    state: Mapped[MovementState] = enum_column(MovementState, 16)
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    memo: Mapped[str] = mapped_column(String(256), default="")
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship(foreign_keys="Transfer.institution_id")
    to_institution: Mapped[Institution] = relationship(foreign_keys=[to_institution_id])
    preparer: Mapped[User | None] = relationship(foreign_keys=[preparer_id])
    lines: Mapped[list["TransferLine"]] = relationship(back_populates="transfer", order_by="TransferLine.line_no",
                                                       cascade="all, delete-orphan")

    @property
    def state_title(self) -> str:
        return MOVEMENT_LABELS[self.state.value]

    @property
    def receiver(self) -> Institution:
        """The receiving member, also for a user who sees only the issuer (its code and name are shared)."""
        if self.to_institution is not None:
            return self.to_institution
        return object_session(self).scalar(select(Institution).where(Institution.id == self.to_institution_id)
                                           .execution_options(skip_scope=True))


class TransferLine(Audited, InstitutionOwned, db.Model):
    """An item asked to be sent, in minimum units; its value is known once posted (the batches it took)."""

    __tablename__ = "stock_transfer_line"
    __table_args__ = (UniqueConstraint("transfer_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfer.id"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # minimum units
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    transfer: Mapped[Transfer] = relationship(back_populates="lines")
    item: Mapped[CatalogueItem] = relationship()


class Dispensing(Audited, InstitutionOwned, db.Model):
    """发药 / 领用: a member's dispensing (or a department's consumption) from its own stock, at the selling
    price — the acquisition cost (零差率) — posting revenue and cost at equal amounts."""

    __tablename__ = "dispensing"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    setting: Mapped[str] = mapped_column(String(16), default="outpatient")  # outpatient | inpatient
    payer: Mapped[str] = mapped_column(String(32))  # the partner who settles (医保局 …): the receivable's partner
    state: Mapped[MovementState] = enum_column(MovementState, 16)
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    memo: Mapped[str] = mapped_column(String(256), default="")
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    department: Mapped[Department] = relationship()
    lines: Mapped[list["DispensingLine"]] = relationship(back_populates="dispensing",
                                                         order_by="DispensingLine.line_no", cascade="all, delete-orphan")

    @property
    def state_title(self) -> str:
        return MOVEMENT_LABELS[self.state.value]


class DispensingLine(Audited, InstitutionOwned, db.Model):
    """An item dispensed, in minimum units, with the box's 追溯码 (``split_pack``: 拆零). Without a code the line
    is flagged ``no_code`` (无码不结算 since 2025-07-01)."""

    __tablename__ = "dispensing_line"
    __table_args__ = (UniqueConstraint("dispensing_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dispensing_id: Mapped[int] = mapped_column(ForeignKey("dispensing.id"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # minimum units
    trace_code: Mapped[str | None] = mapped_column(String(30))
    split_pack: Mapped[bool] = mapped_column(Boolean, default=False)
    no_code: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))  # cost = revenue

    dispensing: Mapped[Dispensing] = relationship(back_populates="lines")
    item: Mapped[CatalogueItem] = relationship()
