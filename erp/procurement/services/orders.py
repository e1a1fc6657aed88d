"""统一采购: consolidation of the approved requisition lines of a period into one purchase order per supplier
and platform, the order's approval, its platform order number, and cancelling lines.

Consolidation is set-based (it must handle 300 requisitions × 50 lines well under a second): the open lines
are read and locked with one statement, the agreements in force with one more, the orders and their lines
written through the ORM (a few hundred rows, audited as usual), and the requisition lines linked to their
order line with one UPDATE (audited as one entry per order line, naming the lines it serves).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session

from erp.core import audit, sequences
from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import User
from erp.core.security import require_whole_community
from erp.core.statemachine import lock
from erp.core.timeutil import local_today, utcnow
from erp.procurement.models import (CatalogueItem, OrderState, Platform, PriceAgreement, PurchaseOrder,
                                    PurchaseOrderLine, PurchaseOverride, Requisition, RequisitionLine,
                                    RequisitionState, Supplier)
from erp.procurement.models.purchase_order import ORDER_STATES
from erp.procurement.services.agreements import agreement_rank
from erp.procurement.services.budget_control import release_order, reserve_order
from erp.procurement.services.flow_common import central_pharmacy, different_person, parse_period
from erp.procurement.services.suppliers import LicenceExpired, check_supplier_licence


@dataclass
class Placement:
    """Where one item's open lines go: the agreement (网采) or the override (非网采) and its supplier."""

    item_id: int
    supplier_id: int
    platform: Platform
    unit_price: object
    agreement_id: int | None = None
    override_id: int | None = None
    lines: list[int] = field(default_factory=list)
    quantity: int = 0


def _open_lines(session: Session, year: int, month: int, *, lock: bool):
    """(line id, item id, quantity) of every approved, unconsolidated requisition line of the period."""
    statement = (select(RequisitionLine.id, RequisitionLine.item_id, RequisitionLine.quantity)
                 .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
                 .where(Requisition.state == RequisitionState.APPROVED, Requisition.year == year,
                        Requisition.month == month, RequisitionLine.po_line_id.is_(None))
                 .order_by(RequisitionLine.id))
    if lock:
        # the period's approved requisitions are locked (a few hundred rows, not every line): a concurrent
        # consolidation waits here, then reads the lines this one linked
        session.execute(select(Requisition.id).where(Requisition.state == RequisitionState.APPROVED,
                                                     Requisition.year == year, Requisition.month == month)
                        .order_by(Requisition.id).with_for_update())
    return session.execute(statement).all()


def _best_agreements(session: Session, item_ids: list[int], on: date) -> dict[int, list[PriceAgreement]]:
    """Per item, the agreements in force on ``on`` (each supplier's most recent), best first
    (:func:`agreement_rank`, as ``agreement_in_force`` without a supplier)."""
    rows = session.scalars(select(PriceAgreement).where(
        PriceAgreement.item_id.in_(item_ids), PriceAgreement.valid_from <= on,
        or_(PriceAgreement.valid_to.is_(None), PriceAgreement.valid_to >= on))
        .order_by(PriceAgreement.item_id, PriceAgreement.supplier_id, PriceAgreement.id.desc()))
    latest: dict[tuple[int, int], PriceAgreement] = {}
    for agreement in rows:
        latest.setdefault((agreement.item_id, agreement.supplier_id), agreement)
    by_item: dict[int, list[PriceAgreement]] = defaultdict(list)
    for (item_id, _), agreement in latest.items():
        by_item[item_id].append(agreement)
    for candidates in by_item.values():
        candidates.sort(key=agreement_rank)
    return by_item


def _overrides(session: Session, institution_id: int, item_ids: list[int], year: int, month: int):
    rows = session.scalars(select(PurchaseOverride).where(
        PurchaseOverride.institution_id == institution_id, PurchaseOverride.item_id.in_(item_ids),
        PurchaseOverride.year == year, PurchaseOverride.month == month))
    return {row.item_id: row for row in rows}


