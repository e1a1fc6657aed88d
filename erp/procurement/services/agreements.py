"""统一谈判: price agreements. Written once; a new agreement of the same item × supplier supersedes the earlier
ones from its start, which keep answering for the dates before (history, never rewritten)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import User
from erp.core.money import MoneyError, parse_amount
from erp.procurement.models import CatalogueItem, Platform, PriceAgreement, Supplier

PRICE_PLACES = 4


def parse_unit_price(value: Any, field: str = "unit_price") -> Decimal:
    """A price per package: positive, at most 4 decimals, exact (never rounded)."""
    try:
        price = parse_amount(value, field=field, max_places=PRICE_PLACES)
    except MoneyError as exc:
        raise BusinessError.for_field(field, str(exc), "invalid_price") from None
    if price <= 0:
        raise BusinessError.for_field(field, "单价必须大于零 (the unit price must be positive)", "invalid_price")
    return price


def covering(on_date: date, entity=PriceAgreement) -> tuple:
    """The conditions of an agreement (``entity``: the class or an alias of it) covering a date."""
    return (entity.valid_from <= on_date, or_(entity.valid_to.is_(None), entity.valid_to >= on_date))


def agreement_in_force(session: Session, item: CatalogueItem, supplier: Supplier | None,
                       on_date: date) -> PriceAgreement | None:
    """The agreement an order line dated ``on_date`` takes, or None (ordering then needs the chief
    accountant's override and the line counts as 非网采).

    With a supplier: the most recent agreement of item × supplier covering the date. Without one: among the
    suppliers' agreements in force that day (each supplier's most recent), the lowest unit price, a 集采
    agreement (``agreed_volume`` set) first; ties go to the most recent agreement."""
    candidates = agreements_in_force(session, item, on_date)
    if supplier is not None:
        return next((agreement for agreement in candidates if agreement.supplier_id == supplier.id), None)
    if not candidates:
        return None
    return min(candidates, key=agreement_rank)


def agreement_rank(agreement: PriceAgreement) -> tuple:
    """The order in which an item's agreements in force are preferred (smallest first): a 集采 agreement
    (agreed volume) before others, then the lowest unit price, then the most recent."""
    return (agreement.agreed_volume is None, agreement.unit_price, -agreement.id)


def agreements_in_force(session: Session, item: CatalogueItem, on_date: date) -> list[PriceAgreement]:
    """Per supplier, the agreement in force on the date (the most recent covering it), by supplier id."""
    rows = session.scalars(select(PriceAgreement).where(PriceAgreement.item_id == item.id, *covering(on_date))
                           .order_by(PriceAgreement.supplier_id, PriceAgreement.id.desc()))
    latest: dict[int, PriceAgreement] = {}
    for agreement in rows:
        latest.setdefault(agreement.supplier_id, agreement)
    return list(latest.values())


def agreement_history(session: Session, item: CatalogueItem, supplier: Supplier | None = None) -> list[PriceAgreement]:
    statement = select(PriceAgreement).where(PriceAgreement.item_id == item.id)
    if supplier is not None:
        statement = statement.where(PriceAgreement.supplier_id == supplier.id)
    return list(session.scalars(statement.order_by(PriceAgreement.supplier_id, PriceAgreement.id)))


def agreement_by_id(session: Session, community_id: int, agreement_id: int) -> PriceAgreement:
    found = session.get(PriceAgreement, agreement_id)
    if found is None or found.community_id != community_id:
        raise NotFound(f"没有价格协议 {agreement_id} (no price agreement {agreement_id})")
    return found


def create_agreement(session: Session, item: CatalogueItem, supplier: Supplier, data: dict[str, Any],
                     user: User | None = None) -> PriceAgreement:
    """A new agreement (``unit_price``, ``valid_from``, ``valid_to``, ``platform``, ``platform_code``,
    ``agreed_volume``, ``note``); the pair's earlier agreements overlapping it are marked superseded."""
    if item.community_id != supplier.community_id:
        raise NotFound.for_field("supplier", "the supplier is not in the item's community", "unknown_supplier")
    unit_price = parse_unit_price(data.get("unit_price"))
    valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
    if valid_from is None:
        raise BusinessError.for_field("valid_from", "生效日期不能为空 (valid_from required)", "required")
    if valid_to is not None and valid_to < valid_from:
        raise BusinessError.for_field("valid_to", "失效日期早于生效日期 (valid_to before valid_from)", "invalid_period")
    if supplier.licence_expires < valid_from:
        raise BusinessError.for_field("supplier", f"供应商许可证已于 {supplier.licence_expires:%Y-%m-%d} 到期，"
                                                  f"不能签订其后生效的协议 (the licence expires before the agreement "
                                                  f"starts)", "licence_expired")
    volume = data.get("agreed_volume")
    if volume is not None and (not isinstance(volume, int) or isinstance(volume, bool) or volume <= 0):
        raise BusinessError.for_field("agreed_volume", "约定采购量必须是正整数（包装数） (agreed_volume: positive "
                                                       "whole packages)")
    if not item.active:
        raise BusinessError.for_field("item", f"品种 {item.code} 已停用 (inactive item)", "item_inactive")
    agreement = PriceAgreement(
        community_id=item.community_id, item=item, supplier=supplier, unit_price=unit_price,
        valid_from=valid_from, valid_to=valid_to, platform=Platform(data.get("platform") or "provincial"),
        platform_code=(data.get("platform_code") or "").strip()[:64], agreed_volume=volume,
        note=(data.get("note") or "").strip()[:256], created_by=user)
    session.add(agreement)
    session.flush()
    earlier = session.scalars(select(PriceAgreement).where(
        PriceAgreement.item_id == item.id, PriceAgreement.supplier_id == supplier.id, PriceAgreement.id != agreement.id,
        PriceAgreement.superseded_by_id.is_(None),
        or_(PriceAgreement.valid_to.is_(None), PriceAgreement.valid_to >= valid_from),
        *(() if valid_to is None else (PriceAgreement.valid_from <= valid_to,))))
    for old in earlier:
        old.superseded_by_id = agreement.id
    session.flush()
    return agreement


@event.listens_for(Session, "before_flush")
def _agreements_are_history(session: Session, flush_context, instances) -> None:
    """An agreement is never rewritten or deleted; only its ``superseded_by`` is set, once."""
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, PriceAgreement):
            continue
        if obj in session.deleted:
            raise Conflict("价格协议不能删除，请签订新协议 (a price agreement is never deleted)", code="agreement_history")
        state = inspect(obj)
        for attr in state.attrs:
            history = attr.history
            if not history.has_changes():
                continue
            if attr.key == "superseded_by_id" and history.deleted in ([], [None]):
                continue
            raise Conflict("价格协议不能修改，请签订新协议 (a price agreement is never rewritten: make a new one)",
                           code="agreement_history")
