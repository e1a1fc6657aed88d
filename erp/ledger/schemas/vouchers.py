"""API schemas of the ledger: vouchers, their lines and internal transactions (内部往来)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, PageQuery


class LineIn(Schema):
    account = fields.String(required=True, validate=validate.Length(min=1, max=32))
    debit = AmountField(load_default="0")
    credit = AmountField(load_default="0")
    department = fields.String(allow_none=True)
    partner = fields.String(allow_none=True)
    funding_source = fields.String(allow_none=True)
    employee = fields.String(allow_none=True)
    project = fields.String(allow_none=True)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    cash_flow_item = fields.String(allow_none=True, validate=validate.Length(max=32), metadata={
        "description": "现金流量项目 of a cash line (1001/1002/1011/1021), e.g. business, staff, capex; when "
                       "absent the 现金流量表 derives it from the voucher's counter-account"})


class VoucherIn(Schema):
    institution = fields.String(required=True)
    date = fields.Date(required=True)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    attachment_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=999))
    internal_ref = fields.String(allow_none=True, validate=validate.Length(max=64))
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=2))


def _code(attribute: str):
    def get(line):
        related = getattr(line, attribute, None)
        return related.code if related is not None else None

    return fields.Function(get)


class LineOut(Schema):
    line_no = fields.Integer()
    account = fields.Function(lambda line: line.account.code)
    account_name = fields.Function(lambda line: line.account.name)
    basis = fields.Function(lambda line: line.basis.value)
    debit = AmountField()
    credit = AmountField()
    department_id = fields.Integer(allow_none=True)
    partner_id = fields.Integer(allow_none=True)
    funding_source_id = fields.Integer(allow_none=True)
    employee_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    memo = fields.String()
    generated = fields.Boolean(metadata={"description": "created by 平行记账"})
    cash_flow_item = fields.String(allow_none=True, metadata={"description": "现金流量项目 (cash lines), or null"})


class VoucherOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda v: v.institution.code)
    number = fields.String(allow_none=True, metadata={"description": "gapless 记-YYYY-MM-NNNN, given at posting"})
    display_number = fields.String(metadata={"description": "the number, or a draft's provisional 草-NNNNNN"})
    status = fields.String(metadata={"description": "draft (制单) / reviewed (审核) / posted (记账) / reversed"})
    kind = fields.Function(lambda v: v.kind.value)
    date = fields.Date()
    period = fields.Function(lambda v: f"{v.year}-{v.month:02d}")
    memo = fields.String()
    attachment_count = fields.Integer()
    internal_ref = fields.String(allow_none=True)
    preparer = fields.Function(lambda v: v.preparer.username if v.preparer else None)
    reviewer = fields.Function(lambda v: v.reviewer.username if v.reviewer else None,
                               metadata={"description": "审核 (never the preparer)"})
    poster = fields.Function(lambda v: v.poster.username if v.poster else None)
    cashier = fields.Function(lambda v: v.cashier.username if v.cashier else None,
                              metadata={"description": "出纳签字, when the voucher touches cash or bank"})
    reversal_of = fields.Function(lambda v: v.reversal_of.number if v.reversal_of else None)
    reversed_by = fields.Function(lambda v: v.reversed_by.number if v.reversed_by else None)
    hash = fields.String(allow_none=True)
    source = fields.Function(lambda v: {"module": v.source_module, "kind": v.source_kind, "key": v.source_key,
                                        "label": v.source_label, "url": v.source_url} if v.source_module else None,
                             metadata={"description": "the document the voucher was posted from (业务单据), or null"})
    template_version = fields.String(allow_none=True, metadata={"description": "posting template used"})
    lines = fields.List(fields.Nested(LineOut))


class VoucherQuery(PageQuery):
    institution = fields.String()
    period = fields.String(metadata={"description": "YYYY-MM"})
    status = fields.String(validate=validate.OneOf(["draft", "reviewed", "posted"]))


class ReverseIn(Schema):
    date = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    memo = fields.String(load_default=None, validate=validate.Length(max=256))


class InternalSideIn(Schema):
    institution = fields.String(required=True)
    date = fields.Date(required=True)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    attachment_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=999))
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=2))


class InternalIn(Schema):
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    issuer = fields.Nested(InternalSideIn, required=True)
    receiver = fields.Nested(InternalSideIn, required=True)


class InternalOut(Schema):
    internal_ref = fields.String()
    issuer = fields.Nested(VoucherOut)
    receiver = fields.Nested(VoucherOut)


class SelectionIn(Schema):
    ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=500),
                      metadata={"description": "the selected vouchers (all or none are done)"})


class SelectionOut(Schema):
    vouchers = fields.List(fields.Nested(VoucherOut))


class SettingsIn(Schema):
    poster_may_review = fields.Boolean(load_default=None, metadata={"description": "记账人可以是审核人"})
    cashier_sign = fields.Boolean(load_default=None, metadata={"description": "涉及现金、银行存款的凭证须出纳签字"})


class SettingsOut(Schema):
    poster_may_review = fields.Boolean()
    cashier_sign = fields.Boolean()