def plan_consolidation(session: Session, community_id: int, year: int, month: int, on: date, *,
                       lock: bool = False) -> tuple[dict[int, Placement], dict[int, list[int]]]:
    """The placements (item → supplier, price, lines) and the items left open (item → its lines), because
    they have neither an agreement in force nor an override. Refuses (422 ``licence_expired``) an item whose
    only suppliers have an expired licence."""
    lead = central_pharmacy(session, community_id)
    lines = _open_lines(session, year, month, lock=lock)
    by_item: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for line_id, item_id, quantity in lines:
        by_item[item_id].append((line_id, quantity))
    item_ids = sorted(by_item)
    agreements = _best_agreements(session, item_ids, on) if item_ids else {}
    overrides = _overrides(session, lead.id, item_ids, year, month) if item_ids else {}
    suppliers = {s.id: s for s in session.scalars(select(Supplier).where(Supplier.id.in_(
        {a.supplier_id for c in agreements.values() for a in c} | {o.supplier_id for o in overrides.values()})))}
    placements, open_items = {}, {}
    for item_id in item_ids:
        placement = None
        candidates = agreements.get(item_id, [])
        for agreement in candidates:
            if suppliers[agreement.supplier_id].active and suppliers[agreement.supplier_id].licence_valid_on(on):
                placement = Placement(item_id, agreement.supplier_id, agreement.platform, agreement.unit_price,
                                      agreement_id=agreement.id)
                break
        if placement is None and item_id in overrides:
            override = overrides[item_id]
            check_supplier_licence(suppliers[override.supplier_id], on, field="supplier")
            placement = Placement(item_id, override.supplier_id, Platform.OTHER, override.unit_price,
                                  override_id=override.id)
        if placement is None and candidates:
            item = session.get(CatalogueItem, item_id)
            supplier = suppliers[candidates[0].supplier_id]
            try:
                check_supplier_licence(supplier, on, field="supplier")
            except LicenceExpired as exc:
                raise exc.within(f"item {item.code}") from None
        if placement is None:
            open_items[item_id] = [line_id for line_id, _ in by_item[item_id]]
            continue
        placement.lines = [line_id for line_id, _ in by_item[item_id]]
        placement.quantity = sum(quantity for _, quantity in by_item[item_id])
        placements[item_id] = placement
    return placements, open_items


def consolidate(session: Session, user: User, period: str, on: date | None = None) -> list[PurchaseOrder]:
    """One purchase order per supplier and platform from every approved, unconsolidated requisition line of
    ``period`` (YYYY-MM), priced by the agreement in force on the order date (default today)."""
    require_whole_community(user, "统一采购汇总")
    year, month = parse_period(period)
    on = on or local_today()
    lead = central_pharmacy(session, user.community_id)
    placements, _ = plan_consolidation(session, user.community_id, year, month, on, lock=True)
    groups: dict[tuple[int, Platform], list[Placement]] = defaultdict(list)
    for placement in placements.values():
        groups[(placement.supplier_id, placement.platform)].append(placement)
    if not groups:
        return []
    first = sequences.reserve(session, lead.id, "purchase_order", on.year, count=len(groups))
    orders, rows = [], []
    for offset, ((supplier_id, platform), group) in enumerate(sorted(groups.items(), key=lambda g: (g[0][0], g[0][1].value))):
        order = PurchaseOrder(institution_id=lead.id, number=sequences.format_number("PO", on.year, 0, first + offset, 5),
                              order_date=on, year=year, month=month, supplier_id=supplier_id, platform=platform,
                              state=OrderState.DRAFT, created_by_id=user.id)
        session.add(order)
        orders.append((order, sorted(group, key=lambda p: p.item_id)))
    session.flush()
    for order, group in orders:
        rows += [{"institution_id": lead.id, "order_id": order.id, "line_no": number, "item_id": p.item_id,
                  "quantity": p.quantity, "unit_price": p.unit_price, "agreement_id": p.agreement_id,
                  "override_id": p.override_id, "online": p.override_id is None, "received": 0, "cancelled": False,
                  "cancel_reason": ""} for number, p in enumerate(group, start=1)]
    _write_lines(session, rows, placements)
    return [order for order, _ in orders]


