"""Posting templates (记账模板) JSON API: the kinds, a kind's lines and history, a new version."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, PageQuery, api_route, paged_query
from erp.core.errors import NotFound
from erp.core.extensions import db
from erp.ledger.services import posting_templates
from erp.ledger.models.templates import PostingTemplate
from erp.ledger.schemas.templates import TemplateIn, TemplateOut, TemplateQuery, TemplateSummaryOut

bp = Blueprint("ledger_template_api", __name__, url_prefix=API_PREFIX)


def template_detail(kind: str, version: int | None = None) -> dict:
    """A version of a kind (the current one by default) with the kind's version history."""
    try:
        template = posting_templates.posting_template(db.session, g.user.community_id, kind, version)
    except posting_templates.PostingTemplateMissing as missing:
        raise NotFound(missing.message, missing.fields) from None  # a URL naming no template
    return {"kind": kind, "title": template.title, "version": template.version, "ref": template.ref,
            "current": template.current, "lines": template.lines,
            "versions": posting_templates.template_versions(db.session, g.user.community_id, kind)}


@api_route(bp, "/posting-templates", permission="ledger.chart.read",
           summary="The posting templates (记账模板) of your community: each kind with its current version",
           query=PageQuery, response=TemplateSummaryOut, paged=True)
def list_templates(query):
    statement = (select(PostingTemplate).where(PostingTemplate.community_id == g.user.community_id)
                 .order_by(PostingTemplate.kind))
    return paged_query(statement, query)


@api_route(bp, "/posting-templates/<kind>", permission="ledger.chart.read",
           summary="A posting template's lines (role → account): the current version, or ?version=N",
           query=TemplateQuery, response=TemplateOut)
def show_template(kind, query):
    return template_detail(kind, query.get("version"))


@api_route(bp, "/posting-templates/<kind>", "PUT", permission="ledger.chart.write",
           summary="Save a posting template's lines as its new current version (accounts checked against the chart)",
           body=TemplateIn, response=TemplateOut)
def put_template(kind, body):
    posting_templates.save_template(db.session, g.user.community_id, kind, body["lines"], user=g.user,
                                    note=body["note"])
    return template_detail(kind)
