"""Schemas of payroll runs, slips and monthly inputs."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, PageQuery
from erp.payroll.schemas.common import MONTH, YEAR
from erp.payroll.models import RUN_KIND_TITLES, RUN_STATE_TITLES, RunKind, RunState



class RunIn(Schema):
    institution = fields.String(required=True, validate=validate.Length(min=1, max=32),
                                metadata={"description": "the paying institution (the lead hospital for community_wide)"})
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    kind = fields.String(load_default="regular", validate=validate.OneOf([k.value for k in RunKind]))
    community_wide = fields.Boolean(load_default=False)
    employees = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=list,
                            validate=validate.Length(max=10000), metadata={"description": "an adjustment's employees"})
    note = fields.String(load_default="", validate=validate.Length(max=256))


class RunOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda r: r.institution.code)
    year = fields.Integer()
    month = fields.Integer()
    period = fields.String()
    kind = fields.Function(lambda r: r.kind.value)
    kind_title = fields.Function(lambda r: RUN_KIND_TITLES[r.kind])
    community_wide = fields.Boolean()
    state = fields.Function(lambda r: r.state.value)
    state_title = fields.Function(lambda r: RUN_STATE_TITLES[r.state])
    employees = fields.List(fields.Integer(), attribute="employee_ids")
    slip_count = fields.Integer()
    gross_total = AmountField()
    deduction_total = AmountField()
    tax_total = AmountField()
    net_total = AmountField()
    employer_total = AmountField()
    versions = fields.Raw()
    note = fields.String()
    created_by = fields.Function(lambda r: r.created_by.username if r.created_by else None)
    computed_by = fields.Function(lambda r: r.computed_by.username if r.computed_by else None)
    approved_by = fields.Function(lambda r: r.approved_by.username if r.approved_by else None)
    computed_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)


class RunQuery(PageQuery):
    institution = fields.String(validate=validate.Length(max=32))
    year = fields.Integer(validate=YEAR)
    month = fields.Integer(validate=MONTH)
    state = fields.String(validate=validate.OneOf([s.value for s in RunState]))


class PayIn(Schema):
    method = fields.String(load_default="bank", validate=validate.OneOf(["bank", "authorised_quota"]))
    date = fields.Date(metadata={"description": "payment date (default today)"})


class SlipQuery(PageQuery):
    """The run's slips, paged (the batch PDF is a background job)."""


class InputValue(Schema):
    employee = fields.Integer(required=True, validate=validate.Range(min=1))
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    value = AmountField(required=True, allow_none=True, metadata={"description": "null removes the input"})


class InputsIn(Schema):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    values = fields.List(fields.Nested(InputValue), required=True, validate=validate.Length(min=1, max=20000))
