"""/api/v1/budgets: a member's budget, its versions (the original and each 预算调整) and its lines."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, JSON, api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.services import institution_by_code
from erp.budget import services as budgets
from erp.budget.models import Budget
from erp.budget.reports import budget_workbook
from erp.budget.schemas import (AdjustmentIn, BudgetDetailOut, BudgetIn, BudgetOut, BudgetQuery, LinesIn, ReasonIn,
                                VersionOut)

bp = Blueprint("budget_api", __name__, url_prefix=API_PREFIX)


def specs(lines: list[dict]) -> list[budgets.LineSpec]:
    return [budgets.LineSpec(**line) for line in lines]


def _budget(budget_id: int) -> Budget:
    return budgets.budget_by_id(db.session, budget_id)


@api_route(bp, "/budgets", permission="budget.read", summary="Budgets (全面预算) in your scope",
           query=BudgetQuery, response=BudgetOut, paged=True)
def list_budgets(query):
    statement = select(Budget).join(Institution, Institution.id == Budget.institution_id).order_by(
        Budget.year.desc(), Institution.code)
    if "institution" in query:
        statement = statement.where(Institution.code == query["institution"])
    if "year" in query:
        statement = statement.where(Budget.year == query["year"])
    if "state" in query:
        statement = statement.where(Budget.state == query["state"])
    return paged_query(statement, query)


@api_route(bp, "/budgets", "POST", permission="budget.write", status=201, idempotent=True,
           summary="Prepare a budget (draft, version 1) with its lines", body=BudgetIn, response=BudgetDetailOut)
def create_budget(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return budgets.create_budget(db.session, institution, body["year"], user=g.user, title=body["title"],
                                 lines=specs(body["lines"]))


@api_route(bp, "/budgets/<int:budget_id>", permission="budget.read", summary="A budget with its versions and the "
           "lines in force (approved, committed, actual, available)", response=BudgetDetailOut)
def get_budget(budget_id):
    return _budget(budget_id)


@api_route(bp, "/budgets/<int:budget_id>/lines", "PUT", permission="budget.write", response=BudgetDetailOut,
           summary="Replace the lines of the draft budget (version 1)", body=LinesIn)
def put_lines(budget_id, body):
    budget = _budget(budget_id)
    budgets.set_lines(db.session, budgets.version_of(budget, 1), specs(body["lines"]))
    return budget


def _transition(budget_id: int, action):
    budget = _budget(budget_id)
    action(db.session, budget, g.user)
    return budget


@api_route(bp, "/budgets/<int:budget_id>/submit", "POST", permission="budget.write", response=BudgetDetailOut,
           summary="Submit the draft budget for approval (draft → submitted)")
def submit(budget_id):
    return _transition(budget_id, budgets.submit)


@api_route(bp, "/budgets/<int:budget_id>/return", "POST", permission="budget.approve", response=BudgetDetailOut,
           summary="Return a submitted budget to its preparer (submitted → draft)", body=ReasonIn)
def return_budget(budget_id, body):
    return _transition(budget_id, lambda s, b, u: budgets.return_to_draft(s, b, u, body["reason"]))


@api_route(bp, "/budgets/<int:budget_id>/approve", "POST", permission="budget.approve", response=BudgetDetailOut,
           summary="Approve the budget (submitted → approved): its lines come into force")
def approve(budget_id):
    return _transition(budget_id, budgets.approve)


@api_route(bp, "/budgets/<int:budget_id>/execute", "POST", permission="budget.approve", response=BudgetDetailOut,
           summary="Put the approved budget into execution (approved → executing)")
def execute(budget_id):
    return _transition(budget_id, budgets.execute)


@api_route(bp, "/budgets/<int:budget_id>/close", "POST", permission="budget.approve", response=BudgetDetailOut,
           summary="Close the year's budget (executing → closed, 决算): no more adjustments")
def close(budget_id):
    return _transition(budget_id, budgets.close)


@api_route(bp, "/budgets/<int:budget_id>/versions", permission="budget.read", summary="The versions with their "
           "reasons and lines (the history of 预算调整)")
def list_versions(budget_id):
    budget = _budget(budget_id)
    return {"institution": budget.institution.code, "versions": VersionOut(many=True).dump(budget.versions)}


@api_route(bp, "/budgets/<int:budget_id>/versions", "POST", permission="budget.write", status=201,
           summary="Propose a 预算调整: a new draft version (the lines in force, or those given) with its reason",
           body=AdjustmentIn, response=VersionOut)
def create_version(budget_id, body):
    lines = specs(body["lines"]) if body["lines"] is not None else None
    return budgets.create_adjustment(db.session, _budget(budget_id), user=g.user, reason=body["reason"], lines=lines)


@api_route(bp, "/budgets/<int:budget_id>/versions/<int:number>/lines", "PUT", permission="budget.write",
           summary="Replace a draft adjustment's lines", body=LinesIn, response=VersionOut)
def put_version_lines(budget_id, number, body):
    return budgets.set_lines(db.session, budgets.version_of(_budget(budget_id), number), specs(body["lines"]))


@api_route(bp, "/budgets/<int:budget_id>/versions/<int:number>/submit", "POST", permission="budget.write",
           summary="Submit an adjustment for approval", response=VersionOut)
def submit_version(budget_id, number):
    return budgets.submit_version(db.session, budgets.version_of(_budget(budget_id), number), g.user)


@api_route(bp, "/budgets/<int:budget_id>/versions/<int:number>/approve", "POST", permission="budget.approve",
           summary="Approve an adjustment: its amounts come into force (never below what is committed and spent)",
           response=VersionOut)
def approve_version(budget_id, number):
    return budgets.approve_version(db.session, budgets.version_of(_budget(budget_id), number), g.user)


@api_route(bp, "/budgets/<int:budget_id>/versions/<int:number>/reject", "POST", permission="budget.approve",
           summary="Reject an adjustment (it stays in the history)", body=ReasonIn, response=VersionOut)
def reject_version(budget_id, number, body):
    return budgets.reject_version(db.session, budgets.version_of(_budget(budget_id), number), g.user, body["reason"])


@api_route(bp, "/budgets/<int:budget_id>/workbook", permission="budget.read", produces=(JSON, XLSX_MIMETYPE),
           summary="The budget as the Excel template (科目, 科室, 资金来源, 控制, 全年, 1–12 月): edit and import it")
def workbook(budget_id):
    return budget_workbook(_budget(budget_id))
