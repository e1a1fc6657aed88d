"""Schemas of salary rules and parameter tables."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.payroll.models import RULE_CATEGORY_TITLES, RuleCategory


class SalaryRuleIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in RuleCategory]),
                             metadata={"description": "post_wage grade_wage basic_performance reward_performance "
                                                      "allowance personal_deduction employer_contribution income_tax"})
    condition = fields.String(load_default="", validate=validate.Length(max=2000),
                              metadata={"description": "expression; empty = always"})
    amount = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    sequence = fields.Integer(validate=validate.Range(min=0, max=100000))
    effective_from = fields.Date(metadata={"description": "default: the first day of this month"})
    active = fields.Boolean(load_default=True, metadata={"description": "false retires the rule from that date"})


class WithdrawIn(Schema):
    effective_from = fields.Date(required=True, metadata={"description": "the first day without the rule"})


class SalaryRuleOut(Schema):
    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    category = fields.Function(lambda r: r.category.value)
    category_title = fields.Function(lambda r: RULE_CATEGORY_TITLES[r.category])
    sequence = fields.Integer()
    condition = fields.String()
    amount = fields.String()
    references = fields.List(fields.String())
    effective_from = fields.Date()
    active = fields.Boolean()


class RuleQuery(Schema):
    code = fields.String(validate=validate.Length(max=32))
    on = fields.Date(metadata={"description": "the rules in force on this day (default: every version)"})


class ParameterIn(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_.]{0,63}$"))
    effective_from = fields.Date(required=True)
    value = fields.Dict(required=True, metadata={"description": "the table; numbers as strings"})
    note = fields.String(load_default="", validate=validate.Length(max=256))


class ParameterOut(Schema):
    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    effective_from = fields.Date()
    value = fields.Raw()
    note = fields.String()
    ref = fields.String()


class ParameterQuery(Schema):
    code = fields.String(validate=validate.Length(max=64))
    on = fields.Date(metadata={"description": "the versions in force on this day"})
