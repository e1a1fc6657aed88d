"""统一采购: purchase orders, one per supplier and platform for a period, consolidated from the members'
approved requisition lines; and the chief accountant's 非网采 authorisations for items without an agreement.

A purchase order belongs to the community's purchasing institution (the lead hospital, which holds the one
procurement account); each line keeps the agreement it was priced from — or the override that allowed it —
and the requisition lines it serves point to it.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User, enum_column
from erp.core.money import UnitPrice, quantize_fen
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.agreements import Platform, PriceAgreement
from erp.procurement.models.catalogue import CatalogueItem
from erp.procurement.models.suppliers import Supplier


class OrderState(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    CANCELLED = "cancelled"


ORDER_LABELS = {"draft": N_("待审批"), "approved": N_("已审批"), "cancelled": N_("已作废")}
# approved → draft: a line of an approved order was cancelled, its new total needs approving again
ORDER_STATES = StateMachine({("draft", "approved"), ("draft", "cancelled"), ("approved", "draft")},
                            labels=ORDER_LABELS)


class PurchaseOrder(Audited, InstitutionOwned, db.Model):
    __tablename__ = "purchase_order"
    __table_args__ = (UniqueConstraint("institution_id", "number"),
                      Index("ix_purchase_order_period", "institution_id", "year", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    order_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    platform: Mapped[Platform] = enum_column(Platform, 16)
    platform_order_no: Mapped[str] = mapped_column(String(64), default="")  # the trading platform's order number
    state: Mapped[OrderState] = enum_column(OrderState, 16)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    supplier: Mapped[Supplier] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(back_populates="order",
                                                            order_by="PurchaseOrderLine.line_no")

    @property
    def state_title(self) -> str:
        return ORDER_LABELS[self.state.value]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines if not line.cancelled), Decimal("0"))


class PurchaseOrderLine(Audited, InstitutionOwned, db.Model):
    """One item of an order: quantity in packages, the agreed unit price per package. ``online`` = bought on
    the trading platform under an agreement (网采); an override line is 非网采. ``received`` counts the
    packages on receipts (drafts included), never above ``quantity``."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("received >= 0 AND received <= quantity", name="received_within_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("price_agreement.id"))
    override_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_override.id"))
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(String(256), default="")

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[CatalogueItem] = relationship()
    agreement: Mapped[PriceAgreement | None] = relationship()
    override: Mapped["PurchaseOverride | None"] = relationship()

    @property
    def amount(self) -> Decimal:
        """Packages × unit price, to the fen (ROUND_HALF_UP)."""
        return quantize_fen(Decimal(self.quantity) * self.unit_price)

    # the requisition lines this line serves (set by consolidation, cleared when the line is cancelled)
    requisition_lines: Mapped[list["RequisitionLine"]] = relationship(  # noqa: F821 (models.requisition)
        viewonly=True, order_by="RequisitionLine.id", primaryjoin="PurchaseOrderLine.id == foreign(RequisitionLine.po_line_id)")


class PurchaseOverride(Audited, InstitutionOwned, db.Model):
    """The chief accountant allows buying an item without an agreement in force (非网采) from a supplier at a
    price, for the orders of one period, with a reason."""

    __tablename__ = "purchase_override"
    __table_args__ = (UniqueConstraint("institution_id", "item_id", "year", "month"),
                      CheckConstraint("unit_price > 0", name="unit_price_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(256))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[CatalogueItem] = relationship()
    supplier: Mapped[Supplier] = relationship()
    approved_by: Mapped[User] = relationship()
