"""Schemas of the employees API (职工薪酬档案)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import AmountField, PageQuery
from erp.core.schemas import code_text
from erp.payroll.models import ESTABLISHMENT_TITLES, STAFF_CATEGORY_TITLES, Establishment, StaffCategory

DEDUCTION_KINDS = ("child_education", "infant_care", "elderly_care", "housing_loan", "housing_rent",
                   "continuing_education")
NOT_NEGATIVE = validate.Range(min=0, error="不能为负 (must not be negative)")


class DeductionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(DEDUCTION_KINDS))
    amount = AmountField(required=True, validate=NOT_NEGATIVE, metadata={"description": "monthly amount"})
    start = fields.Date(required=True, metadata={"description": "first day of the first month"})
    end = fields.Date(allow_none=True, load_default=None, metadata={"description": "first day of the last month"})


class EmployeeBase(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    id_number = fields.String(validate=validate.Length(min=15, max=21), metadata={"description": "身份证号"})
    department = fields.Function(lambda p: p.department.code if p.department else None, deserialize=code_text,
                                 allow_none=True, metadata={"description": "department code"})
    establishment = fields.Enum(Establishment, by_value=True)
    is_head = fields.Boolean(metadata={"description": "主要负责人 (院长)"})
    post = fields.String(validate=validate.Length(max=32), metadata={"description": "岗位 (a key of payroll.post_wage)"})
    grade = fields.Integer(validate=validate.Range(min=1, max=65), metadata={"description": "薪级"})
    staff_category = fields.Enum(StaffCategory, by_value=True)
    general_practitioner = fields.Boolean()
    public_health = fields.Boolean()
    bank_name = fields.String(validate=validate.Length(max=64))
    bank_account = fields.String(validate=validate.Regexp(r"^[0-9]{0,32}$", error="银行账号应为数字 (digits)"))
    insurance_base = AmountField(allow_none=True, validate=NOT_NEGATIVE)
    housing_fund_base = AmountField(allow_none=True, validate=NOT_NEGATIVE)
    hire_date = fields.Date()
    leave_date = fields.Date(allow_none=True)
    deductions = fields.List(fields.Nested(DeductionSchema), validate=validate.Length(max=20))


class EmployeeIn(EmployeeBase):
    institution = fields.String(required=True, validate=validate.Length(min=1, max=32))
    code = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    id_number = fields.String(required=True, validate=validate.Length(min=15, max=21),
                              metadata={"description": "身份证号 (checked: birth date, place, check digit)"})
    establishment = fields.Enum(Establishment, by_value=True, required=True,
                                metadata={"description": "bianzhi / beian / contract / dispatch"})


class EmployeeChange(EmployeeBase):
    pass


class EmployeeOut(EmployeeBase):
    id = fields.Function(lambda p: p.employee_id)
    code = fields.Function(lambda p: p.employee.code)
    name = fields.Function(lambda p: p.employee.name)
    institution = fields.Function(lambda p: p.institution.code)
    establishment_title = fields.Function(lambda p: ESTABLISHMENT_TITLES[p.establishment])
    staff_category_title = fields.Function(lambda p: STAFF_CATEGORY_TITLES[p.staff_category])
    department_name = fields.Function(lambda p: p.department.name if p.department else None)


class EmployeeQuery(PageQuery):
    institution = fields.String(metadata={"description": "institution code"})
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "name or code contains"})
