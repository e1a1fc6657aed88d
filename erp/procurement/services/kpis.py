"""The procurement KPIs a 医共体 is judged by, per member and for the community, over a month or a year:

- **网采率** — share of the amount ordered that was bought online under an agreement (not 非网采), for drugs
  (target ``online_target_drugs``, default 90%) and high-value consumables (``online_target_high_value``, 80%).
  A member's figure weighs its own requisition lines at their order line's price.
- **集采** — the 中选 items' share of the drug amount, and the agreed-volume completion (packages ordered ÷
  约定采购量 of the agreements in force, for the year so far; 序时进度 = the share of the year elapsed).
- **国家谈判药品配备** — negotiated items in the member's formulary ÷ negotiated items in the catalogue.
- **按期付款率** — amount paid by its due date ÷ amount that fell due (community; payments are central).
- **库存周转天数** — stock value now ÷ the average daily cost issued (dispensed, or sent on by the pharmacy).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import Institution
from erp.procurement.models import (CatalogueItem, Formulary, ItemCategory, OrderState, PriceAgreement, PurchaseOrder,
                                    PurchaseOrderLine, RequisitionLine, StockBatch, StockMove)
from erp.procurement.services.flow_common import PERIOD
from erp.procurement.services.pricing import settings_for
from erp.procurement.services.publication import publication

ZERO = Decimal("0")
PERCENT = Decimal("0.01")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * 100 / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass
class MemberKpis:
    institution: Institution | None  # None: the community
    online_drugs: Decimal | None = None
    online_high_value: Decimal | None = None
    vbp_share: Decimal | None = None
    negotiated_coverage: Decimal | None = None
    turnover_days: Decimal | None = None


@dataclass
class Kpis:
    period: str
    start: date
    end: date  # exclusive
    targets: dict[str, Decimal]
    community: MemberKpis
    members: list[MemberKpis] = field(default_factory=list)
    vbp_completion: list[dict] = field(default_factory=list)
    on_time_rate: Decimal | None = None
    elapsed: Decimal = ZERO  # 序时进度 of the year, percent


def parse_kpi_period(text: str) -> tuple[date, date, str]:
    """YYYY or YYYY-MM → (first day, the day after the last, the text), or 422 naming ``period``. The year is
    bounded as in :func:`parse_period` (and below 9999: the period's end is a date too)."""
    text = (text or "").strip()
    if len(text) == 4 and text.isascii() and text.isdigit() and 1900 <= int(text) < 9999:
        year = int(text)
        return date(year, 1, 1), date(year + 1, 1, 1), text
    if match := PERIOD.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 <= year < 9999:
            return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1), text
    raise BusinessError.for_field("period", f"期间应为 YYYY 或 YYYY-MM (YYYY or YYYY-MM, got {text!r})", "invalid_period")


def _ordered(session: Session, start: date, end: date):
    """(member id or None, item, amount, online) of the orders in the period: per requisition line."""
    price = PurchaseOrderLine.unit_price
    rows = session.execute(
        select(RequisitionLine.institution_id, RequisitionLine.item_id, RequisitionLine.quantity, price,
               PurchaseOrderLine.online)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == RequisitionLine.po_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.state != OrderState.CANCELLED, PurchaseOrderLine.cancelled.is_(False),
               PurchaseOrder.order_date >= start, PurchaseOrder.order_date < end))
    return [(member, item, Decimal(quantity) * unit_price, online) for member, item, quantity, unit_price, online in rows]


def kpis(session: Session, community_id: int, period: str, today: date) -> Kpis:
    start, end, label = parse_kpi_period(period)
    settings = settings_for(session, community_id)
    items = {i.id: i for i in session.scalars(select(CatalogueItem).where(CatalogueItem.community_id == community_id))}
    members = list(session.scalars(select(Institution).where(Institution.community_id == community_id)
                                   .order_by(Institution.code)))
    ordered = _ordered(session, start, end)
    result = Kpis(label, start, end, {"online_drugs": settings.online_target_drugs * 100,
                                      "online_high_value": settings.online_target_high_value * 100},
                  community=_member(session, None, ordered, items, start, end))
    result.members = [m for m in (_member(session, member, ordered, items, start, end) for member in members)
                      if any(v is not None for v in (m.online_drugs, m.online_high_value, m.turnover_days))]
    year_start, year_end = date(start.year, 1, 1), date(start.year + 1, 1, 1)
    days = Decimal((min(today, year_end) - year_start).days) / Decimal((year_end - year_start).days)
    result.elapsed = (max(days, ZERO) * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)
    result.vbp_completion = _vbp_completion(session, items, year_start, year_end, today)
    rate = publication_rate(session, start, end)
    result.on_time_rate = None if rate is None else (rate * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)
    return result