def _write_lines(session: Session, rows: list[dict], placements: dict[int, Placement]) -> None:
    """The order lines with one INSERT (audited as the ORM would: one entry each), then every served
    requisition line pointed at its order line with one statement (PostgreSQL: an UPDATE from two unnested
    arrays; elsewhere an executemany), logged as one entry per order line naming the lines it serves."""
    table = PurchaseOrderLine.__table__
    line_ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    ids = [line_id for row in rows for line_id in placements[row["item_id"]].lines]
    targets = [new_id for row, new_id in zip(rows, line_ids) for _ in placements[row["item_id"]].lines]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("UPDATE requisition_line AS r SET po_line_id = v.po_line FROM unnest("
                             "CAST(:ids AS integer[]), CAST(:targets AS integer[])) AS v(id, po_line) "
                             "WHERE r.id = v.id AND r.po_line_id IS NULL"), {"ids": ids, "targets": targets})
    else:
        requisition_lines = RequisitionLine.__table__
        session.execute(update(requisition_lines).where(requisition_lines.c.id == bindparam("line"),
                                                        requisition_lines.c.po_line_id.is_(None))
                        .values(po_line_id=bindparam("target")), [{"line": i, "target": t} for i, t in zip(ids, targets)])
    records = []
    for row, new_id in zip(rows, line_ids):
        records.append({"action": "create", "model": "PurchaseOrderLine", "record_id": str(new_id),
                        "institution_id": row["institution_id"], "before": None,
                        "after": {"id": new_id, **{k: audit.jsonable(v) for k, v in row.items()}}})
        records.append({"action": "consolidate", "model": "RequisitionLine", "record_id": None,
                        "institution_id": row["institution_id"], "before": None,
                        "after": {"po_line_id": new_id, "requisition_lines": placements[row["item_id"]].lines}})
    audit.defer(session, records)
    session.expire_all()


def order_by_id(session: Session, order_id: int) -> PurchaseOrder:
    found = session.get(PurchaseOrder, order_id)
    if found is None:
        raise NotFound(f"没有采购订单 {order_id} (no purchase order {order_id} in your scope)")
    return found


def approve_order(session: Session, order: PurchaseOrder, user: User) -> PurchaseOrder:
    """审批采购订单 (a person other than the one who consolidated it); the supplier's licence must be valid."""
    ORDER_STATES.begin(session, order, OrderState.APPROVED)
    different_person(user, order.created_by_id, "采购订单")
    if not any(not line.cancelled for line in order.lines):
        raise Conflict("订单没有有效的行 (every line is cancelled)", code="order_empty")
    check_supplier_licence(order.supplier, local_today())
    reserve_order(session, order, user)  # 预算控制: a Stop line refuses (409 budget_exceeded), nothing written
    order.state = OrderState.APPROVED
    order.approved_by_id = user.id
    order.approved_at = utcnow()
    session.flush()
    return order


def set_platform_order(session: Session, order: PurchaseOrder, number: str) -> PurchaseOrder:
    """Record the trading platform's order number (平台订单号) of an approved order."""
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise BusinessError.for_field("platform_order_no", "平台订单号应为 1–64 个字符 (1–64 characters)")
    if order.state is not OrderState.APPROVED:
        raise Conflict("订单审批后才能登记平台订单号 (approve the order first)", code="invalid_transition")
    order.platform_order_no = number
    session.flush()
    return order


def cancel_order_line(session: Session, order: PurchaseOrder, line_id: int, reason: str) -> PurchaseOrderLine:
    """Cancel a line nothing was received on: its requisition lines are free to be consolidated again.

    The approver signed an approved order's total: cancelling one of its lines sends the order back to 待审批
    (its budget commitment released; approving it again commits the new total) rather than changing it
    silently. Once goods were received on the order its total is settled by receipts: refused (409)."""
    line = next((l for l in order.lines if l.id == line_id), None)
    if line is None:
        raise NotFound.for_field("line", f"订单 {order.number} 没有行 {line_id} (no such line)")
    lock(session, order)  # one change of the order at a time
    session.refresh(line)  # re-read under the lock: a simultaneous cancel of the line counts
    if refusal := line_cancel_refusal(order, line):
        raise refusal
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.for_field("reason", "请填写作废原因 (a reason is required)")
    if order.state is OrderState.APPROVED:  # a draft has committed nothing yet: nothing to release
        ORDER_STATES.check(order, OrderState.DRAFT)
        release_order(session, order)
        order.state, order.approved_by_id, order.approved_at = OrderState.DRAFT, None, None
    _free(session, [line], reason)
    return line


