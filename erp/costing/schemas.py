"""Marshmallow schemas of the costing API: drivers, the allocation plan and the report query."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import DecimalText, PageQuery
from erp.core.models import CostClass
from erp.costing.reports import number_str
from erp.costing.services import DRIVER_KINDS, PERIOD_HELP


class DriverValueField(DecimalText):
    """A driver figure in and out as a decimal string ("12.5"); the service checks range and places."""

    def _serialize(self, value, attr, obj, **kwargs):
        return number_str(value)

    default_error_messages = {"invalid": "分摊参数应为字符串形式的十进制数，如 \"12.5\" (decimal string)"}


class CostPeriodQuery(Schema):
    institution = fields.String(required=True, metadata={"description": "institution code"})
    period = fields.String(required=True, metadata={"description": PERIOD_HELP})


class DepartmentCostQuery(CostPeriodQuery):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf", "xlsx"]),
                           metadata={"description": "json (default), pdf or xlsx (a file download)"})


class CostDriverQuery(PageQuery):
    institution = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": PERIOD_HELP})
    department = fields.String(metadata={"description": "department code"})
    kind = fields.String(validate=validate.OneOf(list(DRIVER_KINDS)))


class CostDriverOut(Schema):
    period = fields.String()
    department = fields.Function(lambda d: d.department.code)
    department_name = fields.Function(lambda d: d.department.name)
    cost_class = fields.Function(lambda d: d.department.cost_class.value)
    kind = fields.String()
    kind_title = fields.Function(lambda d: DRIVER_KINDS[d.kind].title if d.kind in DRIVER_KINDS else d.kind)
    value = DriverValueField()


class CostDriverValueIn(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(list(DRIVER_KINDS)))
    value = DriverValueField(required=True, allow_none=True,
                             metadata={"description": "decimal string ≥ 0, at most 4 places; null removes it"})


class CostDriversIn(Schema):
    institution = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})
    values = fields.List(fields.Nested(CostDriverValueIn), required=True, validate=validate.Length(min=1, max=5000))


class CostRuleIn(Schema):
    from_class = fields.String(required=True, validate=validate.OneOf([c.value for c in CostClass]))
    department = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "department code: an override for that department"})
    base_kind = fields.String(required=True, allow_none=True,
                              metadata={"description": "staff, floor_area, workload, revenue (admin / "
                                                       "medical_support / medical_tech); outpatient_share, hours, "
                                                       "workload, revenue (clinical split); null = the default"})


class CostRulesIn(Schema):
    institution = fields.String(required=True)
    rules = fields.List(fields.Nested(CostRuleIn), required=True, validate=validate.Length(min=1, max=500))


class CostRulesQuery(Schema):
    institution = fields.String(required=True)