def publication_rate(session: Session, start: date, end: date) -> Decimal | None:
    due = on_time = ZERO
    month = start
    while month < end:
        report = publication(session, f"{month:%Y-%m}")
        due, on_time = due + report.total("due"), on_time + report.total("on_time")
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return None if not due else on_time / due


def _member(session, member, ordered, items, start, end) -> MemberKpis:
    mine = [row for row in ordered if member is None or row[0] == member.id]
    drugs = [(a, online) for _, i, a, online in mine if items[i].category is ItemCategory.DRUG]
    high = [(a, online) for _, i, a, online in mine if items[i].high_value]
    vbp = sum((a for _, i, a, _ in mine if items[i].category is ItemCategory.DRUG and items[i].vbp), ZERO)
    drug_total = sum((a for a, _ in drugs), ZERO)
    kpi = MemberKpis(member,
                     online_drugs=percent(sum((a for a, online in drugs if online), ZERO), drug_total),
                     online_high_value=percent(sum((a for a, online in high if online), ZERO),
                                               sum((a for a, _ in high), ZERO)),
                     vbp_share=percent(vbp, drug_total))
    negotiated = [i.id for i in items.values() if i.negotiated and i.active]
    if negotiated:
        statement = select(func.count(func.distinct(Formulary.item_id))).where(Formulary.item_id.in_(negotiated),
                                                                               Formulary.active.is_(True))
        if member is not None:
            statement = statement.where(Formulary.institution_id == member.id)
        kpi.negotiated_coverage = percent(Decimal(session.scalar(statement) or 0), Decimal(len(negotiated)))
    kpi.turnover_days = _turnover(session, member, start, end)
    return kpi


def _turnover(session, member, start: date, end: date) -> Decimal | None:
    on_hand = select(func.sum(StockBatch.value))
    issued = select(func.sum(StockMove.value)).where(StockMove.kind.in_(("dispense", "transfer_out")),
                                                     StockMove.date >= start, StockMove.date < end)
    if member is not None:
        on_hand = on_hand.where(StockBatch.institution_id == member.id)
        issued = issued.where(StockMove.institution_id == member.id)
    else:
        issued = issued.where(StockMove.kind == "dispense")  # the community: what left it, not internal moves
    value, out = session.scalar(on_hand) or ZERO, -(session.scalar(issued) or ZERO)
    if not out:
        return None
    daily = out / Decimal((end - start).days)
    return (value / daily).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _vbp_completion(session, items, year_start: date, year_end: date, today: date) -> list[dict]:
    agreements = session.scalars(select(PriceAgreement).where(
        PriceAgreement.agreed_volume.is_not(None), PriceAgreement.valid_from < year_end,
        (PriceAgreement.valid_to.is_(None)) | (PriceAgreement.valid_to >= year_start)))
    volume: dict[int, int] = {}
    for agreement in agreements:
        if agreement.item_id in items:
            volume[agreement.item_id] = max(volume.get(agreement.item_id, 0), agreement.agreed_volume)
    if not volume:
        return []
    bought = dict(session.execute(
        select(PurchaseOrderLine.item_id, func.sum(PurchaseOrderLine.quantity))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrderLine.item_id.in_(list(volume)), PurchaseOrderLine.cancelled.is_(False),
               PurchaseOrder.state != OrderState.CANCELLED, PurchaseOrder.order_date >= year_start,
               PurchaseOrder.order_date < year_end)
        .group_by(PurchaseOrderLine.item_id)).all())
    return [{"item": items[item_id], "agreed": agreed, "bought": int(bought.get(item_id) or 0),
             "completion": percent(Decimal(int(bought.get(item_id) or 0)), Decimal(agreed))}
            for item_id, agreed in sorted(volume.items(), key=lambda kv: items[kv[0]].code)]
