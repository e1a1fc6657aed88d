"""The first quarter of this year through procurement's documents, on top of the demo's flow of this month
(:mod:`.demo_flow`): each month the central pharmacy requisitions, the clerk consolidates and the chief
accountant approves the orders (budget-controlled), the pharmacy receives and accepts them, the supplier
invoices and is paid, the pharmacy sends three members their share and the lead hospital and those members
dispense to outpatients and inpatients at the zero-markup price. Every document posts through the ledger's
door, so the ledger's 库存物品 (1302) equals the stock ledger. Batches of the quarter expire before those of
this month's flow, so first-expiry-first-out takes them first. Idempotent: nothing is added once a requisition
of January exists."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.demo import DEMO_COMMUNITY
from erp.core.models import Community, Institution, User
from erp.core.timeutil import local_today
from erp.procurement.demo.flow import load_demo as load_flow
from erp.procurement.models import CatalogueItem, Formulary, PriceAgreement, Requisition, StockBatch
from erp.procurement.services import dispensing, orders, payables, receipts, requisitions, transfers
from erp.procurement.services.flow_common import central_pharmacy

MONTHS = (1, 2, 3)
ITEMS_PER_MONTH = 8
# the members the central pharmacy supplies in each month of the quarter
RECIPIENTS = {1: ("QH103", "QH104", "QH201"), 2: ("QH105", "QH106", "QH202"), 3: ("QH103", "QH107", "QH108")}


def load_demo(session: Session) -> None:
    load_flow(session)
    community = session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))
    today = local_today()
    year = today.year
    if community is None or session.scalar(select(Requisition.id).where(
            Requisition.institution.has(community_id=community.id),
            Requisition.date >= date(year, 1, 1), Requisition.date < date(year, 2, 1)).limit(1)):
        return
    users = {u.username: u for u in session.scalars(select(User).where(User.community_id == community.id))}
    pharmacy = central_pharmacy(session, community.id)
    members = {i.code: i for i in session.scalars(select(Institution).where(Institution.community_id == community.id))}
    for month in (m for m in MONTHS if m < today.month):  # the months of the quarter already over
        _month(session, users, pharmacy, [members[c] for c in RECIPIENTS[month] if c in members], year, month)


def _orderable(session: Session, pharmacy: Institution, on: date) -> list[CatalogueItem]:
    """Drugs with an agreement in force, in the pharmacy's formulary (code order: the same every load)."""
    priced = select(PriceAgreement.item_id).where(
        PriceAgreement.valid_from <= on, (PriceAgreement.valid_to.is_(None)) | (PriceAgreement.valid_to >= on))
    return list(session.scalars(select(CatalogueItem).join(Formulary, Formulary.item_id == CatalogueItem.id).where(
        Formulary.institution_id == pharmacy.id, Formulary.active.is_(True), CatalogueItem.id.in_(priced),
        CatalogueItem.category == "drug").order_by(CatalogueItem.code)))


