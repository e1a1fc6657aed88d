"""Procurement's home-page tiles (首页待办): requisitions and orders to approve, receipts to accept, batches
near expiry, supplier invoices due this week.

Each provider counts within the user's institutions and names the list it counts (erp.core.tiles)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from erp.core.models import User
from erp.core.registry import N_
from erp.core.scoping import Scope
from erp.core.tiles import TileValue, in_scope
from erp.core.timeutil import local_today
from erp.procurement.models import (Invoice, OrderState, PurchaseOrder, Receipt, ReceiptState, Requisition,
                                    RequisitionState, StockBatch)
from erp.procurement.services.alerts import add_months
from erp.procurement.services.pricing import settings_for

def requisitions_to_approve(session: Session, user: User, scope: Scope) -> TileValue:
    """待审批请领单: submitted requisitions."""
    count = session.scalar(in_scope(select(func.count(Requisition.id))
                                    .where(Requisition.state == RequisitionState.SUBMITTED),
                                    Requisition.institution_id, scope))
    return TileValue(count, "procurement.requisition_list", {"state": "submitted"})


def orders_to_approve(session: Session, user: User, scope: Scope) -> TileValue:
    """待审批采购订单, with their amount (what approval will commit against the budget)."""
    orders = session.scalars(in_scope(select(PurchaseOrder).where(PurchaseOrder.state == OrderState.DRAFT)
                                      .options(selectinload(PurchaseOrder.lines)),
                                      PurchaseOrder.institution_id, scope)).all()
    amount = sum((order.amount for order in orders), Decimal("0.00"))
    return TileValue(len(orders), "procurement.order_list", {"state": "draft"}, details=((N_("金额"), amount),))


def receipts_to_accept(session: Session, user: User, scope: Scope) -> TileValue:
    """待验收入库: registered receipts waiting for acceptance by another person."""
    count = session.scalar(in_scope(select(func.count(Receipt.id)).where(Receipt.state == ReceiptState.DRAFT),
                                    Receipt.institution_id, scope))
    return TileValue(count, "procurement.receipt_list", {"state": "draft"})


def near_expiry_batches(session: Session, user: User, scope: Scope) -> TileValue:
    """近效期批次: batches in stock expiring within the community's window (default 6 months)."""
    limit = add_months(local_today(), settings_for(session, user.community_id).near_expiry_months)
    count, value = session.execute(in_scope(
        select(func.count(StockBatch.id), func.coalesce(func.sum(StockBatch.value), 0))
        .where(StockBatch.quantity > 0, StockBatch.expiry <= limit), StockBatch.institution_id, scope)).one()
    # the stock list sorted by expiry shows these batches first
    return TileValue(count, "procurement.stock_list", {"sort": "expiry"}, details=((N_("金额"), Decimal(value)),))


def payments_due_this_week(session: Session, user: User, scope: Scope) -> TileValue:
    """本周应付货款: what is still unpaid on invoices due by this Sunday (overdue ones included)."""
    today = local_today()
    sunday = today + timedelta(days=6 - today.weekday())
    count, outstanding = session.execute(in_scope(
        select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.amount - Invoice.paid), 0))
        .where(Invoice.paid < Invoice.amount, Invoice.due_date <= sunday), Invoice.institution_id, scope)).one()
    return TileValue(Decimal(outstanding), "procurement.invoice_list", {"sort": "due_date"}, kind="amount",
                     details=((N_("发票张数"), count),))