def line_cancel_refusal(order: PurchaseOrder, line: PurchaseOrderLine) -> Conflict | None:
    """Why ``line`` cannot be cancelled now (the 409 :func:`cancel_order_line` raises), or None: the order page
    offers the cancel where this is None."""
    if order.state is OrderState.CANCELLED or line.cancelled:
        return Conflict("该行已作废 (the line is already cancelled)", code="invalid_transition")
    if line.received:
        return Conflict(f"该行已收货 {line.received}，不能作废 (received already)", code="line_received")
    if order.state is OrderState.APPROVED and any(other.received for other in order.lines):
        return Conflict(f"订单 {order.number} 已开始收货，审批金额不能再变更，不能作废行 (goods were received on the "
                        f"approved order: its lines can no longer be cancelled)", code="order_receiving")
    return None


def cancel_order(session: Session, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """作废 a draft order: every line cancelled, every requisition line freed."""
    ORDER_STATES.begin(session, order, OrderState.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError.for_field("reason", "请填写作废原因 (a reason is required)")
    _free(session, [line for line in order.lines if not line.cancelled], reason)
    release_order(session, order)
    order.state = OrderState.CANCELLED
    session.flush()
    return order


def _free(session: Session, lines: list[PurchaseOrderLine], reason: str) -> None:
    for line in lines:
        freed = [r.id for r in line.requisition_lines]
        line.cancelled, line.cancel_reason = True, reason[:256]
        session.execute(update(RequisitionLine).where(RequisitionLine.po_line_id == line.id)
                        .values(po_line_id=None).execution_options(synchronize_session=False))
        audit.defer(session, [{"action": "release", "model": "RequisitionLine", "record_id": None,
                               "institution_id": line.institution_id, "before": {"po_line_id": line.id},
                               "after": {"po_line_id": None, "requisition_lines": freed}}])
    session.flush()
    session.expire_all()


def create_override(session: Session, user: User, data: dict) -> PurchaseOverride:
    """The chief accountant allows an item without an agreement in force to be bought (非网采) from a supplier
    at a price for one period's orders, with a reason. ``data``: item, supplier (objects), unit_price, period,
    reason."""
    year, month = parse_period(data["period"])
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise BusinessError.for_field("reason", "请填写非网采的理由 (a reason is required)")
    check_supplier_licence(data["supplier"], local_today())
    lead = central_pharmacy(session, user.community_id)
    if session.scalar(select(PurchaseOverride.id).where(PurchaseOverride.institution_id == lead.id,
                                                        PurchaseOverride.item_id == data["item"].id,
                                                        PurchaseOverride.year == year, PurchaseOverride.month == month)):
        raise Conflict.for_field("item", f"品种 {data['item'].code} 在 {data['period']} 已有非网采授权 "
                                         f"(already authorised for the period)", "duplicate")
    override = PurchaseOverride(institution_id=lead.id, item_id=data["item"].id, supplier_id=data["supplier"].id,
                                unit_price=data["unit_price"], year=year, month=month, reason=reason[:256],
                                approved_by_id=user.id)
    session.add(override)
    session.flush()
    return override


def unplaced_lines(session: Session, community_id: int, period: str, on: date | None = None):
    """The approved, unconsolidated lines of a period that consolidation would leave open (no agreement in
    force and no override): (item, requisition line ids), by item."""
    year, month = parse_period(period)
    _, open_items = plan_consolidation(session, community_id, year, month, on or local_today())
    return [(session.get(CatalogueItem, item_id), lines) for item_id, lines in sorted(open_items.items())]


def order_query(*, state: str | None = None, period: tuple[int, int] | None = None, supplier_id: int | None = None):
    statement = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if state:
        statement = statement.where(PurchaseOrder.state == OrderState(state))
    if period:
        statement = statement.where(and_(PurchaseOrder.year == period[0], PurchaseOrder.month == period[1]))
    if supplier_id:
        statement = statement.where(PurchaseOrder.supplier_id == supplier_id)
    return statement
