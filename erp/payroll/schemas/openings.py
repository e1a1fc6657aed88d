"""Schemas of the opening cumulative figures (期初累计数) for a mid-year go-live."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, PageQuery
from erp.payroll.schemas.common import YEAR

NOT_NEGATIVE = validate.Range(min=0, error="不能为负 (must not be negative)")


class OpeningIn(Schema):
    employee = fields.Integer(required=True, validate=validate.Range(min=1, max=2 ** 31 - 1))
    year = fields.Integer(required=True, validate=YEAR)
    through_month = fields.Integer(required=True, validate=validate.Range(min=1, max=11),
                                   metadata={"description": "the last month the figures cover (go-live the next)"})
    months = fields.Integer(required=True, validate=validate.Range(min=1, max=11),
                            metadata={"description": "months at this employer in the year so far (累计月数)"})
    income = AmountField(required=True, validate=NOT_NEGATIVE, metadata={"description": "累计收入"})
    special_deduction = AmountField(load_default=0, validate=NOT_NEGATIVE, metadata={"description": "累计专项扣除"})
    additional_deduction = AmountField(load_default=0, validate=NOT_NEGATIVE,
                                       metadata={"description": "累计专项附加扣除"})
    other_deduction = AmountField(load_default=0, validate=NOT_NEGATIVE, metadata={"description": "累计其他扣除"})
    tax_withheld = AmountField(load_default=0, validate=NOT_NEGATIVE, metadata={"description": "累计已预扣预缴税额"})


class OpeningOut(Schema):
    id = fields.Integer()
    employee = fields.Integer(attribute="employee_id")
    employee_code = fields.Function(lambda o: o.employee.code)
    employee_name = fields.Function(lambda o: o.employee.name)
    year = fields.Integer()
    through_month = fields.Integer()
    months = fields.Integer()
    income = AmountField()
    special_deduction = AmountField()
    additional_deduction = AmountField()
    other_deduction = AmountField()
    tax_withheld = AmountField()
    source = fields.String()


class OpeningQuery(PageQuery):
    year = fields.Integer(required=True, validate=YEAR)


class OpeningImportIn(Schema):
    year = fields.Integer(required=True, validate=YEAR)
    file = fields.String(required=True, validate=validate.Length(min=1, max=70_000_000),
                         metadata={"description": "the .xlsx workbook (身份证号, 截至月份, 累计月数, 累计收入, 累计专项扣除, "
                                                  "累计专项附加扣除, 累计其他扣除, 累计已预扣预缴税额), base64-encoded"})
