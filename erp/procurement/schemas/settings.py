"""The community's procurement parameters in and out of the API."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields, validate

from erp.core.api_framework import DecimalText


class RatioText(DecimalText):
    """A ratio as a decimal string ("0.25" = 25%), at most 4 places."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), "f")


class SettingsIn(Schema):
    herbal_markup_cap = RatioText(metadata={"description": "中药饮片 markup cap, e.g. \"0.25\" (inclusive)"})
    former_markup = RatioText(metadata={"description": "the abolished markup for the revenue-forgone report"})
    compensation_price = RatioText()
    compensation_subsidy = RatioText()
    compensation_absorbed = RatioText()
    match_tolerance = RatioText(metadata={"description": "three-way match tolerance (0 = exact)"})
    online_target_drugs = RatioText()
    online_target_high_value = RatioText()
    near_expiry_months = fields.Integer(validate=validate.Range(min=0, max=60))
    payment_term_days = fields.Integer(validate=validate.Range(min=0, max=365))


class SettingsOut(SettingsIn):
    pass
