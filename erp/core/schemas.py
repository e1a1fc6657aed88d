"""API schemas of the core module."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from erp.core.api_framework import PageQuery
from erp.core.jobs import percent, progress_of
from erp.core.models import CostClass, InstitutionKind
from erp.core.security import ROLES


def code_text(value):
    """A code given in (an institution's, a parent's): text, never a number, a list or blank."""
    if not isinstance(value, str):
        raise ValidationError("应为编码文本 (a code, as a string)")
    if not value.strip():
        raise ValidationError("编码不能为空 (a code may not be blank)")
    return value


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.AwareDateTime()


class InstitutionQuery(PageQuery):
    kind = fields.Enum(InstitutionKind, by_value=True)
    q = fields.String(metadata={"description": "code or name contains"})
    sort = fields.String(load_default="code", validate=validate.OneOf(["code", "name", "kind", "-code", "-name"]))


class InstitutionSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    kind = fields.Enum(InstitutionKind, by_value=True, required=True)
    kind_title = fields.String(dump_only=True)
    level = fields.Function(lambda inst: inst.level.value, dump_only=True)
    parent = fields.Function(lambda inst: inst.parent.code if inst.parent else None,
                             deserialize=code_text, allow_none=True,
                             metadata={"description": "code of the parent (township) institution"})
    uscc = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    active = fields.Boolean(load_default=True)


class InstitutionPage(Schema):
    items = fields.List(fields.Nested(InstitutionSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DepartmentQuery(PageQuery):
    institution = fields.String(metadata={"description": "institution code"})


class DepartmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    institution = fields.Function(lambda dep: dep.institution.code, deserialize=code_text, required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    cost_class = fields.Enum(CostClass, by_value=True, required=True)
    active = fields.Boolean(dump_only=True)


class MeSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    role_title = fields.Function(lambda user: ROLES[user.role])
    whole_community = fields.Boolean()
    institutions = fields.Function(lambda user: [inst.code for inst in user.institutions])


class AuditQuery(PageQuery):
    model = fields.String()
    record_id = fields.String()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    chain = fields.String()
    seq = fields.Integer()
    at = fields.AwareDateTime()
    username = fields.String(allow_none=True)
    institution_id = fields.Integer(allow_none=True)
    action = fields.String()
    model = fields.String()
    record_id = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    hash = fields.String()


class JobSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String(metadata={"description": "queued, running, done, failed"})
    state_title = fields.Function(lambda job: job.state_title)
    done = fields.Function(lambda job: progress_of(job)[0])
    total = fields.Function(lambda job: progress_of(job)[1])
    percent = fields.Function(percent)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    result_filename = fields.String(allow_none=True)
    result_url = fields.Function(lambda job: f"/api/v1/jobs/{job.id}/result" if job.result_filename else None)
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
