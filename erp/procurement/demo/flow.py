"""The demo's document flow, on top of the procurement demo (catalogue, suppliers, agreements, formularies):
five members requisition this month, the procurement clerk consolidates, the chief accountant approves the
orders, the central pharmacy receives most of them (one delivery waits for acceptance), sends to two members,
and those dispense — so that ``make run`` shows every screen with real-looking documents. Idempotent: nothing
is added once the community has a requisition."""
from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.demo import DEMO_COMMUNITY
from erp.core.models import Community, Institution, InstitutionKind, User
from erp.core.timeutil import local_today
from erp.procurement.demo import load_demo as load_master_data
from erp.procurement.models import CatalogueItem, Formulary, PriceAgreement, Requisition
from erp.procurement.models import Receipt, ReceiptState, SupplierRole
from erp.procurement.services import dispensing, orders, payables, receipts, requisitions, transfers
from erp.procurement.services.flow_common import central_pharmacy

# the central pharmacy, then the first four township centres: how many formulary items, packages each
SIZES = [(10, 40), (8, 12), (8, 10), (6, 8), (6, 6)]


def _members(session: Session, community: Community, pharmacy: Institution) -> list[Institution]:
    townships = session.scalars(select(Institution).where(Institution.community_id == community.id,
                                                          Institution.kind == InstitutionKind.TOWNSHIP_CENTRE)
                                .order_by(Institution.code).limit(len(SIZES) - 1))
    return [pharmacy, *townships]


def _writer(users: dict[str, User], member: Institution) -> User:
    """The member's own clerk (a user scoped to it), else the community's procurement clerk writes for it."""
    own = [u for u in users.values() if [i.id for i in u.institutions] == [member.id]
           and u.role in ("clerk", "accountant", "pharmacy")]
    return own[0] if own else users["procurement"]


def load_demo(session: Session) -> None:
    load_master_data(session)
    community = session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))
    if community is None or session.scalar(select(Requisition.id).limit(1)):
        return
    users = {u.username: u for u in session.scalars(select(User).where(User.community_id == community.id))}
    today = local_today()
    priced = set(session.scalars(select(PriceAgreement.item_id).where(
        PriceAgreement.community_id == community.id, PriceAgreement.valid_from <= today,
        (PriceAgreement.valid_to.is_(None)) | (PriceAgreement.valid_to >= today))))
    pharmacy = central_pharmacy(session, community.id)
    for member, (count, packages) in zip(_members(session, community, pharmacy), SIZES):
        writer = _writer(users, member)
        items = [item for item in session.scalars(select(CatalogueItem).join(Formulary, Formulary.item_id == CatalogueItem.id)
                                                  .where(Formulary.institution_id == member.id, Formulary.active.is_(True))
                                                  .order_by(CatalogueItem.code)) if item.id in priced][:count]
        requisition = requisitions.create_requisition(session, member, writer, {
            "date": today, "memo": "月度请领", "lines": [{"item": item.code, "quantity": packages + i % 3 * 2,
                                                        "wanted_date": today + timedelta(days=10)}
                                                       for i, item in enumerate(items)]})
        requisitions.submit_requisition(session, requisition, writer)
        requisitions.approve_requisition(session, requisition, users["finance"])
    made = orders.consolidate(session, users["procurement"], f"{today:%Y-%m}", today)
    for number, order in enumerate(made):
        orders.approve_order(session, order, users["chief"])
        orders.set_platform_order(session, order, f"HBYP{today:%Y%m}{number + 1:04d}")
    for number, order in enumerate(made):
        receipt = receipts.create_receipt(session, users["pharmacy"], order, {"date": today, "lines": [
            {"po_line": line.id, "quantity": line.quantity, "batch": f"{today:%y%m}{number:02d}{line.line_no:02d}",
             "production_date": today - timedelta(days=90), "expiry": today + timedelta(days=700 - 40 * line.line_no)}
            for line in order.lines]})
        if number < len(made) - 1:  # the last delivery waits for its acceptance
            receipts.accept_receipt(session, receipt, users["procurement"], today, "外观、数量、批号、效期核对无误")
    _distribute(session, users, pharmacy, _members(session, community, pharmacy)[1:3], today)
    _invoice_and_pay(session, users, today)


def _invoice_and_pay(session: Session, users: dict[str, User], today) -> None:
    """The accepted deliveries are invoiced (两票制: a distributor's lines name the manufacturer's invoice);
    the first supplier is paid in full, the second in part, the others wait."""
    accepted = list(session.scalars(select(Receipt).where(Receipt.state == ReceiptState.ACCEPTED).order_by(Receipt.id)))
    for number, receipt in enumerate(accepted):
        distributor = receipt.supplier.role is SupplierRole.DISTRIBUTOR
        invoice = payables.create_invoice(session, users["procurement"], receipt.supplier, {
            "invoice_no": f"{today:%y%m}{number + 1:06d}", "invoice_date": today, "lines": [
                {"receipt_line": line.id, "quantity": line.quantity, "unit_price": format(line.unit_price, "f"),
                 **({"upstream_invoice_no": f"{line.item_id:04d}{number:04d}", "upstream_seller": line.item.manufacturer,
                     "upstream_seller_role": "manufacturer"} if distributor else {})}
                for line in receipt.lines]})
        if number < 2:
            amount = invoice.amount if number == 0 else (invoice.amount / 2).quantize(invoice.amount, rounding=ROUND_HALF_UP)
            payment = payables.create_payment(session, users["finance"], receipt.supplier, {
                "date": today, "allocations": [{"invoice": invoice.id, "amount": format(amount, "f")}]})
            payables.post_payment(session, payment, users["chief"], today)


def _distribute(session: Session, users: dict[str, User], pharmacy: Institution, members: list[Institution],
                today) -> None:
    """Send two members a part of what they asked for, and let them dispense some of it."""
    from erp.procurement.models import StockBatch

    held = list(session.scalars(select(StockBatch).where(StockBatch.institution_id == pharmacy.id,
                                                         StockBatch.quantity > 0).order_by(StockBatch.id)))
    for member in members:
        in_formulary = set(session.scalars(select(Formulary.item_id).where(Formulary.institution_id == member.id)))
        batches = [b for b in held if b.item_id in in_formulary][:4]
        if not batches:
            continue
        transfer = transfers.create_transfer(session, users["pharmacy"], pharmacy, member, {
            "date": today, "memo": "统一配送", "lines": [{"item": b.item.code, "quantity": b.item.units_per_package * 3}
                                                      for b in batches]})
        transfers.post_transfer(session, transfer, users["procurement"], today)
        record = dispensing.create_dispensing(session, _writer(users, member), member, {
            "date": today, "department": "21", "lines": [
                {"item": b.item.code, "quantity": b.item.units_per_package,
                 "trace_code": f"8{member.id:03d}{b.id:06d}{i:010d}"[:20] if i % 2 == 0 else None}
                for i, b in enumerate(batches)]})
        dispensing.post_dispensing(session, record, users["finance"], today)
