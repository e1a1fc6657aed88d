"""API schemas of the ledger: the chart of accounts and the 平行记账 mapping."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import PageQuery
from erp.ledger.models import DIMENSIONS


class AccountOut(Schema):
    code = fields.String()
    name = fields.String()
    full_name = fields.String(metadata={"description": "全路径: 事业收入—医疗收入—门急诊收入—诊察收入"})
    parent = fields.Function(lambda a: a.parent.code if a.parent else None)
    level = fields.Integer()
    category = fields.String()
    basis = fields.Function(lambda a: a.basis.value)
    balance_side = fields.Function(lambda a: a.balance_side.value)
    required_dimensions = fields.Function(lambda a: a.required)
    leaf = fields.Function(lambda a: not a.has_children)
    institution_id = fields.Integer(allow_none=True)


class AccountQuery(PageQuery):
    institution = fields.String()
    q = fields.String()
    basis = fields.String(validate=validate.OneOf(["financial", "budget"]))


class DetailAccountIn(Schema):
    institution = fields.String(required=True)
    parent = fields.String(required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    required_dimensions = fields.List(fields.String(validate=validate.OneOf(DIMENSIONS)), load_default=None)


class BudgetMappingSchema(Schema):
    id = fields.Integer(dump_only=True)
    account_prefix = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,32}$", error="科目编码前缀只能是数字 "
                                                                                         "(digits only)"))
    side = fields.String(load_default="any", validate=validate.OneOf(["debit", "credit", "any"]))
    role = fields.String(required=True, validate=validate.OneOf(["cash", "fiscal", "counterpart"]))
    budget_account_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
