"""Core JSON API: tokens, the organisation, the current user, the audit log, the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import or_, select

from erp.core import jobs, security, services
from erp.core.api_framework import API_PREFIX, JSON, ApiError, FileResult, Page, api_route, paged_query
from erp.core.audit_query import SORTS, audit_log
from erp.core.extensions import db
from erp.core.models import AuditEntry, Department, Institution
from erp.core.openapi import openapi_document
from erp.core.schemas import (AuditEntrySchema, AuditQuery, DepartmentQuery, DepartmentSchema, InstitutionQuery,
                              InstitutionSchema, JobSchema, MeSchema, TokenRequest, TokenResponse)
from erp.core.scoping import current_scope

bp = Blueprint("core_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/auth/token", "POST", permission=None, public=True, summary="Exchange username and password "
           "for a bearer token", body=TokenRequest, response=TokenResponse, status=201)
def create_token(body):
    try:
        user = security.authenticate(db.session, body["username"], body["password"], request.remote_addr)
    except security.AuthenticationFailed as exc:
        raise ApiError(401, "invalid_credentials", exc.message) from exc
    token, expires_at = security.issue_token(db.session, user)
    return {"token": token, "expires_at": expires_at}


@api_route(bp, "/auth/token", "DELETE", permission=None, summary="Revoke the bearer token used")
def revoke_token():
    security.revoke_token(db.session, g.bearer_token)
    return {"revoked": True}


@api_route(bp, "/me", permission=None, summary="The signed-in user and their scope", response=MeSchema)
def me():
    return g.user


@api_route(bp, "/institutions", permission="core.institution.read", summary="Institutions in your scope",
           query=InstitutionQuery, response=InstitutionSchema, paged=True)
def list_institutions(query):
    statement = select(Institution).where(Institution.community_id == g.user.community_id)
    if "kind" in query:
        statement = statement.where(Institution.kind == query["kind"])
    if "q" in query:
        like = f"%{query['q']}%"
        statement = statement.where(or_(Institution.code.like(like), Institution.name.like(like)))
    order = query["sort"]
    column = getattr(Institution, order.lstrip("-"))
    statement = statement.order_by(column.desc() if order.startswith("-") else column, Institution.id)
    return paged_query(statement, query)


def _institution(code: str) -> Institution:
    return services.institution_by_code(db.session, g.user.community_id, code)


@api_route(bp, "/institutions/<code>", permission="core.institution.read", summary="One institution",
           response=InstitutionSchema)
def get_institution(code):
    return _institution(code)


@api_route(bp, "/institutions", "POST", permission="core.institution.write", summary="Add a member institution",
           body=InstitutionSchema, response=InstitutionSchema, status=201, idempotent=True)
def create_institution(body):
    return services.create_institution(db.session, g.user.community, code=body["code"], name=body["name"],
                                       kind=body["kind"], parent_code=body.get("parent"), uscc=body.get("uscc"),
                                       active=body["active"])


@api_route(bp, "/departments", permission="core.department.read", summary="Departments in your scope",
           query=DepartmentQuery, response=DepartmentSchema, paged=True)
def list_departments(query):
    statement = select(Department).join(Department.institution).order_by(Institution.code, Department.code)
    if "institution" in query:
        statement = statement.where(Institution.code == query["institution"])
    return paged_query(statement, query)


@api_route(bp, "/departments", "POST", permission="core.department.write", summary="Add a department (科室)",
           body=DepartmentSchema, response=DepartmentSchema, status=201, idempotent=True)
def create_department(body):
    institution = services.institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return services.create_department(db.session, institution, code=body["code"], name=body["name"],
                                      cost_class=body["cost_class"])


@api_route(bp, "/audit", permission="core.audit.read", summary="The auditors' log of your institutions, as its "
           "page /audit shows it (filters, sort, Beijing time, names in the user's language, the changed fields "
           "only)",
           query=AuditQuery, response=AuditEntrySchema, paged=True)
def list_audit(query):
    entries = audit_log(db.session, g.user, current_scope(db.session))
    statement = entries.statement
    for name, apply in (("person", entries.by_person), ("since", entries.since), ("until", entries.until),
                        ("institution", entries.of_institution), ("model", entries.of_type),
                        ("record", entries.of_record), ("action", entries.by_action)):
        if name in query:
            statement = apply(statement, query[name])
    column = SORTS[query["sort"].lstrip("-")]
    statement = statement.order_by(column.desc() if query["sort"].startswith("-") else column, AuditEntry.id.desc())
    page = paged_query(statement, query)
    return Page([entries.describe(entry) for entry in page.items], page.total, page.page, page.per_page)


@api_route(bp, "/jobs/<int:job_id>", permission=None, summary="One of your background jobs: state and progress",
           response=JobSchema)
def get_job(job_id):
    return jobs.job_for(db.session, g.user, job_id)


@api_route(bp, "/jobs/<int:job_id>/result", permission=None, summary="The result file of one of your finished jobs",
           produces=(JSON, *jobs.RESULT_TYPES))
def get_job_result(job_id):
    job = jobs.job_for(db.session, g.user, job_id)
    return FileResult(*jobs.result_file(db.session, job))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
