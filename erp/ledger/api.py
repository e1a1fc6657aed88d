"""Ledger JSON API: vouchers, periods, accounts."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from erp.core.api_framework import API_PREFIX, PageQuery, api_route, paged_query
from erp.core.errors import NotFound
from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.services import institution_by_code
from erp.ledger import chart, internal, periods, year_end
from erp.ledger.models import Account, Basis, BudgetMapping, Period, Voucher, VoucherLine, VoucherState
from erp.ledger.posting import Ledger, LineInput, VoucherInput
from erp.ledger.schemas import (AccountOut, BudgetMappingSchema, InternalIn, InternalOut, AccountQuery, DetailAccountIn, PeriodIn, PeriodOut, PeriodQuery, ReopenIn, ReverseIn,
                                VoucherIn, VoucherOut, VoucherQuery, YearCloseIn, YearCloseOut)

bp = Blueprint("ledger_api", __name__, url_prefix=API_PREFIX)


def voucher_input(body: dict) -> VoucherInput:
    return VoucherInput(institution=body["institution"], date=body["date"], memo=body["memo"],
                        attachment_count=body["attachment_count"], internal_ref=body.get("internal_ref"),
                        lines=[LineInput(**line) for line in body["lines"]])


@api_route(bp, "/internal-transactions", "POST", permission="ledger.voucher.write",
           summary="Record a transaction between two members (内部往来): two drafts sharing a reference",
           body=InternalIn, response=InternalOut, status=201, idempotent=True)
def create_internal(body):
    issued, received = internal.record_internal(db.session, g.user, internal.InternalTransaction(
        memo=body["memo"], issuer=voucher_input(body["issuer"]), receiver=voucher_input(body["receiver"])))
    return {"internal_ref": issued.internal_ref, "issuer": issued, "receiver": received}


def get_voucher(voucher_id: int) -> Voucher:
    voucher = db.session.scalar(select(Voucher).where(Voucher.id == voucher_id)
                                .options(selectinload(Voucher.lines).selectinload(VoucherLine.account)))
    if voucher is None:
        raise NotFound.for_field("id", f"voucher {voucher_id} not found in your scope")
    return voucher


@api_route(bp, "/vouchers", "POST", permission="ledger.voucher.write", summary="Enter a draft voucher (记账凭证)",
           body=VoucherIn, response=VoucherOut, status=201, idempotent=True)
def create_voucher(body):
    return Ledger(db.session, g.user).create_draft(voucher_input(body))


@api_route(bp, "/vouchers", permission="ledger.voucher.read", summary="Vouchers in your scope",
           query=VoucherQuery, response=VoucherOut, paged=True)
def list_vouchers(query):
    statement = (select(Voucher).join(Voucher.institution)
                 .options(selectinload(Voucher.lines).selectinload(VoucherLine.account))
                 .order_by(Institution.code, Voucher.year, Voucher.month, Voucher.number, Voucher.id))
    if "institution" in query:
        statement = statement.where(Institution.code == query["institution"])
    if "period" in query:
        year, month = periods.parse_period(query["period"])
        statement = statement.where(Voucher.year == year, Voucher.month == month)
    if "status" in query:
        statement = statement.where(Voucher.state == VoucherState(query["status"]))
    return paged_query(statement, query)


@api_route(bp, "/vouchers/<int:voucher_id>", permission="ledger.voucher.read", summary="One voucher with its lines",
           response=VoucherOut)
def show_voucher(voucher_id):
    return get_voucher(voucher_id)


@api_route(bp, "/vouchers/<int:voucher_id>", "PUT", permission="ledger.voucher.write",
           summary="Correct a draft voucher (its editor becomes its preparer)", body=VoucherIn, response=VoucherOut)
def update_voucher(voucher_id, body):
    return Ledger(db.session, g.user).update_draft(get_voucher(voucher_id), voucher_input(body))


@api_route(bp, "/vouchers/<int:voucher_id>", "DELETE", permission="ledger.voucher.write",
           summary="Delete a draft voucher")
def delete_voucher(voucher_id):
    Ledger(db.session, g.user).delete_draft(get_voucher(voucher_id))
    return {"deleted": voucher_id}


@api_route(bp, "/vouchers/<int:voucher_id>/post", "POST", permission="ledger.voucher.post",
           summary="Post a draft: number, 平行记账, hash chain, balances", response=VoucherOut)
def post_voucher(voucher_id):
    return Ledger(db.session, g.user).post(get_voucher(voucher_id))


@api_route(bp, "/vouchers/<int:voucher_id>/reverse", "POST", permission="ledger.voucher.reverse",
           summary="Reverse a posted voucher (红字冲销) in an open period", body=ReverseIn, response=VoucherOut,
           status=201, idempotent=True)
def reverse_voucher(voucher_id, body):
    return Ledger(db.session, g.user).reverse(get_voucher(voucher_id), body["date"], body["memo"])


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


@api_route(bp, "/accounts", permission="ledger.chart.read", summary="The chart of accounts (会计科目)",
           query=AccountQuery, response=AccountOut, paged=True)
def list_accounts(query):
    institution = (institution_by_code(db.session, g.user.community_id, query["institution"])
                   if "institution" in query else None)
    statement = chart.visible_accounts(g.user.community_id, institution).order_by(Account.code)
    if "q" in query:
        like = f"%{query['q']}%"
        statement = statement.where(or_(Account.code.like(f"{query['q']}%"), Account.name.like(like)))
    if "basis" in query:
        statement = statement.where(Account.basis == Basis(query["basis"]))
    return paged_query(statement, query)


@api_route(bp, "/accounts", "POST", permission="ledger.chart.write", summary="Add an institution's detail account "
           "(明细科目)", body=DetailAccountIn, response=AccountOut, status=201, idempotent=True)
def create_detail_account(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return chart.add_detail_account(db.session, institution, body["parent"], body["code"], body["name"],
                                    body["required_dimensions"])


@api_route(bp, "/years/close", "POST", permission="ledger.year.close",
           summary="Year-end close (年终结转): carry forward and open the next year", body=YearCloseIn,
           response=YearCloseOut)
def close_year(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    voucher = year_end.close_year(db.session, institution, body["year"], g.user)
    return {"institution": institution, "year": body["year"], "voucher": voucher}


@api_route(bp, "/budget-mappings", permission="ledger.chart.read", summary="The 平行记账 mapping of your community",
           query=PageQuery, response=BudgetMappingSchema, paged=True)
def list_budget_mappings(query):
    statement = (select(BudgetMapping).where(BudgetMapping.community_id == g.user.community_id)
                 .order_by(BudgetMapping.account_prefix, BudgetMapping.side))
    return paged_query(statement, query)


@api_route(bp, "/budget-mappings", "PUT", permission="ledger.chart.write",
           summary="Add or change one 平行记账 rule (by account prefix and side)", body=BudgetMappingSchema,
           response=BudgetMappingSchema)
def put_budget_mapping(body):
    return chart.set_budget_mapping(db.session, g.user.community_id, **body)


@api_route(bp, "/budget-mappings/<int:mapping_id>", "DELETE", permission="ledger.chart.write",
           summary="Remove a 平行记账 rule")
def delete_budget_mapping(mapping_id):
    rule = db.session.scalar(select(BudgetMapping).where(BudgetMapping.id == mapping_id,
                                                         BudgetMapping.community_id == g.user.community_id))
    if rule is None:
        raise NotFound.for_field("id", f"mapping {mapping_id} not found")
    db.session.delete(rule)
    return {"deleted": mapping_id}
