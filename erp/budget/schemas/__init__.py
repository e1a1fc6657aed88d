"""Marshmallow schemas of the budget API: budgets (versions, lines), commitments, funds and programmes."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, DecimalText, PageQuery
from erp.core.schemas import code_text
from erp.budget.models import CHECK_PERIODS, MONTHS, ZERO, Control
from erp.budget.services.funds import PURPOSES, RECEIPT_CHANNELS

CODE = validate.Length(min=1, max=32)


def _code(obj, name):
    value = getattr(obj, name)
    return value.code if value is not None else None


class LineIn(Schema):
    account = fields.String(required=True, validate=CODE, metadata={"description": "budget expenditure account (7xxx)"})
    department = fields.String(load_default=None, allow_none=True, validate=CODE)
    funding_source = fields.String(load_default=None, allow_none=True, validate=CODE)
    amount = AmountField(required=True, metadata={"description": "the year's amount, e.g. \"120000.00\""})
    months = fields.List(AmountField(), load_default=None, allow_none=True, validate=validate.Length(equal=12),
                         metadata={"description": "12 monthly amounts summing to amount; omitted: spread evenly"})
    control = fields.String(load_default="stop", validate=validate.OneOf([c.value for c in Control]))
    check_period = fields.String(load_default="annual", validate=validate.OneOf(list(CHECK_PERIODS)))
    memo = fields.String(load_default="", validate=validate.Length(max=256))


class BudgetIn(Schema):
    institution = fields.String(required=True, validate=CODE)
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=9999))
    title = fields.String(load_default="", validate=validate.Length(max=128))
    lines = fields.List(fields.Nested(LineIn), load_default=list, validate=validate.Length(max=5000))


class LinesIn(Schema):
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(max=5000))


class AdjustmentIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=512))
    lines = fields.List(fields.Nested(LineIn), load_default=None, validate=validate.Length(max=5000),
                        metadata={"description": "the adjusted lines; omitted: a copy of the lines in force"})


class ReasonIn(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=512))


class BudgetQuery(PageQuery):
    institution = fields.String(validate=CODE)
    year = fields.Integer(validate=validate.Range(min=1900, max=9999))
    state = fields.String(validate=validate.OneOf(["draft", "submitted", "approved", "executing", "closed"]))


class LineOut(Schema):
    id = fields.Integer()
    account = fields.Function(lambda l: l.account.code)
    account_name = fields.Function(lambda l: l.account.name)
    department = fields.Function(lambda l: _code(l, "department"))
    funding_source = fields.Function(lambda l: _code(l, "funding_source"))
    control = fields.Function(lambda l: l.control.value)
    check_period = fields.String()
    amount = AmountField()
    months = fields.Function(lambda l: [str(m) for m in l.months])


class LiveLineOut(LineOut):
    committed = AmountField()
    actual = AmountField()
    available = AmountField()


class VersionOut(Schema):
    number = fields.Integer()
    state = fields.Function(lambda v: v.state.value)
    reason = fields.String()
    prepared_by = fields.Function(lambda v: v.prepared_by.username if v.prepared_by else None)
    approved_by = fields.Function(lambda v: v.approved_by.username if v.approved_by else None)
    approved_at = fields.DateTime()
    total = AmountField()
    lines = fields.List(fields.Nested(LineOut))


class BudgetOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda b: b.institution.code)
    year = fields.Integer()
    title = fields.String()
    state = fields.Function(lambda b: b.state.value)
    version = fields.Integer()
    total = fields.Function(lambda b: str(sum((l.amount for l in (b.lines or (b.versions[-1].lines if b.versions
                                                                                   else []))), ZERO)))


class BudgetDetailOut(BudgetOut):
    versions = fields.List(fields.Nested(VersionOut))
    lines = fields.List(fields.Nested(LiveLineOut))


class SourceIn(Schema):
    module = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=32))
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.String(required=True, validate=validate.Length(min=1, max=64))
    url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=256))


class CommitmentIn(Schema):
    institution = fields.String(required=True, validate=CODE)
    account = fields.String(required=True, validate=CODE)
    department = fields.String(load_default=None, allow_none=True, validate=CODE)
    funding_source = fields.String(load_default=None, allow_none=True, validate=CODE)
    amount = AmountField(required=True)
    source = fields.Nested(SourceIn, required=True)
    date = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=512),
                           metadata={"description": "why, recorded with a Warn line's warning"})


class CheckIn(Schema):
    institution = fields.String(required=True, validate=CODE)
    account = fields.String(required=True, validate=CODE)
    department = fields.String(load_default=None, allow_none=True, validate=CODE)
    funding_source = fields.String(load_default=None, allow_none=True, validate=CODE)
    amount = AmountField(required=True)
    date = fields.Date(load_default=None, allow_none=True)


class ReleaseIn(Schema):
    source = fields.Nested(SourceIn, required=True)
    amount = AmountField(load_default=None, allow_none=True)


class EntryOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda e: e.line.budget.institution.code)
    line = fields.Integer(attribute="line_id")
    line_label = fields.Function(lambda e: e.line.label)
    kind = fields.Function(lambda e: e.kind.value)
    state = fields.Function(lambda e: e.state.value)
    amount = AmountField()
    open_amount = AmountField()
    date = fields.Date()
    source = fields.Function(lambda e: {"module": e.source_module, "kind": e.source_kind, "key": e.source_key,
                                        "label": e.source_label, "url": e.source_url})
    voucher = fields.String(attribute="voucher_number")
    user = fields.Function(lambda e: e.user.username if e.user else None)


class EntryQuery(PageQuery):
    institution = fields.String(validate=CODE)
    line = fields.Integer()
    kind = fields.String(validate=validate.OneOf(["commitment", "actual"]))
    state = fields.String(validate=validate.OneOf(["open", "released", "consumed", "posted"]))


class ReceiptIn(Schema):
    funding_source = fields.String(required=True, validate=CODE)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    amount = AmountField(required=True)
    date = fields.Date(load_default=None, allow_none=True)
    channel = fields.String(load_default="fiscal_revenue", validate=validate.OneOf(RECEIPT_CHANNELS))
    memo = fields.String(load_default="", validate=validate.Length(max=256))


class AllocationIn(Schema):
    institution = fields.String(required=True, validate=CODE)
    amount = AmountField(required=True)
    date = fields.Date(load_default=None, allow_none=True)
    memo = fields.String(load_default="", validate=validate.Length(max=256))


class AllocationOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda a: a.institution.code)
    amount = AmountField()
    date = fields.Date()
    voucher = fields.String(attribute="voucher_number")
    lead_voucher = fields.String(attribute="lead_voucher_number")


class ReceiptOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda r: r.institution.code)
    funding_source = fields.Function(lambda r: r.funding_source.code)
    purpose = fields.String()
    channel = fields.String()
    amount = AmountField()
    allocated = AmountField()
    date = fields.Date()
    voucher = fields.String(attribute="voucher_number")
    allocations = fields.List(fields.Nested(AllocationOut))


class PublicHealthIn(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=9999))
    population = fields.Integer(required=True, validate=validate.Range(min=1, max=2_000_000_000))
    per_capita = AmountField(required=True)
    pre_allocation_share = DecimalText(load_default=None, metadata={"description": "e.g. \"0.6\"; omitted: the "
                                                                                  "community's parameter"})


class DistributeIn(Schema):
    funding_source = fields.String(required=True, validate=CODE)
    date = fields.Date(load_default=None, allow_none=True)
    populations = fields.Dict(keys=fields.String(validate=CODE), values=DecimalText(), load_default=None)
    scores = fields.Dict(keys=fields.String(validate=CODE), values=DecimalText(), load_default=None)


class ShareOut(Schema):
    institution = fields.Function(lambda s: s.institution.code)
    stage = fields.String()
    basis = fields.Function(lambda s: format(s.basis.normalize(), "f"))
    amount = AmountField()


class PublicHealthOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    population = fields.Integer()
    per_capita = AmountField()
    pre_allocation_share = fields.Function(lambda f: format(f.pre_allocation_share.normalize(), "f"))
    total = AmountField()
    pre_allocation = AmountField()
    remainder = AmountField()
    stage = fields.String()
    shares = fields.List(fields.Nested(ShareOut))


class InsuranceIn(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=9999))
    funding_total = AmountField(required=True)
    previous_funding_total = AmountField(required=True)
    serious_illness_fund = AmountField(required=True)
    share = DecimalText(required=True, metadata={"description": "≥ 0.95, e.g. \"0.95\""})
    reserve_rate = DecimalText(load_default=None, metadata={"description": "default 0.10"})
    overspend_share = DecimalText(load_default=None, metadata={"description": "the community's part of an overspend, "
                                                                              "default 0.50"})


class ParameterIn(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=32))
    value = DecimalText(required=True)
    valid_from = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=256))


class MonthIn(Schema):
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    amount = AmountField(required=True)
    date = fields.Date(load_default=None, allow_none=True, metadata={"description": "the posting date (default today)"})


class SettleIn(Schema):
    spent = AmountField(load_default=None, metadata={"description": "default: the months' settlements to date"})
    scores = fields.Dict(keys=fields.String(validate=CODE), values=DecimalText(), required=True)
    date = fields.Date(load_default=None, allow_none=True)


def _ratio(value):
    return None if value is None else format(value.normalize(), "f")


class InsuranceOut(Schema):
    id = fields.Integer()
    year = fields.Integer()
    funding_total = AmountField()
    previous_funding_total = AmountField()
    serious_illness_fund = AmountField()
    share = fields.Function(lambda b: _ratio(b.share))
    reserve_rate = fields.Function(lambda b: _ratio(b.reserve_rate))
    overspend_share = fields.Function(lambda b: _ratio(b.overspend_share))
    risk_reserve = AmountField()
    base = AmountField()
    community_budget = AmountField()
    settled_to_date = AmountField()
    remaining = AmountField()
    months = fields.Function(lambda b: [{"month": m.month, "amount": str(m.amount), "voucher": m.voucher_number}
                                        for m in b.months])
    spent = AmountField()
    surplus = AmountField()
    allocations = fields.Function(lambda b: [{"institution": a.institution.code, "score": _ratio(a.score),
                                              "amount": str(a.amount), "voucher": a.voucher_number}
                                             for a in b.allocations])


__all__ = [name for name in dir() if name.endswith(("In", "Out", "Query"))] + ["MONTHS", "code_text"]
