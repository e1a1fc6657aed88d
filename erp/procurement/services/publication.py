"""货款支付情况公示: per supplier and period (the month invoices fall due) — due, paid on time, paid late (and
how many days late at most), unpaid — and the on-time payment rate the KPIs use."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.procurement.models import Invoice, MovementState, Payment, PaymentAllocation, Supplier
from erp.procurement.services.flow_common import parse_period

ZERO = Decimal("0")


@dataclass
class PublicationRow:
    supplier: Supplier
    due: Decimal = ZERO
    on_time: Decimal = ZERO
    late: Decimal = ZERO
    days_late: int = 0  # the most days any part was paid after its due date
    invoices: int = 0

    @property
    def unpaid(self) -> Decimal:
        return self.due - self.on_time - self.late


@dataclass
class Publication:
    period: str
    rows: list[PublicationRow] = field(default_factory=list)

    def total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.rows), ZERO)

    @property
    def on_time_rate(self) -> Decimal | None:
        """Share of the amount due that was paid by its due date (None when nothing fell due)."""
        due = self.total("due")
        return None if not due else self.total("on_time") / due


def publication(session: Session, period: str) -> Publication:
    year, month = parse_period(period)
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    invoices = list(session.scalars(select(Invoice).where(Invoice.due_date >= start, Invoice.due_date < end)))
    paid = defaultdict(list)
    if invoices:
        for allocation, paid_on in session.execute(
                select(PaymentAllocation, Payment.date).join(PaymentAllocation.payment)
                .where(PaymentAllocation.invoice_id.in_([i.id for i in invoices]),
                       Payment.state == MovementState.POSTED)):
            paid[allocation.invoice_id].append((allocation.amount, paid_on))
    rows: dict[int, PublicationRow] = {}
    for invoice in invoices:
        row = rows.setdefault(invoice.supplier_id, PublicationRow(invoice.supplier))
        row.due += invoice.amount
        row.invoices += 1
        for amount, paid_on in paid[invoice.id]:
            if paid_on <= invoice.due_date:
                row.on_time += amount
            else:
                row.late += amount
                row.days_late = max(row.days_late, (paid_on - invoice.due_date).days)
    return Publication(period, sorted(rows.values(), key=lambda r: r.supplier.code))
