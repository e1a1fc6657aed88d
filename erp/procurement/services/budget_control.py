"""预算控制 of the purchase orders (issue #11): the budget module's commitments, in the order's own transaction.

Which budget line a purchase order hits: the purchase order's institution (the community's central pharmacy,
which orders, is invoiced and pays under 统一采购·统一支付 — the members are charged later at cost by 配送调拨,
internal 往来 that moves no budget cash), the budget expenditure account of the item's kind from the posting
template ``procurement.payment`` role ``budget_expenditure`` (data: the ledger's posting_templates.csv; the same
7xxx account the ledger's 平行记账 gives the payment's Dr 应付账款 line), no department and no funding source (the
payment's lines carry neither, so its actual spending lands on the institution's line for the account).

- :func:`reserve_order` — approving the order commits each account's amount (Stop: 409 ``budget_exceeded``, the
  approval's transaction is rolled back and the order stays a draft; Warn: the warning is recorded).
- :func:`release_order` — a cancelled order, or one sent back to 待审批 by a line's cancel, frees its amounts.
- :func:`hand_over_to_payment` — posting a payment hands the paid part of each order's commitment over to the
  payment, whose voucher's 平行记账 line then turns it into actual spending, once (budget's ``before_post``).
  An invoice booked by another institution (goods received straight at a member) releases the part instead:
  that institution's posting records its own actual spending. :func:`release_unspent` then frees whatever the
  posting did not turn into actual spending (a 平行记账 line landing on another budget line), so nothing stays
  committed twice.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.budget import services as budget
from erp.core.models import User
from erp.core.money import largest_remainder
from erp.ledger.services import DocumentSource, posting_template
from erp.procurement.models import Payment, PurchaseOrder

ZERO = Decimal(0)
TEMPLATE, ROLE = "procurement.payment", "budget_expenditure"


def order_source(order: PurchaseOrder, account: str) -> DocumentSource:
    """The commitment's document: the order, one per budget expenditure account it spends on."""
    return DocumentSource("procurement", "purchase_order", f"{order.id}-{account}", order.number,
                          url=f"/procurement/orders/{order.id}")


def _by_account(session: Session, order: PurchaseOrder, lines) -> dict[str, Decimal]:
    template = posting_template(session, order.institution.community_id, TEMPLATE)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        totals[template.account(ROLE, line.item.kind.value)] += line.amount
    return dict(sorted(totals.items()))


def reserve_order(session: Session, order: PurchaseOrder, user: User) -> list:
    """预占 the order's live lines, per account; returns the commitments (None where no budget controls)."""
    live = [line for line in order.lines if not line.cancelled]
    return [budget.reserve(session, order.institution, account, None, None, amount, order_source(order, account),
                           user=user, reason=f"采购订单审批 {order.number}")
            for account, amount in _by_account(session, order, live).items() if amount > 0]


def release_order(session: Session, order: PurchaseOrder, user: User | None = None) -> None:
    """释放 every open commitment of the order."""
    for account in _by_account(session, order, order.lines):
        budget.release(session, order_source(order, account), user=user)


def hand_over_to_payment(session: Session, payment: Payment, payment_source) -> None:
    """Before the payment's voucher is posted: each paid invoice's amount, split over the orders and accounts
    of its lines (largest remainder by line amount), moves that much of their open commitment to the payment."""
    shares: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    orders: dict[int, PurchaseOrder] = {}
    for allocation in payment.allocations:
        invoice = allocation.invoice
        template = posting_template(session, invoice.institution.community_id, TEMPLATE)
        weights: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        for line in invoice.lines:
            po_line = line.receipt_line.po_line
            orders[po_line.order_id] = po_line.order
            weights[(po_line.order_id, template.account(ROLE, po_line.item.kind.value))] += line.amount
        if sum(weights.values(), ZERO) <= 0:
            continue
        for key, amount in largest_remainder(allocation.amount, list(weights.items())).items():
            shares[key] += amount
    for (order_id, account), amount in sorted(shares.items()):
        order, source = orders[order_id], order_source(orders[order_id], account)
        part = min(amount, budget.committed(session, source))
        if part <= 0:
            continue
        if order.institution_id == payment.institution_id:
            budget.consume(session, source, by=payment_source, amount=part)
        else:
            budget.release(session, source, part)


def release_unspent(session: Session, payment_source) -> None:
    """After the payment's voucher is posted: what was handed over and not spent on the same line is freed."""
    budget.release(session, payment_source)
