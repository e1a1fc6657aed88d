"""Gapless document numbers per (institution, document type, fiscal year[, period]).

The counter row is incremented with ``UPDATE … RETURNING`` inside the caller's transaction: the row
lock makes concurrent transactions wait their turn, and a transaction that rolls back gives its numbers
back with it, so numbers have no gaps and no duplicates.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp.core.dbutil import dialect_insert
from erp.core.models import SequenceCounter


def reserve(session: Session, institution_id: int, doc_type: str, fiscal_year: int, period: int = 0,
            count: int = 1) -> int:
    """Take ``count`` consecutive values of the series with one statement; returns the first."""
    table = SequenceCounter.__table__  # Core statements: no ORM bookkeeping on the hot path
    key = {"institution_id": institution_id, "doc_type": doc_type, "fiscal_year": fiscal_year, "period": period}
    bump = (update(table).where(*[table.c[name] == value for name, value in key.items()])
            .values(last_value=table.c.last_value + count).returning(table.c.last_value))
    last = session.execute(bump).scalar()
    if last is None:
        session.execute(dialect_insert(session)(table).values(**key, last_value=0).on_conflict_do_nothing())
        last = session.execute(bump).scalar_one()
    return last - count + 1


def next_value(session: Session, institution_id: int, doc_type: str, fiscal_year: int, period: int = 0) -> int:
    return reserve(session, institution_id, doc_type, fiscal_year, period)


def format_number(prefix: str, fiscal_year: int, period: int, value: int, width: int = 4) -> str:
    """E.g. ``记-2026-03-0001`` (monthly series) or ``PO-2026-00001`` (yearly series, period 0)."""
    middle = f"{fiscal_year}-{period:02d}" if period else f"{fiscal_year}"
    return f"{prefix}-{middle}-{value:0{width}d}"


def next_number(session: Session, institution_id: int, doc_type: str, prefix: str, fiscal_year: int,
                period: int = 0, width: int = 4) -> str:
    value = next_value(session, institution_id, doc_type, fiscal_year, period)
    return format_number(prefix, fiscal_year, period, value, width)


def current_value(session: Session, institution_id: int, doc_type: str, fiscal_year: int, period: int = 0) -> int:
    return session.scalar(select(SequenceCounter.last_value).where(
        SequenceCounter.institution_id == institution_id, SequenceCounter.doc_type == doc_type,
        SequenceCounter.fiscal_year == fiscal_year, SequenceCounter.period == period)) or 0
