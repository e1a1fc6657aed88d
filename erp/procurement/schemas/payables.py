"""Marshmallow schemas of supplier invoices, payments, the overdue list and the payment publication."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import DecimalText, PageQuery
from erp.core.money import decimal_str
from erp.core.schemas import code_text
from erp.procurement.schemas.flow import PriceText


class InvoiceLineIn(Schema):
    receipt_line = fields.Integer(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True, metadata={"description": "packages, > 0"})
    unit_price = DecimalText(required=True, metadata={"description": "per package, at most 4 places"})
    upstream_invoice_no = fields.String(load_default="", validate=validate.Length(max=32),
                                        metadata={"description": "两票制: the manufacturer's invoice to the distributor"})
    upstream_seller = fields.String(load_default="", validate=validate.Length(max=128))
    upstream_seller_role = fields.String(load_default=None, allow_none=True,
                                         validate=validate.OneOf(["manufacturer", "distributor"]))
    upstream_date = fields.Date(load_default=None)


class InvoiceIn(Schema):
    supplier = fields.Function(deserialize=code_text, required=True)
    invoice_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    invoice_date = fields.Date(load_default=None)
    lines = fields.List(fields.Nested(InvoiceLineIn), required=True, validate=validate.Length(min=1, max=500))


class InvoiceLineOut(Schema):
    id = fields.Integer()
    line_no = fields.Integer()
    receipt_line = fields.Integer(attribute="receipt_line_id")
    item = fields.Function(lambda l: l.receipt_line.item.code)
    quantity = fields.Integer()
    unit_price = PriceText()
    amount = fields.Function(lambda l: decimal_str(l.amount))
    upstream_invoice_no = fields.String()
    upstream_seller = fields.String()
    upstream_seller_role = fields.Function(lambda l: l.upstream_seller_role.value if l.upstream_seller_role else None)


class InvoiceOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda i: i.institution.code)
    supplier = fields.Function(lambda i: i.supplier.code)
    invoice_no = fields.String()
    invoice_date = fields.Date()
    due_date = fields.Date()
    amount = fields.Function(lambda i: decimal_str(i.amount))
    paid = fields.Function(lambda i: decimal_str(i.paid))
    outstanding = fields.Function(lambda i: decimal_str(i.outstanding))
    voucher = fields.String(attribute="voucher_number", allow_none=True)
    lines = fields.List(fields.Nested(InvoiceLineOut))


class InvoiceQuery(PageQuery):
    institution = fields.String()
    supplier = fields.String()


class AllocationIn(Schema):
    invoice = fields.Integer(required=True, strict=True)
    amount = DecimalText(required=True, metadata={"description": "yuan, to the fen"})


class PaymentIn(Schema):
    supplier = fields.Function(deserialize=code_text, required=True)
    date = fields.Date(load_default=None)
    memo = fields.String(load_default="", validate=validate.Length(max=256))
    allocations = fields.List(fields.Nested(AllocationIn), required=True, validate=validate.Length(min=1, max=500))


class PaymentOut(Schema):
    id = fields.Integer()
    number = fields.String()
    institution = fields.Function(lambda p: p.institution.code)
    supplier = fields.Function(lambda p: p.supplier.code)
    date = fields.Date()
    amount = fields.Function(lambda p: decimal_str(p.amount))
    state = fields.Function(lambda p: p.state.value)
    voucher = fields.String(attribute="voucher_number", allow_none=True)
    allocations = fields.Function(lambda p: [{"invoice": a.invoice_id, "invoice_no": a.invoice.invoice_no,
                                              "amount": decimal_str(a.amount)} for a in p.allocations])


class PaymentQuery(PageQuery):
    institution = fields.String()
    state = fields.String(validate=validate.OneOf(["draft", "posted"]))


class PublicationQuery(Schema):
    period = fields.String(required=True, metadata={"description": "YYYY-MM: the month invoices fall due"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf", "xlsx"]))


class KpiQuery(Schema):
    period = fields.String(required=True, metadata={"description": "YYYY or YYYY-MM"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf", "xlsx"]))
