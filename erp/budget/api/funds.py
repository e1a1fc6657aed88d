"""/api/v1/funding-sources (receipts, allocations, usage), /api/v1/public-health-funds, /api/v1/insurance-budgets."""
from __future__ import annotations

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, JSON, PageQuery, api_route, paged_query
from erp.core.errors import BusinessError, NotFound
from erp.core.extensions import db
from erp.core.models import Community, FundingSource, User
from erp.core.money import decimal_str
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.core.security import require_whole_community
from erp.core.services import institution_by_code
from erp.budget.models import FundReceipt
from erp.budget.reports.funds import insurance_file, public_health_file, usage_file
from erp.budget.services import funds, parameters, programmes
from erp.budget.schemas import (ParameterIn, AllocationIn, AllocationOut, DistributeIn, InsuranceIn, InsuranceOut, MonthIn,
                                PublicHealthIn, PublicHealthOut, ReceiptIn, ReceiptOut, SettleIn)

bp = Blueprint("budget_funds_api", __name__, url_prefix=API_PREFIX)
FILES = (JSON, PDF_MIMETYPE, XLSX_MIMETYPE)


def _source(code: str) -> FundingSource:
    found = db.session.scalar(select(FundingSource).where(FundingSource.community_id == g.user.community_id,
                                                          FundingSource.code == code))
    if found is None:
        raise NotFound.for_field("funding_source", f"资金来源 {code} 不存在 (unknown funding source)")
    return found


@api_route(bp, "/funding-sources/receipts", permission="budget.fund.read", query=PageQuery, response=ReceiptOut,
           paged=True, summary="Fiscal funds received by the community (财政资金到账), with their allocations")
def list_receipts(query):
    return paged_query(select(FundReceipt).order_by(FundReceipt.date.desc(), FundReceipt.id.desc()), query)


@api_route(bp, "/funding-sources/receipts", "POST", permission="budget.fund.write", status=201, idempotent=True,
           body=ReceiptIn, response=ReceiptOut,
           summary="Enter a fund received by the community (booked by the lead hospital; posted by another user)")
def create_receipt(body):
    return funds.record_receipt(db.session, g.user.community_id, funding_source=_source(body["funding_source"]),
                                purpose=body["purpose"], amount=body["amount"], on=body["date"], user=g.user,
                                channel=body["channel"], memo=body["memo"])


@api_route(bp, "/funding-sources/receipts/<int:receipt_id>/post", "POST", permission="budget.fund.write",
           response=ReceiptOut, summary="Post the receipt through the ledger's document door (budget.fund_receipt)")
def post_receipt(receipt_id):
    return funds.post_receipt(db.session, funds.receipt_by_id(db.session, receipt_id), poster=g.user)


@api_route(bp, "/funding-sources/receipts/<int:receipt_id>/allocations", "POST", permission="budget.fund.write",
           status=201, body=AllocationIn, response=AllocationOut,
           summary="Allocate part of a receipt to a member (统一拨付; both sides posted): never more than is left")
def allocate(receipt_id, body):
    receipt = funds.receipt_by_id(db.session, receipt_id)
    member = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return funds.allocate(db.session, receipt, member, body["amount"], on=body["date"],
                          user=db.session.get(User, receipt.user_id), poster=g.user, memo=body["memo"])


class FormatQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf", "xlsx"]))


def _entity() -> str:
    return db.session.get(Community, g.user.community_id).name


@api_route(bp, "/funding-sources/usage", permission="budget.fund.read", query=FormatQuery, produces=FILES,
           summary="Fund usage: received / allocated / spent / remaining per source and institution (format=pdf|xlsx)")
def usage(query):
    if query["format"] != "json":
        return usage_file(funds.fund_usage(db.session, g.user.community_id), query["format"], g.user.display_name,
                          _entity())
    return {"items": [{"funding_source": r.funding_source.code, "funding_source_name": r.funding_source.name,
                       "institution": r.institution.code, "name": r.institution.name,
                       "received": decimal_str(r.received), "allocated": decimal_str(r.allocated),
                       "spent": decimal_str(r.spent), "remaining": decimal_str(r.remaining)}
                      for r in funds.fund_usage(db.session, g.user.community_id)]}


# ---- 基本公共卫生服务经费 -----------------------------------------------------------------------------------


@api_route(bp, "/public-health-funds", "POST", permission="budget.fund.write", status=201, body=PublicHealthIn,
           response=PublicHealthOut, summary="基本公卫经费: total = population × per_capita; pre_allocation = total × "
                                             "pre_allocation_share")
def create_public_health(body):
    return programmes.create_public_health_fund(db.session, g.user.community_id, user=g.user, **body)


@api_route(bp, "/public-health-funds/<int:fund_id>", permission="budget.fund.read", query=FormatQuery, produces=FILES,
           summary="A public-health fund with its members' shares (format=pdf|xlsx: the statement)")
