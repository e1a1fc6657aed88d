"""The zero-markup compensation report's answer (``GET /api/v1/reports/zero-markup-compensation``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from erp.core.money import decimal_str
from erp.procurement.reports.compensation import basis_lines


def _amount(name: str, description: str) -> fields.Function:
    return fields.Function(lambda row: decimal_str(getattr(row, name)), metadata={"description": description})


def _ratio(value) -> str:
    return format(value, "f")


class CompensationRowOut(Schema):
    institution = fields.Function(lambda row: row.institution.code if row.institution else None,
                                  metadata={"description": "the member's code; null on the total"})
    drug_cost = _amount("drug_cost", "drugs dispensed, at cost (= their revenue under 零差率)")
    consumable_cost = _amount("consumable_cost", "consumables dispensed or consumed, at cost")
    forgone_drugs = _amount("forgone_drugs", "drug_cost × former markup, half up to the fen")
    forgone_consumables = _amount("forgone_consumables", "consumable_cost × former markup, half up to the fen")
    forgone = _amount("forgone", "forgone_drugs + forgone_consumables")
    price_adjustment = _amount("price_adjustment", "调整医疗服务价格: the drugs' share and all of the consumables'")
    subsidy = _amount("subsidy", "财政专项补助 (drugs)")
    absorbed = _amount("absorbed", "医院自行消化 (drugs)")


class CompensationOut(Schema):
    period = fields.String()
    former_markup = fields.Function(lambda result: _ratio(result.former_markup))
    ratios = fields.Function(lambda result: {key: _ratio(value) for key, value in result.ratios.items()},
                             metadata={"description": "price_adjustment / subsidy / absorbed, summing to 1"})
    basis = fields.Function(basis_lines, metadata={"description": "the markup and ratios used, as the page says"})
    rows = fields.List(fields.Nested(CompensationRowOut), attribute="members")
    total = fields.Nested(CompensationRowOut)
