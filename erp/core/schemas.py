"""API schemas of the core module."""
from __future__ import annotations

from datetime import time

from marshmallow import Schema, ValidationError, fields, validate

from erp.core.api_framework import PageQuery
from erp.core.audit_query import SORTS, utc_moment
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


def has_utc_moment(at: time):
    """A day of the log's date filters, from (time.min) or up to (time.max) ``at``: 0001-01-01 starts in the year 0
    in UTC, which no query can compare (it ends in the year 1, so it may close a range)."""
    def check(day) -> None:
        try:
            utc_moment(day, at)
        except ValueError:
            raise ValidationError("日期超出范围 (a day with no moment in UTC)") from None
    return check


class AuditQuery(PageQuery):
    """The filters of the log's page (/audit), under the same names."""

    person = fields.String(metadata={"description": "the username of who did it"})
    since = fields.Date(validate=has_utc_moment(time.min), metadata={"description": "from this Beijing day"})
    until = fields.Date(validate=has_utc_moment(time.max),
                        metadata={"description": "up to this Beijing day, inclusive"})
    institution = fields.String(metadata={"description": "institution code (an unknown one matches nothing)"})
    model = fields.String(metadata={"description": "record type (e.g. Voucher), with the types audited alike"})
    record = fields.String(metadata={"description": "record id"})
    action = fields.String(metadata={"description": "create, update, transition, delete or an event's action"})
    sort = fields.String(load_default="-seq", validate=validate.OneOf(
        [f"{order}{key}" for key in SORTS for order in ("", "-")]))


class AuditChangeSchema(Schema):
    field = fields.String()
    label = fields.String(metadata={"description": "the field's label in the user's language (Chinese unless they "
                                                   "chose English)"})
    before = fields.String(metadata={"description": "readable value before (names, 是/否, state titles, —)"})
    after = fields.String()


class AuditEntrySchema(Schema):
    """An entry as the log's page shows it, the codes beside the names."""

    id = fields.Integer(metadata={"description": "the page's 序号: the order of writing over every chain"})
    chain = fields.String()
    seq = fields.Integer(metadata={"description": "position in its chain"})
    at = fields.AwareDateTime(metadata={"description": "Beijing time (+08:00)"})
    username = fields.String(allow_none=True)
    person = fields.String(metadata={"description": "the user's name, 系统 for work outside a request"})
    institution = fields.String(allow_none=True, metadata={"description": "code; null: community-wide"})
    institution_name = fields.String(allow_none=True)
    action = fields.String()
    action_title = fields.String()
    model = fields.String()
    record_type = fields.String(metadata={"description": "the record type's name in the user's language"})
    record_id = fields.String(allow_none=True)
    record_title = fields.String(metadata={"description": "the record type and the record's number or code"})
    changes = fields.List(fields.Nested(AuditChangeSchema), metadata={"description": "the changed fields only"})
    hash = fields.String()


class JobSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String(metadata={"description": "queued, running, done, failed"})
    state_title = fields.Function(lambda job: job.state_title)
    done = fields.Function(lambda job: progress_of(job)[0])
    total = fields.Function(lambda job: progress_of(job)[1])
    message = fields.Function(lambda job: progress_of(job)[2], metadata={
        "description": "the last progress report, e.g. 已生成 1200 / 5000 份工资条 (1200 of 5000 payslips rendered)"})
    percent = fields.Function(percent)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    result_filename = fields.String(allow_none=True)
    result_url = fields.Function(lambda job: f"/api/v1/jobs/{job.id}/result" if job.result_filename else None)
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
