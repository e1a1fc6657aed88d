"""Stock per institution × item × batch: taking in, issuing first-expiry-first-out under row locks (never
negative, also under concurrent dispensing), and the stock ledger's value for the reconciliation with 1302.

An issue takes, per batch, ``line_amount(unit cost, units, units per package)`` — exactly proportional to the
package cost, rounded once to the fen — or the batch's whole remaining value when it empties it, so the
batches' value is always the sum of their moves and equals what the vouchers put on 库存物品."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import Conflict
from erp.core.models import Institution
from erp.procurement.models import CatalogueItem, StockBatch, StockMove
from erp.procurement.services.pricing import dispensing_price, line_amount, selling_price_row

ZERO = Decimal("0")


class InsufficientStock(Conflict):
    """Not enough on hand (409): stock never goes negative."""

    code = "insufficient_stock"


@dataclass(frozen=True)
class Issued:
    batch: StockBatch
    quantity: int  # minimum units
    value: Decimal


def take_in(session: Session, institution: Institution, item: CatalogueItem, *, batch: str, expiry: date,
            unit_cost: Decimal, units: int, value: Decimal, production_date: date | None, on: date, kind: str,
            document: tuple[str, int, int | None]) -> StockBatch:
    """Add ``units`` minimum units worth ``value`` to the batch (created when new); one move recorded."""
    row = session.scalar(select(StockBatch).where(
        StockBatch.institution_id == institution.id, StockBatch.item_id == item.id, StockBatch.batch == batch,
        StockBatch.unit_cost == unit_cost).with_for_update())
    if row is None:
        row = StockBatch(institution_id=institution.id, item_id=item.id, batch=batch, expiry=expiry,
                         production_date=production_date, unit_cost=unit_cost, quantity=0, value=ZERO)
        session.add(row)
    row.quantity += units
    row.value += value
    session.flush()
    _move(session, row, on, kind, units, value, document)
    return row


def issue(session: Session, institution: Institution, item: CatalogueItem, units: int, *, on: date, kind: str,
          document: tuple[str, int, int | None], field: str) -> list[Issued]:
    """Take ``units`` minimum units out, first expiry first out, locking the batches first; refused (409
    ``insufficient_stock`` naming ``field``) when the institution holds less. Expired batches are not issued."""
    batches = _issuable(session, institution, item, on, lock=True)
    available = sum(batch.quantity for batch in batches)
    if available < units:
        raise InsufficientStock.for_field(field, f"{institution.name} 的 {item.code} {item.generic_name} 库存不足："
                                                 f"需要 {units}{item.min_unit}，可用 {available}{item.min_unit} "
                                                 f"(insufficient stock: need {units}, have {available})")
    taken = _plan(batches, item, units)
    for part in taken:
        part.batch.quantity -= part.quantity
        part.batch.value -= part.value
    session.flush()
    for part in taken:
        _move(session, part.batch, on, kind, -part.quantity, -part.value, document)
    return taken


def preview_issue(session: Session, institution: Institution, item: CatalogueItem, units: int,
                  on: date) -> list[Issued] | None:
    """What :func:`issue` would take today (the same batches and values), nothing locked or changed; None when
    the institution holds less than ``units``. For showing a draft's value before it is posted."""
    batches = _issuable(session, institution, item, on, lock=False)
    if sum(batch.quantity for batch in batches) < units:
        return None
    return _plan(batches, item, units)


@dataclass(frozen=True)
class Expected:
    """What posting a stock document gives: its amount and each line's cost value (by line id); None where the
    stock is short (then the amount is None too)."""

    amount: Decimal | None
    values: dict[int, Decimal | None]


def expected_issue(session: Session, institution: Institution, lines, on: date,
                   amount_of: Callable[[CatalogueItem, list[Issued]], Decimal] | None = None) -> Expected:
    """A draft's figures as posting it on ``on`` would give them (:func:`preview_issue` per line, in order):
    ``lines`` have ``id``, ``item`` and ``quantity``; the amount is the cost taken, or the sum of
    ``amount_of(item, parts)`` (a dispensing's revenue)."""
    values: dict[int, Decimal | None] = {}
    amount: Decimal | None = ZERO
    for line in lines:
        taken = preview_issue(session, institution, line.item, line.quantity, on)
        if taken is None:
            values[line.id] = amount = None
            continue
        values[line.id] = sum((part.value for part in taken), ZERO)
        if amount is not None:
            amount += amount_of(line.item, taken) if amount_of else values[line.id]
    return Expected(amount, values)


def _issuable(session: Session, institution: Institution, item: CatalogueItem, on: date, *,
              lock: bool) -> list[StockBatch]:
    statement = select(StockBatch).where(
        StockBatch.institution_id == institution.id, StockBatch.item_id == item.id, StockBatch.quantity > 0,
        StockBatch.expiry > on).order_by(StockBatch.expiry, StockBatch.id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(statement))


def _plan(batches: list[StockBatch], item: CatalogueItem, units: int) -> list[Issued]:
    """First expiry first out: per batch its part at the exactly proportional value, or the batch's whole
    remaining value when the part empties it."""
    taken, left = [], units
    for batch in batches:
        if not left:
            break
        quantity = min(left, batch.quantity)
        value = batch.value if quantity == batch.quantity else min(
            batch.value, line_amount(batch.unit_cost, quantity, item.units_per_package))
        left -= quantity
        taken.append(Issued(batch, quantity, value))
    return taken


def _move(session: Session, batch: StockBatch, on: date, kind: str, units: int, value: Decimal,
          document: tuple[str, int, int | None]) -> None:
    document_kind, document_id, line_id = document
    session.add(StockMove(institution_id=batch.institution_id, batch_id=batch.id, item_id=batch.item_id, date=on,
                          kind=kind, quantity=units, value=value, document_kind=document_kind,
                          document_id=document_id, document_line_id=line_id))


def stock_query(*, institution: Institution | None = None, item: CatalogueItem | None = None,
                with_empty: bool = False):
    statement = select(StockBatch).order_by(StockBatch.institution_id, StockBatch.item_id, StockBatch.expiry,
                                            StockBatch.id)
    if institution is not None:
        statement = statement.where(StockBatch.institution_id == institution.id)
    if item is not None:
        statement = statement.where(StockBatch.item_id == item.id)
    if not with_empty:
        statement = statement.where(StockBatch.quantity > 0)
    return statement


def with_selling_prices(session: Session, batches: list[StockBatch]) -> list[StockBatch]:
    """Set each batch's ``selling_price`` (per package): its cost (零差率), or for 中药饮片 the member's price
    ratio applied to it within the cap (:func:`dispensing_price`)."""
    for batch in batches:
        row = selling_price_row(session, batch.institution, batch.item) if batch.item.may_mark_up else None
        batch.selling_price = dispensing_price(session, batch.item, batch.unit_cost, row)
    return batches


def stock_value_by_institution(session: Session) -> dict[int, Decimal]:
    """The stock ledger's value per institution in scope (sum of the batches; = sum of the moves)."""
    rows = session.execute(select(StockBatch.institution_id, func.sum(StockBatch.value))
                           .group_by(StockBatch.institution_id))
    return {institution_id: value or ZERO for institution_id, value in rows}


def moves_value_by_institution(session: Session) -> dict[int, Decimal]:
    rows = session.execute(select(StockMove.institution_id, func.sum(StockMove.value))
                           .group_by(StockMove.institution_id))
    return {institution_id: value or ZERO for institution_id, value in rows}