def _month(session: Session, users: dict[str, User], pharmacy: Institution, recipients: list[Institution],
           year: int, month: int) -> None:
    day = lambda d: date(year, month, d)  # noqa: E731 - the month's dates read best as day(8)
    items = _orderable(session, pharmacy, day(3))
    chosen = [items[(month * 5 + i * 3) % len(items)] for i in range(ITEMS_PER_MONTH)]
    chosen = list({item.id: item for item in chosen}.values())
    requisition = requisitions.create_requisition(session, pharmacy, users["pharmacy"], {
        "date": day(3), "memo": f"{month}月药品请领", "lines": [
            {"item": item.code, "quantity": 60 + (index * 17 + month * 11) % 90, "wanted_date": day(10)}
            for index, item in enumerate(chosen)]})
    requisitions.submit_requisition(session, requisition, users["pharmacy"])
    requisitions.approve_requisition(session, requisition, users["finance"])
    made = orders.consolidate(session, users["procurement"], f"{year}-{month:02d}", day(4))
    for number, order in enumerate(made):
        orders.approve_order(session, order, users["chief"])
        orders.set_platform_order(session, order, f"HBYP{year}{month:02d}{number + 1:04d}")
        receipt = receipts.create_receipt(session, users["pharmacy"], order, {"date": day(8), "lines": [
            {"po_line": line.id, "quantity": line.quantity, "batch": f"{year % 100}{month:02d}Q{number:02d}{line.line_no:02d}",
             "production_date": day(8) - timedelta(days=120), "expiry": day(8) + timedelta(days=420 + 10 * line.line_no)}
            for line in order.lines]})
        receipts.accept_receipt(session, receipt, users["procurement"], day(8), "外观、数量、批号、效期核对无误")
        invoice = payables.create_invoice(session, users["procurement"], receipt.supplier, {
            "invoice_no": f"Q{year % 100}{month:02d}{number + 1:05d}", "invoice_date": day(15), "lines": [
                {"receipt_line": line.id, "quantity": line.quantity, "unit_price": format(line.unit_price, "f"),
                 **({"upstream_invoice_no": f"M{line.item_id:04d}{month:02d}{number:03d}",
                     "upstream_seller": line.item.manufacturer, "upstream_seller_role": "manufacturer"}
                    if receipt.supplier.role.value == "distributor" else {})}
                for line in receipt.lines]})
        payment = payables.create_payment(session, users["finance"], receipt.supplier, {
            "date": day(25), "allocations": [{"invoice": invoice.id, "amount": format(invoice.amount, "f")}]})
        payables.post_payment(session, payment, users["chief"], day(25))
    _distribute(session, users, pharmacy, recipients, {item.id for item in chosen}, day)


def _distribute(session: Session, users: dict[str, User], pharmacy: Institution, recipients: list[Institution],
                received: set[int], day) -> None:
    """A third of each received drug to the members (in their formulary), then everyone dispenses."""
    held = [b for b in session.scalars(select(StockBatch).where(
        StockBatch.institution_id == pharmacy.id, StockBatch.quantity > 0).order_by(StockBatch.expiry, StockBatch.id))
        if b.item_id in received]
    items = list({b.item_id: b.item for b in held}.values())  # each drug once, the first to expire first
    for member in recipients:
        allowed = set(session.scalars(select(Formulary.item_id).where(Formulary.institution_id == member.id,
                                                                      Formulary.active.is_(True))))
        lines = [{"item": item.code, "quantity": item.units_per_package * 6} for item in items if item.id in allowed][:5]
        if not lines:
            continue
        transfer = transfers.create_transfer(session, users["pharmacy"], pharmacy, member, {
            "date": day(12), "memo": "统一配送", "lines": lines})
        transfers.post_transfer(session, transfer, users["procurement"], day(12))
        _dispense(session, users, member, [line["item"] for line in lines], day, "01", "outpatient", 2)
    codes = [item.code for item in items][:6]
    _dispense(session, users, pharmacy, codes, day, "01", "outpatient", 8)
    _dispense(session, users, pharmacy, codes[:4], day, "02", "inpatient", 12)


def _dispense(session: Session, users: dict[str, User], member: Institution, codes: list[str], day,
              department: str, setting: str, packages: int) -> None:
    writer = users["pharmacy"] if member.id in {i.id for i in users["pharmacy"].institutions} else users["procurement"]
    record = dispensing.create_dispensing(session, writer, member, {
        "date": day(26), "department": department, "setting": setting, "memo": f"{day(1).month}月发药汇总",
        "lines": [{"item": code, "quantity": packages * units}
                  for code, units in ((c, _units(session, c)) for c in codes)]})
    dispensing.post_dispensing(session, record, users["finance"], day(26))


def _units(session: Session, code: str) -> int:
    return session.scalar(select(CatalogueItem.units_per_package).where(CatalogueItem.code == code))
