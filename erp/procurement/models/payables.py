"""统一支付: supplier invoices matched to receipts (两票制 recorded per line), and payments from the procurement
account allocated to invoices (partial payments allowed), with their due dates for the 货款支付情况公示."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, enum_column
from erp.core.money import Money, UnitPrice
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.distribution import MovementState
from erp.procurement.models.receipt import ReceiptLine
from erp.procurement.models.suppliers import Supplier, SupplierRole


class Invoice(Audited, InstitutionOwned, db.Model):
    """A supplier's invoice (发票) to the institution whose books hold the payable, matched line by line to
    accepted receipt lines. ``due_date``: the earliest acceptance date of its receipts + the payment term."""

    __tablename__ = "supplier_invoice"
    __table_args__ = (UniqueConstraint("institution_id", "number"), UniqueConstraint("supplier_id", "invoice_no"),
                      CheckConstraint("paid >= 0 AND paid <= amount", name="paid_within_amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    invoice_no: Mapped[str] = mapped_column(String(32))  # 发票号码
    invoice_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    voucher_number: Mapped[str | None] = mapped_column(String(32))  # only when the invoice differs from the receipts
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", order_by="InvoiceLine.line_no",
                                                      cascade="all, delete-orphan")

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class InvoiceLine(Audited, InstitutionOwned, db.Model):
    """One matched line. For a distributor's invoice (两票制) the upstream invoice from the manufacturer to it."""

    __tablename__ = "supplier_invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("supplier_invoice.id"), index=True)
    line_no: Mapped[int] = mapped_column(SmallInteger)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # packages
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    amount: Mapped[Decimal] = mapped_column(Money())
    upstream_invoice_no: Mapped[str] = mapped_column(String(32), default="")
    upstream_seller: Mapped[str] = mapped_column(String(128), default="")
    upstream_seller_role: Mapped[SupplierRole | None] = enum_column(SupplierRole, 16)
    upstream_date: Mapped[date | None] = mapped_column(Date)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    receipt_line: Mapped[ReceiptLine] = relationship()


class Payment(Audited, InstitutionOwned, db.Model):
    """A payment to a supplier from the procurement account: prepared, then posted by another person
    (应付账款 / 银行存款, with the 平行记账 budget lines); allocated to invoices, partially or wholly."""

    __tablename__ = "supplier_payment"
    __table_args__ = (UniqueConstraint("institution_id", "number"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    state: Mapped[MovementState] = enum_column(MovementState, 16)
    memo: Mapped[str] = mapped_column(String(256), default="")
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voucher_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    supplier: Mapped[Supplier] = relationship()
    allocations: Mapped[list["PaymentAllocation"]] = relationship(back_populates="payment",
                                                                  cascade="all, delete-orphan")


class PaymentAllocation(Audited, InstitutionOwned, db.Model):
    __tablename__ = "supplier_payment_allocation"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("supplier_payment.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("supplier_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()
