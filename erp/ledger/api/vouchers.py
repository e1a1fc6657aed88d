"""Ledger JSON API: vouchers (记账凭证) and internal transactions (内部往来)."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from erp.core.api_framework import API_PREFIX, api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Institution
from erp.ledger.models import Voucher, VoucherLine, VoucherState
from erp.ledger.schemas.vouchers import InternalIn, InternalOut, ReverseIn, VoucherIn, VoucherOut, VoucherQuery
from erp.ledger.services import internal, periods
from erp.ledger.services.posting import Ledger, LineInput, VoucherInput, voucher_in_scope

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
    return voucher_in_scope(db.session, voucher_id)


@api_route(bp, "/vouchers/<int:voucher_id>", "PUT", permission="ledger.voucher.write",
           summary="Correct a draft voucher (its editor becomes its preparer)", body=VoucherIn, response=VoucherOut)
def update_voucher(voucher_id, body):
    return Ledger(db.session, g.user).update_draft(voucher_in_scope(db.session, voucher_id), voucher_input(body))


@api_route(bp, "/vouchers/<int:voucher_id>", "DELETE", permission="ledger.voucher.write",
           summary="Delete a draft voucher")
def delete_voucher(voucher_id):
    Ledger(db.session, g.user).delete_draft(voucher_in_scope(db.session, voucher_id))
    return {"deleted": voucher_id}


@api_route(bp, "/vouchers/<int:voucher_id>/post", "POST", permission="ledger.voucher.post",
           summary="Post a draft: number, 平行记账, hash chain, balances", response=VoucherOut)
def post_voucher(voucher_id):
    return Ledger(db.session, g.user).post(voucher_in_scope(db.session, voucher_id))


@api_route(bp, "/vouchers/<int:voucher_id>/reverse", "POST", permission="ledger.voucher.reverse",
           summary="Reverse a posted voucher (红字冲销) in an open period", body=ReverseIn, response=VoucherOut,
           status=201, idempotent=True)
def reverse_voucher(voucher_id, body):
    return Ledger(db.session, g.user).reverse(voucher_in_scope(db.session, voucher_id), body["date"], body["memo"])
