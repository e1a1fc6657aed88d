"""Ledger JSON API: the chart of accounts (会计科目, 明细科目) and the 平行记账 mapping."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, PageQuery, api_route, paged_query
from erp.core.extensions import db
from erp.core.services import institution_by_code
from erp.ledger.models import Account, Basis, BudgetMapping
from erp.ledger.schemas.chart import AccountOut, AccountQuery, BudgetMappingSchema, DetailAccountIn
from erp.ledger.services import chart

bp = Blueprint("ledger_chart_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/accounts", permission="ledger.chart.read", summary="The chart of accounts (会计科目)",
           query=AccountQuery, response=AccountOut, paged=True)
def list_accounts(query):
    institution = (institution_by_code(db.session, g.user.community_id, query["institution"])
                   if "institution" in query else None)
    statement = chart.visible_accounts(g.user.community_id, institution).order_by(Account.code)
    if query.get("q", "").strip():  # the code's start or any level's name (全路径)
        statement = statement.where(Account.id.in_([
            account.id for account, full_name in chart.account_paths(db.session, g.user.community_id, institution)
            if chart.matches(account, full_name, query["q"])]))
    if "basis" in query:
        statement = statement.where(Account.basis == Basis(query["basis"]))
    return paged_query(statement, query)


@api_route(bp, "/accounts", "POST", permission="ledger.chart.write", summary="Add an institution's detail account "
           "(明细科目)", body=DetailAccountIn, response=AccountOut, status=201, idempotent=True)
def create_detail_account(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return chart.add_detail_account(db.session, institution, body["parent"], body["code"], body["name"],
                                    body["required_dimensions"])


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
    return chart.set_budget_mapping(db.session, g.user.community_id, user=g.user, **body)


@api_route(bp, "/budget-mappings/<int:mapping_id>", "DELETE", permission="ledger.chart.write",
           summary="Remove a 平行记账 rule")
def delete_budget_mapping(mapping_id):
    chart.delete_budget_mapping(db.session, g.user.community_id, mapping_id, user=g.user)
    return {"deleted": mapping_id}
