"""What every costing service shares: the precision, the period syntax of the cost reports, departments.

Periods are the ledger's :class:`~erp.ledger.services.PeriodRange` (months of one year); costing only adds its
one-field syntax (``YYYY-MM``, ``YYYY-MM..YYYY-MM`` or ``YYYY``) and the matching label.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Department, Institution
from erp.ledger.services import PeriodRange, period_range

ZERO = Decimal("0.00")
PRECISION = 60  # digits for the intermediate products and quotients: nothing rounds before the fen
PERIOD_HELP = "YYYY-MM (a month), YYYY-MM..YYYY-MM (months of one year) or YYYY (the year)"


def parse_cost_period(value: str, field_name: str = "period") -> PeriodRange:
    """``YYYY-MM`` (a month), ``YYYY-MM..YYYY-MM`` (months of one year) or ``YYYY`` (the whole year)."""
    text = (value or "").strip()
    if text.isdigit() and len(text) == 4:
        text = f"{text}-01..{text}-12"
    start, sep, end = text.partition("..")
    if sep and not end:
        raise BusinessError.for_field(field_name, f"期间范围格式应为 YYYY-MM..YYYY-MM (got {text!r})")
    return period_range(start, end or None, field=field_name, field_to=field_name)


def parse_cost_month(value: str, field_name: str = "period") -> PeriodRange:
    """One month (``YYYY-MM``): drivers are set per month."""
    period = parse_cost_period(value, field_name)
    if period.start != period.end:
        raise BusinessError.for_field(field_name, "分摊参数按月录入：期间应为 YYYY-MM (drivers are set per month)")
    return period


def period_label(period: PeriodRange) -> str:
    """The period in the syntax :func:`parse_cost_period` reads: ``2025-03`` or ``2025-02..2025-03``."""
    if period.start == period.end:
        return period.period
    return f"{period.period}..{period.period_to}"


def departments_of(session: Session, institution: Institution) -> list[Department]:
    return list(session.scalars(select(Department).where(Department.institution_id == institution.id)
                                .order_by(Department.code)))


def department_by_code(session: Session, institution: Institution, code: str, field_name: str) -> Department:
    department = session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                         Department.code == code))
    if department is None:
        raise NotFound.for_field(field_name, f"科室 {code!r} 不存在于 {institution.name} (unknown department)")
    return department


def flush_or_conflict(session: Session) -> None:
    """Flush; a row someone else inserted meanwhile (the unique keys) is a 409 to retry, not a 500."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("分摊参数或方案正被他人同时修改，请刷新后重试 (changed concurrently: retry)",
                       code="concurrent_change") from exc
