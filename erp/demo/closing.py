"""The demo books' month-end: once the ledger's demo vouchers and the modules' documents of the first quarter
are posted (procurement's receipts, transfers, dispensing and payments; payroll's runs and payments), the
chief accountant closes January and February of every member that keeps books (结账 writes the period's
signed anchor). March stays open, as the month being worked on. Idempotent: a closed month is left alone."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.demo import DEMO_COMMUNITY
from erp.core.models import Community, Institution, User
from erp.core.timeutil import local_today
from erp.ledger.services import Period, PeriodState, book_keeping_institutions, close_period

CLOSED_MONTHS = (1, 2)


def load_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))
    chief = session.scalar(select(User).where(User.username == "chief"))
    today = local_today()
    year = today.year
    if community is None or chief is None:
        return
    # the members keeping books, whose previous year the ledger's demo closed (the village clinics keep none)
    for institution in book_keeping_institutions(session, community.id):
        for month in (m for m in CLOSED_MONTHS if m + 1 < today.month):  # once the next month is over too
            if not month_closed(session, institution, year, month):
                close_period(session, institution, year, month, chief)
    session.flush()


def month_closed(session: Session, institution: Institution, year: int, month: int) -> bool:
    return session.scalar(select(Period.state).where(Period.institution_id == institution.id, Period.year == year,
                                                     Period.month == month)) is PeriodState.CLOSED
