"""The ledger's demo: master data (:mod:`.master`: partners, funding sources, projects, the previous year
opened) and the demo books (演示账套): a compact closed previous year with opening balances, and this year's
first quarter of vouchers (of every member but the village clinics) prepared, reviewed and posted by the demo users. ``erp load-demo`` loads both
(:func:`load_books`); tests that want an empty ledger load only :func:`load_demo`. Idempotent."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.demo import DEMO_COMMUNITY
from erp.core.models import Community, Department
from erp.core.timeutil import local_today
from erp.ledger.demo.master import load_demo
from erp.ledger.demo.previous_year import load_previous_year
from erp.ledger.demo.quarter import FIRST_MEMO, load_quarter
from erp.ledger.demo.writer import demo_users
from erp.ledger.models import FiscalYear, PeriodState, Voucher
from erp.ledger.services.bookkeeping import book_keeping_institutions

__all__ = ["load_books", "load_demo"]


def load_books(session: Session) -> None:
    load_demo(session)
    community = session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))
    users = demo_users(session, community) if community else None
    if users is None:
        return
    # 村卫生室 keep no books of their own: under 乡村一体化管理 they are 报账 units of their township centre
    members = book_keeping_institutions(session, community.id)
    departments: dict[int, list[str]] = {i.id: [] for i in members}
    for institution_id, code in session.execute(select(Department.institution_id, Department.code).where(
            Department.institution_id.in_(list(departments))).order_by(Department.code)):
        departments[institution_id].append(code)
    today = local_today()
    year = today.year
    previous = session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == members[0].id,
                                                             FiscalYear.year == year - 1))
    if previous is PeriodState.OPEN:
        load_previous_year(session, members, departments, users, year - 1)
    if session.scalar(select(Voucher.id).where(Voucher.institution_id == members[0].id, Voucher.year == year,
                                               Voucher.memo == FIRST_MEMO)) is None:
        load_quarter(session, members, departments, users, today)
    session.flush()
