"""Schemas of the dean's annual salary (院长年薪)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, PageQuery
from erp.payroll.models.dean_salary import DEAN_STATE_TITLES
from erp.payroll.schemas.common import YEAR
from erp.payroll.schemas.pools import Ratio


class DeanSalaryCreate(Schema):
    employee = fields.Integer(required=True, validate=validate.Range(min=1, max=2 ** 31 - 1))
    year = fields.Integer(required=True, validate=YEAR)
    standard = AmountField(required=True, metadata={"description": "Y_std, the standard annual salary"})
    base = AmountField(required=True, metadata={"description": "Y_base, earned at the pass mark; advanced monthly"})
    average_pay = AmountField(allow_none=True, metadata={"description": "the hospital's average pay (cap c × it)"})
    cap_multiple = Ratio(metadata={"description": "c (default 3)"})
    pass_mark = Ratio(metadata={"description": "default 70"})
    funding_source = fields.String(allow_none=True, validate=validate.Length(min=1, max=32),
                                   metadata={"description": "the government funding source's code"})


class AdvanceSchema(Schema):
    month = fields.Integer()
    amount = AmountField()
    paid = fields.Function(lambda advance: advance.paid_at is not None)


class DeanSalarySchema(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda s: s.institution.code)
    employee = fields.Integer(attribute="employee_id")
    employee_name = fields.Function(lambda s: s.employee.name)
    year = fields.Integer()
    state = fields.Function(lambda s: s.state.value)
    state_title = fields.Function(lambda s: DEAN_STATE_TITLES[s.state])
    standard = AmountField()
    base = AmountField()
    cap_multiple = Ratio()
    average_pay = AmountField()
    pass_mark = Ratio()
    funding_source = fields.Function(lambda s: s.funding_source.code)
    created_by = fields.Function(lambda s: s.created_by.username if s.created_by else None)
    approved_by = fields.Function(lambda s: s.approved_by.username if s.approved_by else None)
    advances = fields.List(fields.Nested(AdvanceSchema))
    score = Ratio(allow_none=True)
    annual = AmountField(allow_none=True)
    advanced = AmountField(allow_none=True)
    settlement = AmountField(allow_none=True)


class SettleIn(Schema):
    score = Ratio(required=True, metadata={"description": "the annual appraisal score (0–100)"})
    date = fields.Date(metadata={"description": "the settlement voucher's date (default today)"})


class AdvanceIn(Schema):
    date = fields.Date(metadata={"description": "the voucher's date (default the month's last day)"})


class DeanQuery(PageQuery):
    year = fields.Integer(validate=YEAR)
