"""零差率 revenue forgone and its compensation (DOMAIN.md §3 and §5; 002 §16; 000 §14), per member and for the
community, over a month or a year.

- **Forgone** (减少的加成收入): what the abolished markup (``former_markup``, default 15%) would have yielded on the
  drugs and consumables dispensed or consumed (posted 发药/领用, at cost: under 零差率 their revenue is their
  cost). 中药饮片 are left out: they may still carry their markup, so nothing was forgone on them. Rounded once
  per member and class (drugs, consumables), half up, to the fen; the community's figures are the members'
  sums, so the rows add up exactly.
- **Compensation** of the drugs' forgone revenue at the community's ratio (``compensation_price`` /
  ``compensation_subsidy`` / ``compensation_absorbed``, default 80/10/10): 调整医疗服务价格, 财政专项补助, 医院自行消化,
  split by the largest remainder so the three parts sum to the forgone amount exactly. The consumables' is
  compensated wholly by price adjustment (000 §14; 002 §16: their markup loss goes to 调整医疗服务价格).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.models import Institution
from erp.core.money import largest_remainder, quantize_fen
from erp.procurement.models import CatalogueItem, Dispensing, DispensingLine, ItemCategory, MovementState
from erp.procurement.services.kpis import parse_kpi_period
from erp.procurement.services.pricing import settings_for

ZERO = Decimal("0")
PARTS = ("price_adjustment", "subsidy", "absorbed")


@dataclass
class CompensationRow:
    """One member (``institution``) or the community (None): the dispensed cost and the forgone markup of
    drugs and consumables, and the compensation of it in three parts."""

    institution: Institution | None
    drug_cost: Decimal = ZERO
    consumable_cost: Decimal = ZERO
    forgone_drugs: Decimal = ZERO
    forgone_consumables: Decimal = ZERO
    price_adjustment: Decimal = ZERO
    subsidy: Decimal = ZERO
    absorbed: Decimal = ZERO

    @property
    def forgone(self) -> Decimal:
        return self.forgone_drugs + self.forgone_consumables

    def add(self, other: "CompensationRow") -> None:
        for name in ("drug_cost", "consumable_cost", "forgone_drugs", "forgone_consumables", *PARTS):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Compensation:
    period: str
    start: date
    end: date  # exclusive
    former_markup: Decimal
    ratios: dict[str, Decimal]  # price_adjustment / subsidy / absorbed, summing to 1
    members: list[CompensationRow] = field(default_factory=list)
    total: CompensationRow = field(default_factory=lambda: CompensationRow(None))


def compensation(session: Session, community_id: int, period: str) -> Compensation:
    """The report for ``period`` (YYYY or YYYY-MM) over the members the user sees."""
    start, end, label = parse_kpi_period(period)
    settings = settings_for(session, community_id)
    ratios = {"price_adjustment": settings.compensation_price, "subsidy": settings.compensation_subsidy,
              "absorbed": settings.compensation_absorbed}
    result = Compensation(label, start, end, settings.former_markup, ratios)
    costs: dict[int, dict[ItemCategory, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for institution_id, category, value in session.execute(
            select(Dispensing.institution_id, CatalogueItem.category, func.sum(DispensingLine.value))
            .select_from(DispensingLine).join(DispensingLine.dispensing).join(DispensingLine.item)
            .where(Dispensing.state == MovementState.POSTED, Dispensing.date >= start, Dispensing.date < end,
                   CatalogueItem.category.in_((ItemCategory.DRUG, ItemCategory.CONSUMABLE)))
            .group_by(Dispensing.institution_id, CatalogueItem.category)):
        costs[institution_id][category] += value or ZERO
    members = session.scalars(select(Institution).where(Institution.id.in_(list(costs))).order_by(Institution.code))
    for member in members:
        row = member_row(member, costs[member.id][ItemCategory.DRUG], costs[member.id][ItemCategory.CONSUMABLE],
                         settings.former_markup, ratios)
        result.members.append(row)
        result.total.add(row)
    return result


def member_row(member: Institution | None, drug_cost: Decimal, consumable_cost: Decimal, former_markup: Decimal,
               ratios: dict[str, Decimal]) -> CompensationRow:
    """The forgone markup of one member's dispensed cost and its compensation (see the module text)."""
    row = CompensationRow(member, drug_cost, consumable_cost, quantize_fen(drug_cost * former_markup),
                          quantize_fen(consumable_cost * former_markup))
    if row.forgone_drugs:
        for part, amount in largest_remainder(row.forgone_drugs, [(name, ratios[name]) for name in PARTS]).items():
            setattr(row, part, amount)
    row.price_adjustment += row.forgone_consumables
    return row
