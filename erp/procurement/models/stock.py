"""Stock per institution, item and batch (quantity in minimum units, value in fen), and its ledger of moves.

The value of a batch changes only by moves: a receipt adds its amount; an issue (transfer, dispensing) takes
``value × issued / on hand`` to the fen — the whole remaining value when it empties the batch — so the stock
ledger's value is exactly what the vouchers put on 1302 库存物品. Both columns are never negative (a CHECK,
and issues lock the batch row first)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution
from erp.core.money import Money, UnitPrice
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem


class StockBatch(Audited, InstitutionOwned, db.Model):
    """What an institution holds of one batch of an item at one acquisition cost (批次进价)."""

    __tablename__ = "stock_batch"
    __table_args__ = (UniqueConstraint("institution_id", "item_id", "batch", "unit_cost"),
                      CheckConstraint("quantity >= 0", name="quantity_not_negative"),
                      CheckConstraint("value >= 0", name="value_not_negative"),
                      Index("ix_stock_batch_fefo", "institution_id", "item_id", "expiry"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    batch: Mapped[str] = mapped_column(String(32))
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry: Mapped[date] = mapped_column(Date)
    unit_cost: Mapped[Decimal] = mapped_column(UnitPrice())  # per package
    quantity: Mapped[int] = mapped_column(Integer, default=0)  # minimum units
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))

    institution: Mapped[Institution] = relationship()
    item: Mapped[CatalogueItem] = relationship()


class StockMove(Audited, InstitutionOwned, db.Model):
    """One movement of a batch (signed): the stock ledger (库存台账). Written with its document, never changed."""

    __tablename__ = "stock_move"
    __table_args__ = (Index("ix_stock_move_document", "document_kind", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batch.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # receipt, transfer_out, transfer_in, dispense
    quantity: Mapped[int] = mapped_column(Integer)  # minimum units, + in / − out
    value: Mapped[Decimal] = mapped_column(Money())
    document_kind: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(Integer)
    document_line_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch_row: Mapped[StockBatch] = relationship()
