"""Gapless document numbers per (institution, document type, fiscal year[, period]).

The counter row is incremented with ``UPDATE … RETURNING`` inside the caller's transaction: the row
lock makes concurrent transactions wait their turn, and a transaction that rolls back gives its number
back with it, so numbers have no gaps and no duplicates.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp.core.models import SequenceCounter


def _insert_if_missing(session: Session, key: dict) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(SequenceCounter).values(**key, last_value=0).on_conflict_do_nothing())


def next_value(session: Session, institution_id: int, doc_type: str, fiscal_year: int, period: int = 0) -> int:
    key = {"institution_id": institution_id, "doc_type": doc_type, "fiscal_year": fiscal_year, "period": period}
    where = [getattr(SequenceCounter, name) == value for name, value in key.items()]
    bump = update(SequenceCounter).where(*where).values(last_value=SequenceCounter.last_value + 1)
    value = session.execute(bump.returning(SequenceCounter.last_value)).scalar()
    if value is None:
        _insert_if_missing(session, key)
        value = session.execute(bump.returning(SequenceCounter.last_value)).scalar_one()
    return value


def next_number(session: Session, institution_id: int, doc_type: str, prefix: str, fiscal_year: int,
                period: int = 0, width: int = 4) -> str:
    """E.g. ``记-2026-03-0001`` (monthly series) or ``PO-2026-00001`` (yearly series)."""
    value = next_value(session, institution_id, doc_type, fiscal_year, period)
    middle = f"{fiscal_year}-{period:02d}" if period else f"{fiscal_year}"
    return f"{prefix}-{middle}-{value:0{width}d}"


def current_value(session: Session, institution_id: int, doc_type: str, fiscal_year: int, period: int = 0) -> int:
    return session.scalar(select(SequenceCounter.last_value).where(
        SequenceCounter.institution_id == institution_id, SequenceCounter.doc_type == doc_type,
        SequenceCounter.fiscal_year == fiscal_year, SequenceCounter.period == period)) or 0
