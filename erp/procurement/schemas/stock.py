"""Marshmallow schemas of receipts, stock, transfers, dispensing and the stock reconciliation."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import object_session

from erp.core.api_framework import PageQuery
from erp.core.money import decimal_str
from erp.core.schemas import code_text
from erp.procurement.schemas.flow import PriceText, price_text
from erp.procurement.services.dispensing import expected_values as dispensing_expected
from erp.procurement.services.flow_common import packages_text
from erp.procurement.services.transfers import expected_values as transfer_expected


def _expected(expected_values, document) -> str | None:
    """A stock document's expected amount as API text (:func:`expected_values` of its kind)."""
    amount = expected_values(object_session(document), document).amount
    return None if amount is None else decimal_str(amount)


# ---- receipts -----------------------------------------------------------------------------------------


class ReceiptLineIn(Schema):
    po_line = fields.Integer(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True, metadata={"description": "packages, > 0"})
    batch = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={"description": "批号"})
    expiry = fields.Date(required=True, metadata={"description": "有效期至"})
    production_date = fields.Date(load_default=None)
    trace_codes = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                              validate=validate.Length(max=10000),
                              metadata={"description": "药品追溯码 of the boxes (one per box)"})


class ReceiptIn(Schema):
    purchase_order = fields.Integer(required=True, strict=True)
    institution = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
                                  metadata={"description": "where the goods go; default the central pharmacy"})
    date = fields.Date(load_default=None)
    acceptance_note = fields.String(load_default="", validate=validate.Length(max=256))
    lines = fields.List(fields.Nested(ReceiptLineIn), required=True, validate=validate.Length(min=1, max=500))


class AcceptIn(Schema):
    date = fields.Date(load_default=None, metadata={"description": "验收日期 (default today)"})
    note = fields.String(load_default=None, validate=validate.Length(max=256), metadata={"description": "验收结论"})


class ReceiptLineOut(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    po_line = fields.Integer(attribute="po_line_id")
    item = fields.Function(lambda l: l.item.code)
    item_name = fields.Function(lambda l: l.item.generic_name)
    quantity = fields.Integer()
    unit_price = PriceText()
    amount = fields.Function(lambda l: decimal_str(l.amount))
    batch = fields.String()
    production_date = fields.Date(allow_none=True)
    expiry = fields.Date()
    trace_codes = fields.Function(lambda l: [c.code for c in l.codes])


class ReceiptOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda r: r.institution.code)
    date = fields.Date()
    purchase_order = fields.Integer(attribute="order_id")
    order_number = fields.Function(lambda r: r.order.number)
    supplier = fields.Function(lambda r: r.supplier.code)
    state = fields.Function(lambda r: r.state.value)
    state_title = fields.String()
    amount = fields.Function(lambda r: decimal_str(r.amount))
    accepted_on = fields.Date(allow_none=True)
    acceptance_note = fields.String()
    voucher = fields.String(attribute="voucher_number", allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineOut))


class ReceiptQuery(PageQuery):
    institution = fields.String()
    state = fields.String(validate=validate.OneOf(["draft", "accepted", "cancelled"]))
    purchase_order = fields.Integer()


# ---- stock --------------------------------------------------------------------------------------------


class StockQuery(PageQuery):
    institution = fields.String(metadata={"description": "institution code"})
    item = fields.String(metadata={"description": "catalogue code"})


class StockOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda b: b.institution.code)
    item = fields.Function(lambda b: b.item.code)
    item_name = fields.Function(lambda b: b.item.generic_name)
    batch = fields.String()
    production_date = fields.Date(allow_none=True)
    expiry = fields.Date()
    quantity = fields.Function(lambda b: packages_text(b.item, b.quantity),
                               metadata={"description": "packages (exact; fractional after 拆零)"})
    package_unit = fields.Function(lambda b: b.item.package_unit)
    min_units = fields.Integer(attribute="quantity", metadata={"description": "the same quantity in minimum units"})
    min_unit = fields.Function(lambda b: b.item.min_unit)
    unit_cost = PriceText(metadata={"description": "acquisition cost per package"})
    selling_price = fields.Function(lambda b: price_text(b.selling_price),
                                    metadata={"description": "per package: = unit_cost (零差率); 中药饮片 within the cap"})
    value = fields.Function(lambda b: decimal_str(b.value))


# ---- transfers and dispensing -------------------------------------------------------------------------


class MovementLineIn(Schema):
    item = fields.Function(deserialize=code_text, required=True)
    quantity = fields.Integer(required=True, strict=True, metadata={"description": "minimum units, > 0"})


class TransferIn(Schema):
    to_institution = fields.Function(deserialize=code_text, required=True)
    from_institution = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
                                  metadata={"description": "default the central pharmacy"})
    date = fields.Date(load_default=None)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    lines = fields.List(fields.Nested(MovementLineIn), required=True, validate=validate.Length(min=1, max=500))


class PostIn(Schema):
    date = fields.Date(load_default=None, metadata={"description": "posting date (default today)"})


class MovementLineOut(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    item = fields.Function(lambda l: l.item.code)
    item_name = fields.Function(lambda l: l.item.generic_name)
    quantity = fields.Integer()
    value = fields.Function(lambda l: decimal_str(l.value))


class TransferOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda t: t.institution.code)
    to_institution = fields.Function(lambda t: t.receiver.code)
    date = fields.Date()
    state = fields.Function(lambda t: t.state.value)
    state_title = fields.String()
    amount = fields.Function(lambda t: decimal_str(t.amount))
    expected_amount = fields.Function(lambda t: _expected(transfer_expected, t), allow_none=True, metadata={
        "description": "what posting it takes at cost (a draft: as posted today; null when stock is short)"})
    lines = fields.List(fields.Nested(MovementLineOut))


class DispensingLineIn(MovementLineIn):
    trace_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    split_pack = fields.Boolean(load_default=False, metadata={"description": "拆零"})


class DispensingIn(Schema):
    institution = fields.Function(deserialize=code_text, required=True)
    department = fields.Function(deserialize=code_text, required=True)
    setting = fields.String(load_default="outpatient", validate=validate.OneOf(["outpatient", "inpatient"]))
    payer = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
                                  metadata={"description": "partner code that settles; default the 医保 partner"})
    date = fields.Date(load_default=None)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    lines = fields.List(fields.Nested(DispensingLineIn), required=True, validate=validate.Length(min=1, max=500))


class DispensingLineOut(MovementLineOut):
    trace_code = fields.String(allow_none=True)
    split_pack = fields.Boolean()
    no_code = fields.Boolean(metadata={"description": "无码不结算: dispensed without a traceability code"})


class DispensingOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda d: d.institution.code)
    department = fields.Function(lambda d: d.department.code)
    setting = fields.String()
    payer = fields.String()
    date = fields.Date()
    state = fields.Function(lambda d: d.state.value)
    state_title = fields.String()
    amount = fields.Function(lambda d: decimal_str(d.amount))
    expected_amount = fields.Function(lambda d: _expected(dispensing_expected, d), allow_none=True, metadata={
        "description": "what posting it gives (a draft: as posted today; null when stock is short)"})
    lines = fields.List(fields.Nested(DispensingLineOut))


class MovementQuery(PageQuery):
    institution = fields.String()
    state = fields.String(validate=validate.OneOf(["draft", "posted", "cancelled"]))


class DispensingQuery(MovementQuery):
    no_code = fields.Boolean(metadata={"description": "only those with a line dispensed without a code"})
