"""Fiscal years and monthly periods: open, close, reopen (会计期间与结账)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core import signals
from erp.core.errors import BusinessError, Conflict, Forbidden, NotFound
from erp.core.models import Institution, User
from erp.core.timeutil import utcnow
from erp.ledger.models import FiscalYear, Period, PeriodState, Voucher, VoucherState

REOPEN_ROLE = "chief_accountant"


def open_year(session: Session, institution: Institution, year: int) -> FiscalYear:
    """Open a fiscal year with its twelve monthly periods (idempotent)."""
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.institution_id == institution.id,
                                                          FiscalYear.year == year))
    if fiscal_year is None:
        fiscal_year = FiscalYear(institution_id=institution.id, year=year, state=PeriodState.OPEN)
        session.add(fiscal_year)
    have = set(session.scalars(select(Period.month).where(Period.institution_id == institution.id,
                                                          Period.year == year)))
    for month in range(1, 13):
        if month not in have:
            session.add(Period(institution_id=institution.id, year=year, month=month, state=PeriodState.OPEN))
    session.flush()
    return fiscal_year


def get_period(session: Session, institution_id: int, year: int, month: int, *, field: str = "period",
               lock: bool = False) -> Period:
    statement = select(Period).where(Period.institution_id == institution_id, Period.year == year,
                                     Period.month == month)
    if lock:
        # Posting holds the period row shared, closing holds it exclusive: no posting slips into a
        # period while it is being closed.
        statement = statement.with_for_update(read=lock == "shared")
    period = session.scalar(statement)
    if period is None:
        raise NotFound.for_field(field, f"会计期间 {year}-{month:02d} 未开启 (period not opened)")
    return period


def open_period_for(session: Session, institution_id: int, on: date, *, field: str = "date",
                    lock: bool = False) -> Period:
    period = get_period(session, institution_id, on.year, on.month, field=field, lock="shared" if lock else False)
    if period.state is not PeriodState.OPEN:
        raise BusinessError.for_field(field, f"会计期间 {period.label} 已结账 (period closed)", "period_closed")
    return period


def parse_period(value: str, field: str = "period") -> tuple[int, int]:
    try:
        year, month = (int(part) for part in value.split("-"))
        if not 1 <= month <= 12 or not 1900 <= year <= 9999:
            raise ValueError
    except ValueError:
        raise BusinessError.for_field(field, f"期间格式应为 YYYY-MM (got {value!r})") from None
    return year, month


def close_period(session: Session, institution: Institution, year: int, month: int, user: User) -> Period:
    """结账: no drafts may remain, every earlier month (earlier years' included) must be closed, and every
    earlier fiscal year closed (年结). Announces ``period_closed``."""
    period = get_period(session, institution.id, year, month, lock=True)
    if period.state is PeriodState.CLOSED:
        raise Conflict.for_field("period", f"会计期间 {period.label} 已经结账", "period_closed")
    _require_earlier_closed(session, institution.id, year, month)
    drafts = session.scalar(select(func.count(Voucher.id)).where(
        Voucher.institution_id == institution.id, Voucher.year == year, Voucher.month == month,
        Voucher.state.in_([VoucherState.DRAFT, VoucherState.REVIEWED])))
    if drafts:
        raise Conflict.for_field("period", f"期间 {period.label} 还有 {drafts} 张未记账凭证 "
                                           f"(post or delete the drafts first)", "drafts_left")
    period.state = PeriodState.CLOSED
    period.closed_at = utcnow()
    period.closed_by_id = user.id if user else None
    session.flush()
    signals.send(signals.period_closed, session=session, institution_id=institution.id, year=year, month=month)
    return period


def _require_earlier_closed(session: Session, institution_id: int, year: int, month: int) -> None:
    earlier = (Period.year < year) | ((Period.year == year) & (Period.month < month))
    open_months = session.scalars(select(Period).where(
        Period.institution_id == institution_id, earlier, Period.state == PeriodState.OPEN)
        .order_by(Period.year, Period.month)).all()
    if open_months:
        raise Conflict.for_field("period", f"{year} 年 {month} 月之前还有 {len(open_months)} 个期间未结账，"
                                           f"最早为 {open_months[0].label} (close earlier periods first)")
    open_year = session.scalar(select(func.min(FiscalYear.year)).where(
        FiscalYear.institution_id == institution_id, FiscalYear.year < year, FiscalYear.state == PeriodState.OPEN))
    if open_year is not None:
        raise Conflict.for_field("period", f"{open_year} 年度尚未年结，请先年结 "
                                           f"(close the fiscal year {open_year} first)", "year_open")


def reopen_period(session: Session, institution: Institution, year: int, month: int, user: User,
                  reason: str) -> Period:
    """反结账: only the chief accountant, with a reason; later months must still be open."""
    if user.role != REOPEN_ROLE:
        raise Forbidden("只有总会计师可以反结账 (only the chief accountant may reopen a period)")
    if not reason or not reason.strip():
        raise BusinessError.for_field("reason", "反结账必须说明原因 (a reason is required)")
    period = get_period(session, institution.id, year, month, lock=True)
    if period.state is PeriodState.OPEN:
        raise Conflict.for_field("period", f"会计期间 {period.label} 未结账")
    year_closed = session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == institution.id,
                                                                FiscalYear.year == year))
    if year_closed is PeriodState.CLOSED:
        raise Conflict.for_field("period", f"{year} 年度已年结，不能反结账 (the fiscal year is closed)")
    later_closed = session.scalar(select(func.count(Period.id)).where(
        Period.institution_id == institution.id, Period.year == year, Period.month > month,
        Period.state == PeriodState.CLOSED))
    if later_closed:
        raise Conflict.for_field("period", "请先反结账以后的期间 (reopen later periods first)")
    period.state = PeriodState.OPEN
    period.reopen_reason = reason.strip()
    period.closed_at = None
    period.closed_by_id = None
    session.flush()
    return period


@dataclass(frozen=True)
class PeriodRange:
    """Months ``start``..``end`` of one fiscal year."""

    year: int
    start: int
    end: int

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.year}年{self.end}月"
        return f"{self.year}年{self.start}月至{self.end}月"

    @property
    def key(self) -> str:
        if self.start == self.end:
            return f"{self.year}-{self.end:02d}"
        return f"{self.year}-{self.start:02d}至{self.end:02d}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.start:02d}"

    @property
    def period_to(self) -> str:
        return f"{self.year}-{self.end:02d}"

    def query_args(self) -> dict[str, str]:
        args = {"period": self.period}
        if self.end != self.start:
            args["period_to"] = self.period_to
        return args


def period_range(period: str | None, period_to: str | None = None, *, field: str = "period",
                 field_to: str = "period_to") -> PeriodRange:
    """``period`` (YYYY-MM) alone is one month; with ``period_to`` a range within the same year."""
    if not period:
        raise BusinessError.for_field(field, "请指定期间 YYYY-MM (period is required)")
    year, start = parse_period(period, field)
    end = start
    if period_to:
        to_year, end = parse_period(period_to, field_to)
        if to_year != year:
            raise BusinessError.for_field(field_to, "期间范围须在同一会计年度内 (a range stays within one year)")
        if end < start:
            raise BusinessError.for_field(field_to, "截止期间不能早于起始期间 (the range ends before it starts)")
    return PeriodRange(year, start, end)
