"""统一配送 — receipts (验收入库) against purchase-order lines, into the central pharmacy or straight to a
member, with their batches and the boxes' 药品追溯码 (one box, one code)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User, enum_column
from erp.core.money import Money, UnitPrice
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem
from erp.procurement.models.purchase_order import PurchaseOrder, PurchaseOrderLine
from erp.procurement.models.suppliers import Supplier


class ReceiptState(str, enum.Enum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


RECEIPT_LABELS = {"draft": N_("待验收"), "accepted": N_("已入库"), "cancelled": N_("已作废")}
RECEIPT_STATES = StateMachine({("draft", "accepted"), ("draft", "cancelled")}, labels=RECEIPT_LABELS)


class Receipt(Audited, InstitutionOwned, db.Model):
    """A delivery of one order into one institution (``institution_id``: where the goods go). Registered as a
    draft (the packages count against the order at once), accepted by another person: the stock moves and
    the voucher (库存物品 / 应付账款) is posted through the ledger's door."""

    __tablename__ = "receipt"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    state: Mapped[ReceiptState] = enum_column(ReceiptState, 16)
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    acceptance_note: Mapped[str] = mapped_column(String(256), default="")
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acceptor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    accepted_on: Mapped[date | None] = mapped_column(Date)  # 验收日期: the 30-day payment term runs from it
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voucher_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    order: Mapped[PurchaseOrder] = relationship()
    supplier: Mapped[Supplier] = relationship()
    preparer: Mapped[User | None] = relationship(foreign_keys=[preparer_id])
    acceptor: Mapped[User | None] = relationship(foreign_keys=[acceptor_id])
    lines: Mapped[list["ReceiptLine"]] = relationship(back_populates="receipt", order_by="ReceiptLine.line_no",
                                                      cascade="all, delete-orphan")

    @property
    def state_title(self) -> str:
        return RECEIPT_LABELS[self.state.value]


class ReceiptLine(Audited, InstitutionOwned, db.Model):
    __tablename__ = "receipt_line"
    __table_args__ = (UniqueConstraint("receipt_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # packages
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    amount: Mapped[Decimal] = mapped_column(Money())  # quantity × unit_price, to the fen
    batch: Mapped[str] = mapped_column(String(32))
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry: Mapped[date] = mapped_column(Date)
    stock_batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batch.id"))
    invoiced: Mapped[int] = mapped_column(Integer, default=0, server_default="0", sort_order=1)  # packages matched to supplier invoices

    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    po_line: Mapped[PurchaseOrderLine] = relationship()
    item: Mapped[CatalogueItem] = relationship()
    codes: Mapped[list["TraceCode"]] = relationship(back_populates="receipt_line", order_by="TraceCode.id")


class TraceCode(Audited, db.Model):
    """药品追溯码 of one box, unique in the community: received once; sold once unless sold as split packs
    (拆零, each sale flagged). ``dispensed`` is set by a whole-box sale."""

    __tablename__ = "trace_code"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    split_pack: Mapped[bool] = mapped_column(Boolean, default=False)  # 拆零: the box is sold in parts
    dispensed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    receipt_line: Mapped[ReceiptLine | None] = relationship(back_populates="codes")
