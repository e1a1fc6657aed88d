"""零差率: the rule that sets every selling price, checked here for every write (and on PostgreSQL again by the
``procurement_zero_markup_guard`` trigger, so raw SQL cannot break it either).

- Drugs and consumables sell at acquisition cost: the dispensing price of a batch is the batch's unit cost
  per package; per minimum unit it is exactly proportional (:func:`line_amount` rounds only the line's amount
  to the fen, never a unit price).
- 中药饮片 may carry a markup: price ≤ cost × (1 + cap), the cap a community parameter (default 25%,
  inclusive). The price a member sets is kept with the cost it was set against; a batch of another cost
  sells at the same ratio (:func:`dispensing_price`, rounded down to 4 decimals so it never passes the cap).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import Institution, User
from erp.core.money import MoneyError, parse_amount, quantize_fen
from erp.core.timeutil import local_today
from erp.procurement.models import CatalogueItem, ProcurementSettings, SellingPrice
from erp.procurement.services.agreements import agreement_in_force, parse_unit_price
from erp.procurement.services.common import flush_or_conflict

PRICE_QUANTUM = Decimal("0.0001")


class ZeroMarkup(BusinessError):
    """A price above what 零差率 allows (any markup on a drug or consumable; above the cap on 中药饮片)."""

    code = "zero_markup"


class NoCost(BusinessError):
    code = "no_cost"


def settings_for(session: Session, community_id: int) -> ProcurementSettings:
    """The community's procurement parameters; the defaults (unsaved) when the install data has not run."""
    found = session.scalar(select(ProcurementSettings).where(ProcurementSettings.community_id == community_id))
    if found is None:
        found = ProcurementSettings(community_id=community_id)
        for column in ProcurementSettings.__table__.columns:
            if getattr(found, column.key) is None and column.default is not None and column.default.is_scalar:
                setattr(found, column.key, column.default.arg)
    return found


def install_settings(session: Session, community_id: int) -> ProcurementSettings:
    """The install data: the community's parameter row with the defaults (idempotent)."""
    found = session.scalar(select(ProcurementSettings).where(ProcurementSettings.community_id == community_id))
    if found is None:
        found = settings_for(session, community_id)
        session.add(found)
        session.flush()
    return found


def price_text(value: Decimal | None) -> str:
    """A price as shown in messages: 4 places (a stored UnitPrice carries 6)."""
    return "（未知）" if value is None else format(value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP), "f")


def max_price(item: CatalogueItem, cost: Decimal, cap: Decimal) -> Decimal:
    """The highest price 零差率 allows for a package of the item bought at ``cost``."""
    if not item.may_mark_up:
        return cost
    return (cost * (1 + cap)).quantize(PRICE_QUANTUM, rounding=ROUND_DOWN)


def check_price(item: CatalogueItem, cost: Decimal | None, price: Decimal, cap: Decimal,
                field: str = "selling_price", *, set_by_hand: bool = False) -> Decimal:
    """``price`` if 零差率 allows it, else :class:`ZeroMarkup` naming the item, cost, price and cap — the one
    rule: a 中药饮片 up to ``cost × (1 + cap)``; any other item exactly at its cost, and never priced by hand
    (``set_by_hand``: a member setting the price itself; their price follows the cost, nobody sets it)."""
    if item.may_mark_up:
        if cost is not None and price <= cost * (1 + cap):  # exact: Decimal arithmetic on 4- and 6-place values
            return price
        shown, ratio = price_text(price), cap.normalize()
        top = price_text(max_price(item, cost, cap)) if cost is not None else price_text(None)
        raise ZeroMarkup.for_field(
            field, f"中药饮片 {item.code} {item.generic_name} 售价 {shown} 超过加成上限：进价 {price_text(cost)}，上限 "
                   f"{cap * 100:.2f}%（最高 {top}） (markup above the cap: item {item.code}, "
                   f"cost {price_text(cost)}, price {shown}, cap {ratio})")
    if price == cost and not set_by_hand:
        return price
    raise ZeroMarkup.for_field(
        field, f"{item.code} {item.generic_name} 实行零差率销售，售价随进价自动确定，必须等于进价 {price_text(cost)}，"
               f"不能设置为 {price_text(price)}（加成上限 0%） (zero markup: item {item.code}, cost {price_text(cost)}, "
               f"price {price_text(price)}, cap 0: the price follows the cost)")


def selling_price_row(session: Session, institution: Institution, item: CatalogueItem) -> SellingPrice | None:
    return session.scalar(select(SellingPrice).where(SellingPrice.institution_id == institution.id,
                                                     SellingPrice.item_id == item.id))


