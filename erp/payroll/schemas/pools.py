"""Schemas of the 两个允许 pool, its account mapping, community 统筹 plans and distributions."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from erp.core.api_framework import AmountField, DecimalText, PageQuery
from erp.core.schemas import code_text
from erp.payroll.models.performance_pool import POOL_ITEM_TITLES, POOL_STATE_TITLES, PoolItem
from erp.payroll.models.pooling import PLAN_STATE_TITLES
from erp.payroll.schemas.common import YEAR
from erp.payroll.services.pooling import plan_summary

NOT_NEGATIVE = validate.Range(min=Decimal(0), error="不能为负 (must not be negative)")


class Ratio(DecimalText):
    """A rate, coefficient or score in as a decimal string or exact number (at most 6 places), out as text."""

    default_error_messages = {"invalid": "应为十进制数，如 \"0.6\"，最多 6 位小数 (a decimal, at most 6 places)"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite() or number.as_tuple().exponent < -6 or abs(number) >= 10 ** 9:
            raise self.make_error("invalid")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value.normalize(), "f")


class PoolQuery(PageQuery):
    year = fields.Integer(validate=YEAR)
    institution = fields.String(validate=validate.Length(max=32))


class IncreaseSchema(Schema):
    id = fields.Integer(dump_only=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=32),
                             metadata={"description": "talent, public_interest, teaching_research, "
                                                      "key_construction, other"})
    amount = AmountField(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))
    employee = fields.Integer(load_only=True, allow_none=True, validate=validate.Range(min=1),
                              metadata={"description": "单列 talent pay named for a person (never the dean)"})


class PoolParameters(Schema):
    deduct_exam_lab = fields.Boolean(metadata={"description": "also deduct 检查收入 and 化验收入 from S"})
    development_fund_rate = Ratio()
    welfare_fund_rate = Ratio()
    reward_share = Ratio(metadata={"description": "ρ ≥ 0.5"})
    growth = Ratio(metadata={"description": "g"})
    appraisal_score = Ratio(allow_none=True)
    appraisal_factor = Ratio(metadata={"description": "s"})
    basic_share = Ratio(metadata={"description": "β (default 0.4 hospitals, 0.6 grassroots)"})
    previous_pool = AmountField(validate=NOT_NEGATIVE,
                                metadata={"description": "last year's pool when none was approved here"})
    staff_count = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    local_average_wage = AmountField(validate=NOT_NEGATIVE)
    pay_multiple = Ratio(metadata={"description": "m"})
    personnel_share_min = Ratio()


class PoolCreate(PoolParameters):
    institution = fields.String(required=True, validate=validate.Length(min=1, max=32))
    year = fields.Integer(required=True, validate=YEAR)
    increases = fields.List(fields.Nested(IncreaseSchema), load_default=list, validate=validate.Length(max=100))


class PoolSchema(PoolParameters):
    id = fields.Integer()
    institution = fields.Function(lambda pool: pool.institution.code)
    institution_name = fields.Function(lambda pool: pool.institution.name)
    year = fields.Integer()
    ledger_year = fields.Function(lambda pool: pool.year - 1)
    state = fields.Function(lambda pool: pool.state.value)
    state_title = fields.Function(lambda pool: POOL_STATE_TITLES[pool.state])
    service_revenue = AmountField()
    cost = AmountField()
    surplus = AmountField()
    funds = AmountField()
    reward_room = AmountField()
    increases_total = AmountField()
    total = AmountField()
    basic = AmountField()
    incentive = AmountField()
    figures = fields.Dict(metadata={"description": "item → amount and the ledger accounts it came from"})
    checks = fields.List(fields.Dict())
    increases = fields.List(fields.Nested(IncreaseSchema))
    approved_by = fields.Function(lambda pool: pool.approved_by.username if pool.approved_by else None)
    approved_at = fields.AwareDateTime(allow_none=True)


class MappingAccount(Schema):
    account = fields.String(required=True, validate=validate.Length(min=1, max=32))
    note = fields.String(load_default="", validate=validate.Length(max=128))


class MappingUpdate(Schema):
    accounts = fields.List(fields.Nested(MappingAccount), required=True, validate=validate.Length(max=200))


class MappingItemSchema(Schema):
    item = fields.String()
    title = fields.String()
    measure = fields.String()
    accounts = fields.List(fields.Dict())


class MappingSchema(Schema):
    items = fields.List(fields.Nested(MappingItemSchema))


def mapping_item(item: PoolItem, rows, measure: str) -> dict:
    return {"item": item.value, "title": POOL_ITEM_TITLES[item], "measure": measure,
            "accounts": [{"account": row.account_prefix, "note": row.note} for row in rows]}


# ---- community 统筹 -----------------------------------------------------------------------------------


def _people(value):
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2 ** 31
                                              for v in value):
        raise ValidationError("应为职工 id 列表 (a list of employee ids)")
    return value


class PlanMemberIn(Schema):
    institution = fields.Function(deserialize=code_text, required=True)
    incentive = AmountField(allow_none=True, metadata={"description": "奖励性 amount when no pool is approved"})
    fte = Ratio(allow_none=True)
    fte_general_practitioner = Ratio(allow_none=True)
    fte_public_health = Ratio(allow_none=True)
    appraisal_factor = Ratio(allow_none=True)
    people = fields.Function(deserialize=_people, allow_none=True,
                             metadata={"description": "employee ids counted instead of every profile"})


class Coefficients(Schema):
    tiers = fields.Dict(keys=fields.String(), values=Ratio())
    general_practitioner = Ratio()
    public_health = Ratio()


class PlanCreate(Schema):
    institution = fields.String(required=True, validate=validate.Length(min=1, max=32),
                                metadata={"description": "the lead hospital's code"})
    year = fields.Integer(required=True, validate=YEAR)
    share = Ratio(required=True, metadata={"description": "τ"})
    floor = Ratio(load_default=Decimal("0.8"), metadata={"description": "λ"})
    coefficients = fields.Nested(Coefficients, load_default=None, allow_none=True)
    members = fields.List(fields.Nested(PlanMemberIn), required=True, validate=validate.Length(min=1, max=500))


class PlanLineSchema(Schema):
    institution = fields.Function(lambda line: line.member.code)
    institution_name = fields.Function(lambda line: line.member.name)
    kind = fields.Function(lambda line: line.member.kind.value)
    incentive = AmountField()
    contributed = AmountField()
    fte = Ratio()
    fte_general_practitioner = Ratio()
    fte_public_health = Ratio()
    tier = Ratio()
    appraisal_factor = Ratio()
    weight = Ratio()
    allocation = AmountField()


class PlanSchema(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda plan: plan.institution.code)
    year = fields.Integer()
    state = fields.Function(lambda plan: plan.state.value)
    state_title = fields.Function(lambda plan: PLAN_STATE_TITLES[plan.state])
    share = Ratio()
    floor = Ratio()
    coefficients = fields.Dict()
    total = AmountField()
    floor_applied = fields.Boolean()
    lines = fields.List(fields.Nested(PlanLineSchema))
    summary = fields.Function(lambda plan: {key: value if value is None or isinstance(value, bool) else f"{value:.2f}"
                                            for key, value in plan_summary(plan).items()},
                              metadata={"description": "grassroots and lead averages per FTE, floor met"})


class PlanQuery(PageQuery):
    year = fields.Integer(validate=YEAR)


# ---- distribution inside an institution ----------------------------------------------------------------


class DistributionPersonIn(Schema):
    employee = fields.Integer(required=True, validate=validate.Range(min=1))
    department = fields.String(required=True, validate=validate.Length(min=1, max=32))
    points = Ratio(required=True)
    quality = Ratio(required=True)


class DistributionDepartmentIn(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=32))
    weight = Ratio(required=True)


class DistributionCreate(Schema):
    institution = fields.String(required=True, validate=validate.Length(min=1, max=32))
    year = fields.Integer(required=True, validate=YEAR)
    label = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = AmountField(required=True)
    departments = fields.List(fields.Nested(DistributionDepartmentIn), load_default=list)
    people = fields.List(fields.Nested(DistributionPersonIn), required=True, validate=validate.Length(min=1, max=20000))


class DistributionDepartmentOut(Schema):
    department = fields.Function(lambda d: d.department.code)
    department_name = fields.Function(lambda d: d.department.name)
    weight = Ratio()
    amount = AmountField()
    points = Ratio()
    point_value = Ratio()


class DistributionShareOut(Schema):
    employee = fields.Integer(attribute="employee_id")
    employee_code = fields.Function(lambda s: s.employee.code)
    name = fields.Function(lambda s: s.employee.name)
    department = fields.Function(lambda s: s.department.code)
    points = Ratio()
    quality = Ratio()
    amount = AmountField()


class DistributionSchema(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda d: d.institution.code)
    year = fields.Integer()
    label = fields.String()
    amount = AmountField()
    departments = fields.List(fields.Nested(DistributionDepartmentOut))
    people = fields.List(fields.Nested(DistributionShareOut))


# ---- pay-gap report -----------------------------------------------------------------------------------


class PayGapQuery(Schema):
    year = fields.Integer(required=True, validate=YEAR)
    floor = Ratio(metadata={"description": "λ: members' average ≥ λ × the lead's (default: the year's plan, 0.8)"})
    fixed_share_min = Ratio(metadata={"description": "the fixed-pay share to check against (default 0.5)"})


class InstitutionGapSchema(Schema):
    institution = fields.String(attribute="code")
    name = fields.String()
    people = fields.Integer()
    average = AmountField()
    highest = AmountField()
    lowest = AmountField()
    ratio = Ratio(allow_none=True)
    fixed_share = Ratio()


class PayGapSchema(Schema):
    year = fields.Integer()
    floor = Ratio()
    fixed_share_min = Ratio()
    highest = AmountField()
    lowest = AmountField()
    ratio = Ratio(allow_none=True)
    lead_average = AmountField(allow_none=True)
    members_average = AmountField(allow_none=True)
    members_to_lead = Ratio(allow_none=True)
    floor_met = fields.Boolean(allow_none=True)
    institutions = fields.List(fields.Nested(InstitutionGapSchema))
