"""The ledger's home-page tiles (首页待办): vouchers to review (审核) and to post (记账), months to close (结账).

Each provider counts within the user's institutions and names the list it counts (erp.core.tiles)."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from erp.core.models import Institution, User
from erp.core.scoping import Scope
from erp.core.tiles import TileValue, in_scope
from erp.core.timeutil import local_today
from erp.ledger.models import Period, PeriodState, Voucher, VoucherState
from erp.ledger.services.bookkeeping import keeps_books

def _vouchers(scope: Scope, state: VoucherState):
    return in_scope(select(func.count(Voucher.id)).where(Voucher.state == state), Voucher.institution_id, scope)


def drafts_to_review(session: Session, user: User, scope: Scope) -> TileValue:
    """待审核: drafts someone else prepared (the reviewer is never the preparer)."""
    statement = _vouchers(scope, VoucherState.DRAFT).where(
        or_(Voucher.preparer_id.is_(None), Voucher.preparer_id != user.id))
    return TileValue(session.scalar(statement), "ledger.vouchers", {"state": "draft"})


def reviewed_to_post(session: Session, user: User, scope: Scope) -> TileValue:
    """待记账: reviewed vouchers."""
    return TileValue(session.scalar(_vouchers(scope, VoucherState.REVIEWED)), "ledger.vouchers",
                     {"state": "reviewed"})


def months_to_close(session: Session, user: User, scope: Scope) -> TileValue:
    """待结账: months already over whose period is still open, over the user's institutions that keep books
    (not the village clinics that are 报账 units of their centre: erp.ledger.services.bookkeeping)."""
    today = local_today()
    count, first_year = session.execute(in_scope(
        select(func.count(Period.id), func.min(Period.year))
        .join(Institution, Institution.id == Period.institution_id)
        .where(Period.state == PeriodState.OPEN, keeps_books(),
               or_(Period.year < today.year, and_(Period.year == today.year, Period.month < today.month))),
        Period.institution_id, scope)).one()
    # the periods page shows one year: the earliest one with a month left open
    return TileValue(count, "ledger.periods", {"year": first_year or today.year, "institution": ""})
