"""/api/v1/commitments: check, reserve (预占) and release (释放) budget against the line a spending hits, and
/api/v1/budget-execution: the execution report (JSON, PDF, Excel) with the drill-down to the documents."""
from __future__ import annotations

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, JSON, api_route, paged_query
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.money import decimal_str
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.budget import services as budget
from erp.budget.models import BudgetEntry, BudgetLine
from erp.budget.reports import execution_file, line_rows, month_rows
from erp.budget.schemas import CheckIn, CommitmentIn, EntryOut, EntryQuery, ReleaseIn

bp = Blueprint("budget_commitments_api", __name__, url_prefix=API_PREFIX)


class Source:
    def __init__(self, data: dict):
        self.module, self.kind, self.key, self.label = data["module"], data["kind"], data["key"], data["label"]
        self.url = data.get("url")


def _check_dict(result: budget.CheckResult) -> dict:
    line = result.line
    return {"controlled": result.controlled, "line": line.id if line else None,
            "line_label": line.label if line else None, "control": line.control.value if line else None,
            "amount": decimal_str(result.amount),
            "available": None if result.available is None else decimal_str(result.available),
            "exceeded": result.exceeded, "allowed": result.allowed}


@api_route(bp, "/commitments/check", "POST", permission="budget.read", body=CheckIn,
           summary="What a commitment of the amount would meet (no lock, nothing written): available, exceeded, "
                   "allowed")
def check(body):
    result = budget.check(db.session, body["institution"], body["account"], body["department"],
                          body["funding_source"], body["amount"], body["date"], community_id=g.user.community_id)
    return _check_dict(result)


@api_route(bp, "/commitments", "POST", permission="budget.commit", status=201, idempotent=True, body=CommitmentIn,
           summary="Reserve (预占) budget for a document, race-free; a Stop line refuses more than is available "
                   "(409 budget_exceeded naming the line, the amount asked and the amount available), a Warn line "
                   "records the warning with who and why", response=EntryOut)
def reserve(body):
    entry = budget.reserve(db.session, body["institution"], body["account"], body["department"],
                           body["funding_source"], body["amount"], Source(body["source"]), on=body["date"],
                           user=g.user, reason=body["reason"], community_id=g.user.community_id, required=True)
    return entry


@api_route(bp, "/commitments/release", "POST", permission="budget.commit", body=ReleaseIn,
           summary="Release (释放) a document's open commitments (all, or the amount given)")
def release(body):
    released = budget.release(db.session, Source(body["source"]), body["amount"], user=g.user)
    if not released:
        raise BusinessError.for_field("source", "该单据没有占用中的预算 (the document holds no open commitment)",
                                      "no_commitment")
    return {"released": decimal_str(released)}


@api_route(bp, "/commitments", permission="budget.read", query=EntryQuery, response=EntryOut, paged=True,
           summary="Commitments and actuals (the drill-down of budget execution), newest first")
def list_entries(query):
    statement = (select(BudgetEntry).join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
                 .join(Institution, Institution.id == BudgetEntry.institution_id).order_by(BudgetEntry.id.desc()))
    if "institution" in query:
        statement = statement.where(Institution.code == query["institution"])
    if "line" in query:
        statement = statement.where(BudgetEntry.line_id == query["line"])
    if "kind" in query:
        statement = statement.where(BudgetEntry.kind == query["kind"])
    if "state" in query:
        statement = statement.where(BudgetEntry.state == query["state"])
    return paged_query(statement, query)


class ExecutionQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf", "xlsx"]))


@api_route(bp, "/budgets/<int:budget_id>/execution", permission="budget.read", query=ExecutionQuery,
           produces=(JSON, PDF_MIMETYPE, XLSX_MIMETYPE),
           summary="预算执行报表: per line approved / committed / actual / available / 执行率, per month plan vs "
                   "actual (format=pdf|xlsx downloads it)")
def execution(budget_id, query):
    report = budget.execution.execution(db.session, budget.budget_by_id(db.session, budget_id))
    if query["format"] != "json":
        return execution_file(report, query["format"], g.user.display_name)
    return {"institution": report.budget.institution.code, "year": report.budget.year,
            "version": report.budget.version, "amount": decimal_str(report.amount),
            "committed": decimal_str(report.committed), "actual": decimal_str(report.actual),
            "available": decimal_str(report.available),
            "rate": None if report.rate is None else str(report.rate),
            "lines": [{k: (decimal_str(v) if k in ("amount", "committed", "actual", "available") else v)
                       for k, v in row.items()} for row in line_rows(report)],
            "months": [{k: (decimal_str(v) if k != "month" else v) for k, v in row.items()}
                       for row in month_rows(report)]}


class RollupQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=9999))


@api_route(bp, "/budget-rollup", permission="budget.read", query=RollupQuery,
           summary="The community roll-up: every member's budget in force for the year (in your scope)")
def rollup(query):
    rows = budget.community_rollup(db.session, query["year"])
    return {"year": query["year"], "institutions": [{
        "institution": r.institution.code, "name": r.institution.name, "amount": decimal_str(r.amount),
        "committed": decimal_str(r.committed), "actual": decimal_str(r.actual),
        "available": decimal_str(r.available), "rate": None if r.rate is None else str(r.rate)} for r in rows]}



