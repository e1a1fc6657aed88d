"""统一谈判: price agreements per catalogue item × supplier, with their history.

An agreement is written once and never rewritten: a new agreement for the same item and supplier supersedes
the earlier ones from its ``valid_from`` on (the earlier rows stay, ``superseded_by_id`` pointing to it), so
an order dated before the change still finds the price then in force. In force on a date = the most recent
agreement of the pair whose validity contains the date (see :mod:`erp.procurement.services.agreements`).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.models import User, enum_column
from erp.core.money import UnitPrice
from erp.core.registry import N_
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem
from erp.procurement.models.suppliers import Supplier


class Platform(str, enum.Enum):
    PROVINCIAL = "provincial"  # 省药品集中采购平台
    GUANGZHOU = "guangzhou"    # 广州药品交易平台
    SHENZHEN = "shenzhen"      # 深圳全药网
    OTHER = "other"            # 其他 (非平台, 线下)


PLATFORM_LABELS = {Platform.PROVINCIAL: N_("省平台"), Platform.GUANGZHOU: N_("广州平台"),
                   Platform.SHENZHEN: N_("深圳平台"), Platform.OTHER: N_("其他")}


class PriceAgreement(Audited, db.Model):
    __tablename__ = "price_agreement"
    __table_args__ = (
        Index("ix_price_agreement_item_supplier", "item_id", "supplier_id", "valid_from"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_ordered"),
        CheckConstraint("agreed_volume IS NULL OR agreed_volume > 0", name="agreed_volume_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())  # per package, exactly 4 decimals
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)       # inclusive; None = open-ended
    platform: Mapped[Platform] = enum_column(Platform, 16)
    platform_code: Mapped[str] = mapped_column(String(64), default="")  # the platform's product code (挂网编码)
    agreed_volume: Mapped[int | None] = mapped_column(Integer)  # 约定采购量 per year, packages (集采 带量)
    note: Mapped[str] = mapped_column(String(256), default="")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("price_agreement.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    item: Mapped[CatalogueItem] = relationship()
    supplier: Mapped[Supplier] = relationship()
    created_by: Mapped[User | None] = relationship()

    def covers(self, on_date: date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date <= self.valid_to)
