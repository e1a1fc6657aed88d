"""Stock alerts: batches expiring within the community's near-expiry window (``near_expiry_months``, default
6) and formulary items whose stock is below the member's minimum (``Formulary.min_stock``, packages)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.procurement.models import CatalogueItem, Formulary, StockBatch
from erp.procurement.services.pricing import settings_for


@dataclass(frozen=True)
class BelowMinimum:
    formulary: Formulary
    on_hand: Decimal  # packages


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def near_expiry(session: Session, community_id: int, today: date) -> list[StockBatch]:
    limit = add_months(today, settings_for(session, community_id).near_expiry_months)
    return list(session.scalars(select(StockBatch).where(StockBatch.quantity > 0, StockBatch.expiry <= limit)
                                .order_by(StockBatch.expiry, StockBatch.institution_id, StockBatch.id)))


def below_minimum(session: Session) -> list[BelowMinimum]:
    held = (select(StockBatch.institution_id, StockBatch.item_id, func.sum(StockBatch.quantity).label("units"))
            .group_by(StockBatch.institution_id, StockBatch.item_id).subquery())
    rows = session.execute(
        select(Formulary, func.coalesce(held.c.units, 0), CatalogueItem.units_per_package)
        .join(CatalogueItem, CatalogueItem.id == Formulary.item_id)
        .outerjoin(held, (held.c.institution_id == Formulary.institution_id) & (held.c.item_id == Formulary.item_id))
        .where(Formulary.active.is_(True), Formulary.min_stock.is_not(None), Formulary.min_stock > 0,
               func.coalesce(held.c.units, 0) < Formulary.min_stock * CatalogueItem.units_per_package)
        .order_by(Formulary.institution_id, Formulary.item_id))
    return [BelowMinimum(formulary, Decimal(int(units)) / Decimal(per)) for formulary, units, per in rows]
