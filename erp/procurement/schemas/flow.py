"""Marshmallow schemas of the document flow: requisitions, purchase orders, receipts, stock, transfers,
dispensing and the stock reconciliation."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import DecimalText, PageQuery
from erp.core.money import decimal_str
from erp.core.schemas import code_text

CODE = {"validate": validate.Length(min=1, max=32)}


def price_text(value) -> str | None:
    """A unit price out as text with at least 2 and at most 6 places (exact)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


class PriceText(DecimalText):
    def _serialize(self, value, attr, obj, **kwargs):
        return price_text(value)


# ---- requisitions -------------------------------------------------------------------------------------


class RequisitionLineIn(Schema):
    item = fields.Function(deserialize=code_text, required=True, metadata={"description": "catalogue code"})
    quantity = fields.Integer(required=True, strict=True, metadata={"description": "packages, > 0"})
    wanted_date = fields.Date(load_default=None, metadata={"description": "default: date + 7 days"})


class RequisitionIn(Schema):
    institution = fields.Function(deserialize=code_text, required=True)
    date = fields.Date(load_default=None, metadata={"description": "the requisition's date (its period); default today"})
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    lines = fields.List(fields.Nested(RequisitionLineIn), required=True, validate=validate.Length(min=1, max=500))


class RequisitionLineOut(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    item = fields.Function(lambda l: l.item.code)
    item_name = fields.Function(lambda l: l.item.generic_name)
    quantity = fields.Integer()
    wanted_date = fields.Date()
    po_line = fields.Integer(attribute="po_line_id", allow_none=True)


class RequisitionOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda r: r.institution.code)
    date = fields.Date()
    period = fields.Function(lambda r: f"{r.year}-{r.month:02d}")
    state = fields.Function(lambda r: r.state.value)
    state_title = fields.String()
    memo = fields.String()
    requester = fields.Function(lambda r: r.requester.username if r.requester else None)
    approver = fields.Function(lambda r: r.approver.username if r.approver else None)
    lines = fields.List(fields.Nested(RequisitionLineOut))


class RequisitionQuery(PageQuery):
    institution = fields.String()
    state = fields.String(validate=validate.OneOf(["draft", "submitted", "approved", "rejected"]))
    period = fields.String(metadata={"description": "YYYY-MM"})


# ---- purchase orders ----------------------------------------------------------------------------------


class ConsolidateIn(Schema):
    period = fields.String(required=True, metadata={"description": "YYYY-MM: the requisitions' period"})
    date = fields.Date(load_default=None, metadata={"description": "order date (agreements in force); default today"})


class PeriodQuery(Schema):
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})


class OrderLineOut(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    item = fields.Function(lambda l: l.item.code)
    item_name = fields.Function(lambda l: l.item.generic_name)
    quantity = fields.Integer()
    unit_price = PriceText()
    amount = fields.Function(lambda l: decimal_str(l.amount))
    online = fields.Boolean(metadata={"description": "网采: under an agreement on the trading platform"})
    agreement = fields.Integer(attribute="agreement_id", allow_none=True)
    override = fields.Integer(attribute="override_id", allow_none=True)
    received = fields.Integer()
    cancelled = fields.Boolean()
    cancel_reason = fields.String()
    requisition_lines = fields.Function(lambda l: [r.id for r in l.requisition_lines])


class OrderOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda o: o.institution.code)
    order_date = fields.Date()
    period = fields.Function(lambda o: f"{o.year}-{o.month:02d}")
    supplier = fields.Function(lambda o: o.supplier.code)
    supplier_name = fields.Function(lambda o: o.supplier.name)
    platform = fields.Function(lambda o: o.platform.value)
    platform_order_no = fields.String()
    state = fields.Function(lambda o: o.state.value)
    state_title = fields.String()
    amount = fields.Function(lambda o: decimal_str(o.amount))
    created_by = fields.Function(lambda o: o.created_by.username if o.created_by else None)
    approved_by = fields.Function(lambda o: o.approved_by.username if o.approved_by else None)
    lines = fields.List(fields.Nested(OrderLineOut))


class OrderQuery(PageQuery):
    state = fields.String(validate=validate.OneOf(["draft", "approved", "cancelled"]))
    period = fields.String(metadata={"description": "YYYY-MM"})
    supplier = fields.String()


class PlatformOrderIn(Schema):
    platform_order_no = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))


class OverrideIn(Schema):
    item = fields.Function(deserialize=code_text, required=True)
    supplier = fields.Function(deserialize=code_text, required=True)
    unit_price = DecimalText(required=True, metadata={"description": "per package, at most 4 places"})
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))


class OverrideOut(Schema):
    id = fields.Integer()
    item = fields.Function(lambda o: o.item.code)
    supplier = fields.Function(lambda o: o.supplier.code)
    unit_price = PriceText()
    period = fields.Function(lambda o: f"{o.year}-{o.month:02d}")
    reason = fields.String()
    approved_by = fields.Function(lambda o: o.approved_by.username)
