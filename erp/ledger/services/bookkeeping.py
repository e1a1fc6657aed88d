"""Which members keep books of their own (记账单位): the institutions whose months must be closed.

Every member gets a fiscal year when it joins (erp.ledger.services.institutions), so open periods alone do not
tell. A member keeps books unless it is a 村卫生室: under 乡村一体化管理 a village clinic is a 报账 unit of its
township (or community) centre, whose books hold its figures. A village clinic that nevertheless has vouchers
of its own (e.g. a 配送调拨 addressed to it) keeps books too: those months must be closed like any other.

This is the one rule; the 待结账 tile, the periods page, the 年结 page and the demo's month-end all use it.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from erp.core.models import Institution, InstitutionKind
from erp.ledger.models import Voucher


def keeps_books():
    """The SQL condition on :class:`Institution`: the member keeps books of its own (记账单位)."""
    return or_(Institution.kind != InstitutionKind.VILLAGE_CLINIC,
               exists().where(Voucher.institution_id == Institution.id))


def book_keeping_institutions(session: Session, community_id: int | None = None) -> list[Institution]:
    """The members keeping books, by code (within the session's scope; of ``community_id`` when given)."""
    statement = select(Institution).where(keeps_books()).order_by(Institution.code)
    if community_id is not None:
        statement = statement.where(Institution.community_id == community_id)
    return list(session.scalars(statement))
