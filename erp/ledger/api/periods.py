"""Ledger JSON API: accounting periods (结账, 反结账) and the year-end close (年终结转)."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.services import institution_by_code
from erp.ledger.models import Period
from erp.ledger.schemas.periods import PeriodIn, PeriodOut, PeriodQuery, ReopenIn, YearCloseIn, YearCloseOut
from erp.ledger.schemas.vouchers import VoucherOut
from erp.ledger.services import periods, year_end

bp = Blueprint("ledger_periods_api", __name__, url_prefix=API_PREFIX)


def _period_args(body: dict) -> tuple[Institution, int, int]:
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    year, month = periods.parse_period(body["period"])
    return institution, year, month


@api_route(bp, "/periods/close", "POST", permission="ledger.period.close", summary="Close a month (结账)",
           body=PeriodIn, response=PeriodOut)
def close_period(body):
    return periods.close_period(db.session, *_period_args(body), g.user)


@api_route(bp, "/periods/reopen", "POST", permission="ledger.period.reopen",
           summary="Reopen a closed month (反结账, chief accountant, with a reason)", body=ReopenIn, response=PeriodOut)
def reopen_period(body):
    return periods.reopen_period(db.session, *_period_args(body), g.user, body["reason"])


@api_route(bp, "/periods", permission="ledger.period.read", summary="Periods of an institution",
           query=PeriodQuery, response=PeriodOut, paged=True)
def list_periods(query):
    institution = institution_by_code(db.session, g.user.community_id, query["institution"])
    statement = select(Period).where(Period.institution_id == institution.id).order_by(Period.year, Period.month)
    return paged_query(statement, query)


@api_route(bp, "/years/close", "POST", permission="ledger.year.close",
           summary="Year-end close (年终结转): carry forward and open the next year", body=YearCloseIn,
           response=YearCloseOut)
def close_year(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    voucher = year_end.close_year(db.session, institution, body["year"], g.user)
    return {"institution": institution, "year": body["year"], "voucher": voucher}


@api_route(bp, "/periods/carry-over", "POST", permission="ledger.period.close",
           summary="期末结转: the month's revenue and expense into 本期盈余 (budget side into 结转结余) as a draft "
                   "voucher to review and post", body=PeriodIn, response=VoucherOut, status=201)
def carry_over(body):
    return year_end.prepare_carry_over(db.session, *_period_args(body), g.user)