def current_cost(session: Session, institution: Institution, item: CatalogueItem, on_date: date) -> Decimal | None:
    """The member's acquisition cost of the item: the latest recorded, else the agreement in force."""
    row = selling_price_row(session, institution, item)
    if row is not None:
        return row.cost_price
    agreement = agreement_in_force(session, item, None, on_date)
    return agreement.unit_price if agreement is not None else None


def set_selling_price(session: Session, institution: Institution, item: CatalogueItem, value,
                      user: User | None = None, on_date: date | None = None) -> SellingPrice:
    """``PUT …/price``: a member's selling price of a 中药饮片 (up to the cap). Refused (``zero_markup``) for
    every other item — their price is their cost and follows it, nobody sets it — and for a 饮片 above the cap."""
    price = parse_unit_price(value, "selling_price")
    cost = current_cost(session, institution, item, on_date or local_today())
    if cost is None and item.may_mark_up:
        raise NoCost.for_field("selling_price", f"{item.code} 尚无进价（无入库也无有效协议），不能定价 "
                                                f"(no acquisition cost known for the item yet)")
    check_price(item, cost, price, settings_for(session, item.community_id).herbal_markup_cap, set_by_hand=True)
    row = selling_price_row(session, institution, item)
    if row is None:
        row = SellingPrice(institution_id=institution.id, item_id=item.id, cost_price=cost)
        session.add(row)
    row.price, row.updated_by = price, user
    flush_or_conflict(session, f"{item.code} 的售价")
    return row


def record_cost(session: Session, institution: Institution, item: CatalogueItem, cost: Decimal,
                user: User | None = None) -> SellingPrice:
    """A new acquisition cost for a member (a receipt or a transfer into it): the price follows — equal to it
    for drugs and consumables, at the same ratio for 中药饮片 (never above the cap). Logged in the audit log."""
    row = selling_price_row(session, institution, item)
    if row is None:
        row = SellingPrice(institution_id=institution.id, item_id=item.id, cost_price=cost, price=cost)
        session.add(row)
    elif row.cost_price != cost:
        row.price = dispensing_price(session, item, cost, row)
        row.cost_price = cost
    else:
        return row
    row.updated_by = user
    flush_or_conflict(session, f"{item.code} 的进价")
    return row


def dispensing_price(session: Session, item: CatalogueItem, batch_cost: Decimal,
                     row: SellingPrice | None = None) -> Decimal:
    """The price per package of a batch bought at ``batch_cost``: the cost itself for drugs and consumables;
    for 中药饮片 the member's price ratio (``row``: price / cost) applied to it, rounded down, within the cap."""
    if not item.may_mark_up or row is None or row.cost_price == 0:
        return batch_cost
    price = (batch_cost * row.price / row.cost_price).quantize(PRICE_QUANTUM, rounding=ROUND_DOWN)
    return min(price, max_price(item, batch_cost, settings_for(session, item.community_id).herbal_markup_cap))


def line_amount(unit_price: Decimal, quantity: int | Decimal, units_per_package: int = 1) -> Decimal:
    """The amount of ``quantity`` at ``unit_price`` per package: whole packages (``units_per_package`` 1: an
    order, receipt or invoice line) or minimum units of a package of ``units_per_package`` (stock, dispensing)
    — exactly proportional, rounded once, half up, to the fen (a whole package costs exactly its price)."""
    return quantize_fen(unit_price * Decimal(quantity) / Decimal(units_per_package))


RATIO_FIELDS = ("herbal_markup_cap", "former_markup", "compensation_price", "compensation_subsidy",
                "compensation_absorbed", "match_tolerance", "online_target_drugs", "online_target_high_value")
COMPENSATION = ("compensation_price", "compensation_subsidy", "compensation_absorbed")


def update_settings(session: Session, community_id: int, data: dict) -> ProcurementSettings:
    """Change the community's parameters (ratios as decimal text, 0–1 with at most 4 places; the three
    compensation shares sum to 1). Audited like every change."""
    settings = install_settings(session, community_id)
    for name in RATIO_FIELDS:
        if data.get(name) is None:
            continue
        try:
            value = parse_amount(data[name], field=name, max_places=4)
        except MoneyError as exc:
            raise BusinessError.for_field(name, str(exc)) from None
        if not 0 <= value <= 1:
            raise BusinessError.for_field(name, "比例应在 0 与 1 之间，如 0.25 表示 25% (a ratio between 0 and 1)")
        setattr(settings, name, value)
    for name in ("near_expiry_months", "payment_term_days"):
        if data.get(name) is not None:
            setattr(settings, name, data[name])
    if sum(getattr(settings, name) for name in COMPENSATION) != 1:
        raise BusinessError.for_field("compensation_price", "调价、财政补助、医院消化三项比例之和必须为 1 "
                                                            "(the compensation shares must sum to 1)")
    session.flush()
    return settings
