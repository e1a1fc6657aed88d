"""Price agreements and selling prices in and out of the API."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields, validate

from erp.core.api_framework import DecimalText, PageQuery
from erp.core.schemas import code_text
from erp.procurement.models import Platform

PLATFORMS = [p.value for p in Platform]
PRICE_QUANTUM = Decimal("0.0001")


class PriceText(DecimalText):
    """A unit price in and out as a decimal string with 4 places ("12.3400")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP), "f")


class AgreementIn(Schema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={"description": "item code"})
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=32),
                             metadata={"description": "supplier code"})
    unit_price = PriceText(required=True, metadata={"description": "per package, > 0, at most 4 decimals"})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True, metadata={"description": "inclusive; null = open"})
    platform = fields.String(load_default="provincial", validate=validate.OneOf(PLATFORMS))
    platform_code = fields.String(load_default="", validate=validate.Length(max=64))
    agreed_volume = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2_000_000_000),
                                   metadata={"description": "约定采购量 per year in packages (集采 带量)"})
    note = fields.String(load_default="", validate=validate.Length(max=256))


class AgreementOut(Schema):
    id = fields.Integer()
    item = fields.Function(lambda a: a.item.code)
    item_name = fields.Function(lambda a: a.item.generic_name)
    supplier = fields.Function(lambda a: a.supplier.code)
    supplier_name = fields.Function(lambda a: a.supplier.name)
    unit_price = PriceText()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    platform = fields.Function(lambda a: a.platform.value)
    platform_code = fields.String()
    agreed_volume = fields.Integer(allow_none=True)
    note = fields.String()
    superseded_by = fields.Integer(attribute="superseded_by_id", allow_none=True)
    created_at = fields.DateTime()


class AgreementQuery(PageQuery):
    item = fields.String(validate=validate.Length(max=32))
    supplier = fields.String(validate=validate.Length(max=32))
    on = fields.Date(metadata={"description": "only the agreements in force on this date (one per item × supplier)"})
    platform = fields.String(validate=validate.OneOf(PLATFORMS))


class PriceIn(Schema):
    institution = fields.String(required=True, validate=code_text)
    selling_price = PriceText(required=True, metadata={"description": "per package, at most 4 decimals"})


class PriceOut(Schema):
    institution = fields.Function(lambda p: p.institution.code)
    item = fields.Function(lambda p: p.item.code)
    cost_price = PriceText()
    selling_price = PriceText(attribute="price")
    markup = fields.Function(lambda p: None if not p.cost_price else format(
        (p.price / p.cost_price - 1).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP), "f"), metadata={"description": "price ÷ cost − 1"})
    updated_at = fields.DateTime()


class PriceQuery(Schema):
    institution = fields.String(required=True)
