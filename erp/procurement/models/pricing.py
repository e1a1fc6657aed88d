"""零差率 (zero markup): the community's procurement parameters and each member's selling prices.

The rule (see ZERO_MARKUP.md at the repository root and :mod:`erp.procurement.services.pricing`): a drug's or
consumable's dispensing price is the acquisition cost of the batch dispensed (per package; per minimum unit
exactly proportional); a 中药饮片's price may carry a markup up to ``herbal_markup_cap``. ``selling_price``
holds, per member × item, the current acquisition cost and the price in force; on PostgreSQL a trigger
(``procurement_zero_markup_guard``, installed by the migration) refuses a row whose price breaks the rule,
whoever writes it.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User
from erp.core.money import FixedDecimal, UnitPrice
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem

RATIO_SCALE = 4  # ratios (0.2500 = 25%) keep 4 decimals, exactly


class ProcurementSettings(Audited, db.Model):
    """The community's procurement parameters (one row per community, made by the install data)."""

    __tablename__ = "procurement_settings"
    __table_args__ = (
        CheckConstraint("herbal_markup_cap >= 0", name="herbal_markup_cap_non_negative"),
        CheckConstraint("compensation_price + compensation_subsidy + compensation_absorbed = 10000",
                        name="compensation_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), unique=True)
    # 中药饮片 may be sold at cost × (1 + cap) at most (inclusive)
    herbal_markup_cap: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.25"))
    # the abolished markup, for the revenue-forgone report
    former_markup: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.15"))
    # compensation of the forgone revenue: price adjustment / fiscal subsidy / absorbed (sum 1)
    compensation_price: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.80"))
    compensation_subsidy: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.10"))
    compensation_absorbed: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.10"))
    near_expiry_months: Mapped[int] = mapped_column(Integer, default=6)
    payment_term_days: Mapped[int] = mapped_column(Integer, default=30)  # due = acceptance date + term
    match_tolerance: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0"))  # 3-way match
    online_target_drugs: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.90"))
    online_target_high_value: Mapped[Decimal] = mapped_column(FixedDecimal(RATIO_SCALE), default=Decimal("0.80"))


class SellingPrice(Audited, InstitutionOwned, db.Model):
    """A member's price of an item, per package: ``cost_price`` is the latest acquisition cost, ``price`` the
    price in force. Drugs and consumables: price = cost_price, always. 中药饮片: price ≤ cost_price × (1 + cap).
    Every change is in the audit log."""

    __tablename__ = "selling_price"
    __table_args__ = (
        UniqueConstraint("institution_id", "item_id"),
        CheckConstraint("cost_price >= 0 AND price >= 0", name="prices_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    cost_price: Mapped[Decimal] = mapped_column(UnitPrice())
    price: Mapped[Decimal] = mapped_column(UnitPrice())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    item: Mapped[CatalogueItem] = relationship()
    institution: Mapped[Institution] = relationship()
    updated_by: Mapped[User | None] = relationship()
