"""验收入库: receipts against approved purchase-order lines, with batch, expiry and the boxes' 药品追溯码.

Registering a receipt (draft) checks everything about the delivery and counts its packages against the order
lines at once (locked, so two receipts cannot together exceed an order line); accepting it — another person —
puts the goods in stock, makes the acquisition cost the members' price (零差率, :func:`record_cost`) and posts
库存物品 / 应付账款 through the ledger's document door, exactly once.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, User
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.procurement.models import (OrderState, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, ReceiptState,
                                    TraceCode)
from erp.procurement.models.receipt import RECEIPT_STATES
from erp.procurement.services.flow_common import (central_pharmacy, check_quantity, different_person, min_units,
                                                  next_number, qualifier)
from erp.procurement.services.pricing import line_amount, record_cost
from erp.procurement.services.stock import take_in
from erp.procurement.services.suppliers import check_supplier_licence

# 批号: letters and digits, inner hyphens or slashes, at most 30 characters (what labels carry, e.g. 2405012, B23-117)
BATCH = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9/-]{0,28}[A-Za-z0-9])?$")
# 药品追溯码: 码上放心 = 20 digits starting with 8; other codes (enterprise, GS1) up to 30 printable characters
MSFX = re.compile(r"^8\d{19}$")
OTHER_CODE = re.compile(r"^[\x21-\x7e]{1,30}$")


def check_trace_code(code, field: str) -> str:
    """A traceability code as scanned or typed, or 422 ``invalid_trace_code`` naming the field."""
    text = code.strip() if isinstance(code, str) else ""
    if text.isdigit() and text.startswith("8"):
        if not MSFX.match(text):
            raise BusinessError.for_field(field, f"码上放心追溯码应为以 8 开头的 20 位数字 (a 码上放心 code is 20 digits "
                                                 f"starting with 8, got {len(text)} digits)", "invalid_trace_code")
        return text
    if not OTHER_CODE.match(text):
        raise BusinessError.for_field(field, "追溯码应为 1–30 个可打印字符 (a traceability code has 1–30 printable "
                                             "characters)", "invalid_trace_code")
    return text


def create_receipt(session: Session, user: User, order: PurchaseOrder, data: dict) -> Receipt:
    """``data``: ``lines`` [{po_line, quantity (packages), batch, expiry, production_date?, trace_codes?}],
    ``institution`` (object; default the central pharmacy), ``date``?."""
    on = data.get("date") or local_today()
    if order.state is not OrderState.APPROVED:
        raise Conflict.for_field("purchase_order", f"订单 {order.number} 未审批，不能收货 (the order is not approved)",
                                 "order_not_approved")
    check_supplier_licence(order.supplier, on, field="purchase_order")
    destination: Institution = data.get("institution") or central_pharmacy(session, user.community_id)
    lines = data.get("lines") or []
    if not lines:
        raise BusinessError.for_field("lines", "收货单至少需要一行 (at least one line)")
    order_lines = {line.id: line for line in session.scalars(
        select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id).with_for_update()
        .execution_options(populate_existing=True))}
    receipt = Receipt(institution_id=destination.id, institution=destination, date=on, order_id=order.id,
                      supplier_id=order.supplier_id, state=ReceiptState.DRAFT, preparer_id=user.id,
                      acceptance_note=data.get("acceptance_note") or "")
    codes_seen: set[str] = set()
    total = Decimal("0")
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        po_line = order_lines.get(line["po_line"])
        if po_line is None:
            raise NotFound.for_field(f"{where}.po_line", f"订单 {order.number} 没有行 {line['po_line']} (no such order line)")
        if po_line.cancelled:
            raise Conflict.for_field(f"{where}.po_line", "该订单行已作废 (the order line is cancelled)", "line_cancelled")
        quantity = check_quantity(line["quantity"], f"{where}.quantity")
        if po_line.received + quantity > po_line.quantity:
            raise BusinessError.for_field(
                f"{where}.quantity", f"超量收货：订购 {po_line.quantity}，已收 {po_line.received}，本次 {quantity} "
                                     f"(over-receipt: ordered {po_line.quantity}, received {po_line.received})", "over_receipt")
        batch = (line.get("batch") or "").strip()
        if not BATCH.match(batch):
            raise BusinessError.for_field(f"{where}.batch", f"批号格式不正确：{batch!r}（字母数字，可含 - /，最多 30 位） "
                                                            f"(unknown batch format)", "invalid_batch")
        expiry, produced = line["expiry"], line.get("production_date")
        if expiry <= on:
            raise BusinessError.for_field(f"{where}.expiry", f"批号 {batch} 已过有效期 {expiry:%Y-%m-%d} (expired batch)",
                                          "expired_batch")
        if produced is not None and (produced > on or produced >= expiry):
            raise BusinessError.for_field(f"{where}.production_date", "生产日期应早于收货日期和有效期 "
                                                                      "(production date after receipt or expiry)")
        codes = [check_trace_code(code, f"{where}.trace_codes[{i}]") for i, code in enumerate(line.get("trace_codes") or [])]
        if len(codes) > quantity:
            raise BusinessError.for_field(f"{where}.trace_codes", f"追溯码 {len(codes)} 个多于箱数 {quantity} "
                                                                  f"(one code per box: more codes than boxes)", "too_many_codes")
        for i, code in enumerate(codes):
            if code in codes_seen:
                raise BusinessError.for_field(f"{where}.trace_codes[{i}]", f"追溯码 {code} 重复 (one box, one code)",
                                              "duplicate_trace_code")
            codes_seen.add(code)
        po_line.received += quantity
        amount = line_amount(po_line.unit_price, quantity)
        total += amount
        receipt_line = ReceiptLine(institution_id=destination.id, line_no=index + 1, po_line_id=po_line.id,
                                   item_id=po_line.item_id, item=po_line.item, quantity=quantity,
                                   unit_price=po_line.unit_price, amount=amount, batch=batch, production_date=produced,
                                   expiry=expiry)
        receipt_line.codes = [TraceCode(community_id=user.community_id, code=code, item_id=po_line.item_id)
                              for code in codes]
        receipt.lines.append(receipt_line)
    _refuse_known_codes(session, user.community_id, codes_seen)
    receipt.amount = total
    receipt.number = next_number(session, destination, "receipt", "RK", on)
    session.add(receipt)
    session.flush()
    return receipt


def _refuse_known_codes(session: Session, community_id: int, codes: set[str]) -> None:
    if not codes:
        return
    known = session.scalars(select(TraceCode.code).where(TraceCode.community_id == community_id,
                                                         TraceCode.code.in_(sorted(codes))).limit(5)).all()
    if known:
        raise Conflict.for_field("trace_codes", f"追溯码已入库过，一盒一码：{', '.join(known)} "
                                                f"(traceability code received before)", "duplicate_trace_code")


def receipt_by_id(session: Session, receipt_id: int) -> Receipt:
    found = session.get(Receipt, receipt_id)
    if found is None:
        raise NotFound(f"没有收货单 {receipt_id} (no receipt {receipt_id} in your scope)")
    return found


def receipt_source(receipt: Receipt) -> DocumentSource:
    return DocumentSource("procurement", "receipt", str(receipt.id), receipt.number,
                          url=f"/procurement/receipts/{receipt.id}")


def accept_receipt(session: Session, receipt: Receipt, user: User, on: date | None = None,
                   note: str | None = None) -> Receipt:
    """验收入库 by a person other than the one who registered it: stock, prices, and the voucher."""
    RECEIPT_STATES.begin(session, receipt, ReceiptState.ACCEPTED)
    different_person(user, receipt.preparer_id, "收货单")
    on = on or local_today()
    check_supplier_licence(receipt.supplier, on, field="supplier")
    institution = receipt.institution
    for line in receipt.lines:
        units = min_units(line.item, line.quantity)
        line.stock_batch_id = take_in(session, institution, line.item, batch=line.batch, expiry=line.expiry,
                                      unit_cost=line.unit_price, units=units, value=line.amount,
                                      production_date=line.production_date, on=on, kind="receipt",
                                      document=("receipt", receipt.id, line.id)).id
        record_cost(session, institution, line.item, line.unit_price, user)
    receipt.state, receipt.acceptor_id, receipt.accepted_on, receipt.accepted_at = (
        ReceiptState.ACCEPTED, user.id, on, utcnow())
    if note:
        receipt.acceptance_note = note[:256]
    voucher = _post(session, receipt, user, on)
    receipt.voucher_number = voucher.number
    session.flush()
    return receipt


def _post(session: Session, receipt: Receipt, user: User, on: date):
    template = posting_template(session, user.community_id, "procurement.receipt")
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for line in receipt.lines:
        by_account[template.account("inventory", qualifier(line.item))] += line.amount
    memo = f"采购入库 {receipt.number} {receipt.supplier.name}"
    lines = [LineInput(account=account, debit=amount, memo=memo) for account, amount in sorted(by_account.items())]
    lines.append(LineInput(account=template.account("payable"), credit=receipt.amount,
                           partner=receipt.supplier.code, memo=memo))
    voucher = VoucherInput(institution=receipt.institution.code, date=on, lines=lines, memo=memo,
                           attachment_count=1)
    preparer = session.get(User, receipt.preparer_id) if receipt.preparer_id else user
    return post_document(session, receipt_source(receipt), voucher, preparer=preparer, poster=user,
                         template_version=template.ref)


def cancel_receipt(session: Session, receipt: Receipt) -> Receipt:
    """作废 a draft receipt: its packages no longer count against the order; its codes are forgotten."""
    RECEIPT_STATES.begin(session, receipt, ReceiptState.CANCELLED)
    for line in receipt.lines:
        po_line = session.scalar(select(PurchaseOrderLine).where(PurchaseOrderLine.id == line.po_line_id)
                                 .with_for_update().execution_options(populate_existing=True))
        po_line.received -= line.quantity
        for code in list(line.codes):
            session.delete(code)
    receipt.state = ReceiptState.CANCELLED
    session.flush()
    return receipt


def receipt_query(*, institution: Institution | None = None, state: str | None = None,
                  order_id: int | None = None):
    statement = select(Receipt).order_by(Receipt.id.desc())
    if institution is not None:
        statement = statement.where(Receipt.institution_id == institution.id)
    if state:
        statement = statement.where(Receipt.state == ReceiptState(state))
    if order_id:
        statement = statement.where(Receipt.order_id == order_id)
    return statement
