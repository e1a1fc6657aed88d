"""Schemas of the tax calculator (个税试算): the cumulative method and the annual bonus."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField

class RateField(fields.Field):
    """A rate out as its exact decimal text ("0.10")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value, "f")


NOT_NEGATIVE = validate.Range(min=Decimal(0), error="不能为负 (must not be negative)")


class TaxMonthIn(Schema):
    income = AmountField(required=True, validate=NOT_NEGATIVE, metadata={"description": "工资薪金收入"})
    special = AmountField(load_default=Decimal(0), validate=NOT_NEGATIVE, metadata={"description": "专项扣除"})
    additional = AmountField(load_default=Decimal(0), validate=NOT_NEGATIVE, metadata={"description": "专项附加扣除"})
    other = AmountField(load_default=Decimal(0), validate=NOT_NEGATIVE, metadata={"description": "其他扣除"})


class CumulativeTaxIn(Schema):
    start_month = fields.Integer(required=True, validate=validate.Range(min=1, max=12),
                                 metadata={"description": "the first month at this employer in the tax year"})
    months = fields.List(fields.Nested(TaxMonthIn), required=True, validate=validate.Length(min=1, max=12),
                         metadata={"description": "consecutive months from start_month"})
    year = fields.Integer(validate=validate.Range(min=2019, max=9999),
                          metadata={"description": "tax year whose tables apply (default: this year)"})


class MonthTaxOut(Schema):
    month = fields.Integer()
    tax = AmountField()
    cumulative_taxable = AmountField()
    rate = RateField()
    quick_deduction = AmountField()
    cumulative_income = AmountField()
    due_to_date = AmountField()
    withheld_before = AmountField()


class CumulativeTaxOut(Schema):
    months = fields.List(fields.Nested(MonthTaxOut))
    total_tax = AmountField()
    table = fields.String(metadata={"description": "the parameter version used (code@version)"})


class AnnualBonusIn(Schema):
    amount = AmountField(required=True, validate=NOT_NEGATIVE)
    year = fields.Integer(validate=validate.Range(min=2019, max=9999))


class AnnualBonusOut(Schema):
    tax = AmountField()
    rate = RateField()
    quick_deduction = AmountField()
    amount = AmountField()
    table = fields.String()