def get_public_health(fund_id, query):
    fund = programmes.public_health_fund(db.session, g.user.community_id, fund_id)
    if query["format"] != "json":
        return public_health_file(fund, query["format"], g.user.display_name, _entity())
    return PublicHealthOut().dump(fund)


def _distribute(fund_id: int, body: dict, stage: str, key: str):
    if not body.get(key):
        raise BusinessError.for_field(key, f"{key} 必填 (required)")
    fund = programmes.public_health_fund(db.session, g.user.community_id, fund_id)
    programmes.distribute_public_health(db.session, fund, stage, body[key], user=g.user,
                                        funding_source=_source(body["funding_source"]), on=body["date"])
    return fund


@api_route(bp, "/public-health-funds/<int:fund_id>/pre-allocate", "POST", permission="budget.fund.write",
           body=DistributeIn, response=PublicHealthOut,
           summary="Pre-allocate (年初预拨) to members by population served ({populations: {CODE: n}}), posted")
def pre_allocate(fund_id, body):
    return _distribute(fund_id, body, "pre", "populations")


@api_route(bp, "/public-health-funds/<int:fund_id>/settle", "POST", permission="budget.fund.write",
           body=DistributeIn, response=PublicHealthOut,
           summary="After the appraisal: the remainder to members by score ({scores: {CODE: score}}), posted")
def settle_public_health(fund_id, body):
    return _distribute(fund_id, body, "final", "scores")


# ---- 医保总额预算 -------------------------------------------------------------------------------------------


@api_route(bp, "/insurance-budgets", "POST", permission="budget.fund.write", status=201, body=InsuranceIn,
           response=InsuranceOut, summary="医保总额预算: risk_reserve = 10% of the increase, base = total − reserve − "
                                          "大病保险, community_budget = base × share (≥ 0.95)")
def create_insurance(body):
    return programmes.create_insurance_budget(db.session, g.user.community_id, user=g.user, **body)


@api_route(bp, "/insurance-budgets/<int:budget_id>", permission="budget.fund.read", query=FormatQuery, produces=FILES,
           summary="A 医保 global budget with its monthly settlements and year-end result (format=pdf|xlsx)")
def get_insurance(budget_id, query):
    budget = programmes.insurance_budget(db.session, g.user.community_id, budget_id)
    if query["format"] != "json":
        return insurance_file(budget, query["format"], g.user.display_name, _entity())
    return InsuranceOut().dump(budget)


@api_route(bp, "/insurance-budgets/<int:budget_id>/months", "POST", permission="budget.fund.write", body=MonthIn,
           response=InsuranceOut, summary="Record a month's settlement against the global budget, posted once (Dr 银行存款 / Cr 应收医疗款)")
def record_month(budget_id, body):
    budget = programmes.insurance_budget(db.session, g.user.community_id, budget_id)
    programmes.record_month(db.session, budget, body["month"], body["amount"], user=g.user, on=body["date"])
    return budget


@api_route(bp, "/insurance-budgets/<int:budget_id>/settle", "POST", permission="budget.fund.write", body=SettleIn,
           summary="Year end: surplus (结余留用) or the shared overspend, distributed by score (largest remainder), "
                   "each member's part posted")
def settle_insurance(budget_id, body):
    budget = programmes.insurance_budget(db.session, g.user.community_id, budget_id)
    programmes.settle(db.session, budget, spent=body["spent"], scores=body["scores"], user=g.user, on=body["date"])
    return {**InsuranceOut().dump(budget), "surplus": decimal_str(budget.surplus),
            "allocations": [{"institution": a.institution.code, "amount": decimal_str(a.amount),
                             "voucher": a.voucher_number} for a in budget.allocations]}


# ---- parameters ---------------------------------------------------------------------------------------------


def _parameters(on=None) -> dict:
    return {"parameters": [{"key": spec.key, "title": spec.title, "value": format(value.normalize(), "f"),
                            "default": format(spec.default.normalize(), "f")}
                           for spec, value in parameters.in_force(db.session, g.user.community_id, on)]}


@api_route(bp, "/budget-parameters", permission="budget.fund.read",
           summary="The money rules' parameters in force today (医保 reserve rate, minimum share, overspend share, "
                   "public-health pre-allocation share)")
def list_parameters():
    return _parameters()


@api_route(bp, "/budget-parameters", "PUT", permission="budget.fund.write", body=ParameterIn,
           summary="Set a parameter from a date on (a whole-community user only)")
def put_parameter(body):
    require_whole_community(g.user, "预算与资金参数")
    parameters.set_value(db.session, g.user.community_id, body["key"], body["value"], body["valid_from"], body["note"])
    return _parameters(body["valid_from"])
