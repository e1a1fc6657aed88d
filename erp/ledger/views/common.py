"""What the ledger's pages share: the ``ledger`` blueprint and the helpers every page uses (the institutions
in the user's scope, a scoped voucher or 404, a service refusal as a message).

Every action is one transaction: the Ledger service (or ``periods``) does the work, the view commits on
success and rolls back on a refusal, showing the service's message next to the cell it names
(``lines[2].account`` → row 3, column 科目) or as a flash message.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, g, request, session
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Department, Employee, FundingSource, Institution, Partner, Project
from erp.core.web import ACTIVE_INSTITUTION_KEY
from erp.ledger.models import Voucher, VoucherLine
from erp.ledger.services.bookkeeping import book_keeping_institutions

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

STATUS_TITLES = {"draft": "未审核", "reviewed": "已审核", "posted": "已记账", "reversed": "已冲销"}


def institutions_in_scope() -> list[Institution]:
    """The institutions the user may book for now (their scope, narrowed by the switcher)."""
    return list(db.session.scalars(select(Institution).where(Institution.active.is_(True))
                                   .order_by(Institution.code)))


def book_keeping_choices(chosen: str | None) -> list[Institution]:
    """The institutions a closing page (结账, 年结) offers: the active ones in scope that keep books (not the
    village clinics that are 报账 units of their centre), and ``chosen`` when it was asked for by code; when the
    scope holds none of them (a village clinic chosen in the switcher), the institutions in scope."""
    institutions = [i for i in book_keeping_institutions(db.session) if i.active]
    if chosen and chosen not in {i.code for i in institutions} and (asked := scoped_institution(chosen)) is not None:
        institutions.append(asked)
    return institutions or institutions_in_scope()


def default_institution(institutions: list[Institution]) -> str | None:
    wanted = request.args.get("institution")
    if wanted and any(i.code == wanted for i in institutions):
        return wanted
    active_id = session.get(ACTIVE_INSTITUTION_KEY)
    for institution in institutions:
        if institution.id == active_id:
            return institution.code
    return institutions[0].code if institutions else None


def scoped_institution(code: str | None) -> Institution | None:
    if not code:
        return None
    return db.session.scalar(select(Institution).where(Institution.community_id == g.user.community_id,
                                                       Institution.code == code))


def voucher_or_404(voucher_id: int) -> Voucher:
    """The voucher if it is in the user's scope (scoping filters the query): 404 otherwise."""
    voucher = db.session.scalar(select(Voucher).where(Voucher.id == voucher_id)
                                .options(selectinload(Voucher.lines).selectinload(VoucherLine.account)))
    if voucher is None:
        abort(404)
    return voucher


def refusal_message(exc: Exception) -> str:
    if isinstance(exc, BusinessError):
        parts = [exc.message] + [m for messages in exc.fields.values() for m in messages if m != exc.message]
        return "；".join(parts)
    return str(exc)


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def dimension_labels(lines: list[VoucherLine]) -> dict[tuple[str, int], str]:
    """(dimension, id) -> "code name" for the dimensions the lines carry."""
    models = {"department": Department, "partner": Partner, "funding_source": FundingSource,
              "employee": Employee, "project": Project}
    labels: dict[tuple[str, int], str] = {}
    for dimension, model in models.items():
        ids = {getattr(line, f"{dimension}_id") for line in lines} - {None}
        if ids:
            for row in db.session.execute(select(model.id, model.code, model.name).where(model.id.in_(ids))):
                labels[(dimension, row.id)] = f"{row.code} {row.name}"
    return labels
