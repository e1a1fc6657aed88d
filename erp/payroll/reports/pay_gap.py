"""收入差距 report (PAYROLL.md §6, DOMAIN.md §6): from the approved pay slips of a year (approved, posted or
paid runs, adjustments included), per institution the people paid, their average, highest and lowest annual
gross and the share of fixed pay (岗位 + 薪级 + 基础性绩效 + 津贴补贴 in the gross); across the community the
highest/lowest ratio and the members' average against the lead hospital's, checked against the 统筹 floor λ
(the year's plan, else the default) and a fixed-pay share the reader chooses."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Institution, InstitutionKind
from erp.core.money import quantize_fen
from erp.payroll.models import Payslip, PayrollRun, RuleCategory, RunState
from erp.payroll.models.pooling import PoolingPlan

ZERO = Decimal(0)
FIXED = {RuleCategory.POST_WAGE.value, RuleCategory.GRADE_WAGE.value, RuleCategory.BASIC_PERFORMANCE.value,
         RuleCategory.ALLOWANCE.value}
FINAL = (RunState.APPROVED, RunState.POSTED, RunState.PAID)
DEFAULT_FLOOR = Decimal("0.8")
DEFAULT_FIXED_SHARE = Decimal("0.5")


@dataclass
class InstitutionGap:
    code: str
    name: str
    kind: str
    people: int = 0
    total: Decimal = ZERO
    fixed: Decimal = ZERO
    highest: Decimal = ZERO
    lowest: Decimal = ZERO

    @property
    def average(self) -> Decimal:
        return quantize_fen(self.total / self.people) if self.people else ZERO

    @property
    def fixed_share(self) -> Decimal:
        return (self.fixed / self.total).quantize(Decimal("0.0001")) if self.total else ZERO

    @property
    def ratio(self) -> Decimal | None:
        return (self.highest / self.lowest).quantize(Decimal("0.01")) if self.lowest > 0 else None


@dataclass
class PayGap:
    year: int
    floor: Decimal
    fixed_share_min: Decimal
    institutions: list[InstitutionGap] = field(default_factory=list)
    highest: Decimal = ZERO
    lowest: Decimal = ZERO
    lead_average: Decimal | None = None
    members_average: Decimal | None = None

    @property
    def ratio(self) -> Decimal | None:
        return (self.highest / self.lowest).quantize(Decimal("0.01")) if self.lowest > 0 else None

    @property
    def members_to_lead(self) -> Decimal | None:
        if not self.lead_average or self.members_average is None:
            return None
        return (self.members_average / self.lead_average).quantize(Decimal("0.0001"))

    @property
    def floor_met(self) -> bool | None:
        share = self.members_to_lead
        return None if share is None else share >= self.floor

    def chart(self, width: int = 480) -> list[dict]:
        """Bars for the average and the lowest–highest range of each institution, scaled to ``width`` px."""
        top = max((i.highest for i in self.institutions), default=ZERO)
        scale = (lambda amount: int(amount * width / top)) if top else (lambda amount: 0)
        return [{"label": f"{i.code} {i.name}", "average": scale(i.average), "low": scale(i.lowest),
                 "high": scale(i.highest), "value": i.average} for i in self.institutions]


def pay_gap(session: Session, community_id: int, year: int, *, floor: Decimal | None = None,
            fixed_share_min: Decimal = DEFAULT_FIXED_SHARE) -> PayGap:
    if floor is None:
        floor = session.scalar(select(PoolingPlan.floor).join(Institution, Institution.id == PoolingPlan.institution_id)
                               .where(Institution.community_id == community_id, PoolingPlan.year == year)
                               .limit(1)) or DEFAULT_FLOOR
    rows = session.execute(
        select(Payslip.employee_id, Payslip.gross, Payslip.lines, Institution)
        .join(PayrollRun, PayrollRun.id == Payslip.run_id)
        .join(Institution, Institution.id == Payslip.institution_id)
        .where(Institution.community_id == community_id, Payslip.year == year, PayrollRun.state.in_(FINAL)))
    gross: dict[int, Decimal] = defaultdict(lambda: ZERO)
    fixed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    home: dict[int, Institution] = {}
    for employee_id, amount, lines, institution in rows:
        gross[employee_id] += amount
        fixed[employee_id] += sum((Decimal(str(line["amount"])) for line in lines or ()
                                   if line.get("category") in FIXED), ZERO)
        home[employee_id] = institution
    report = PayGap(year, floor, fixed_share_min)
    by_code: dict[str, InstitutionGap] = {}
    for employee_id, amount in gross.items():
        inst = home[employee_id]
        row = by_code.setdefault(inst.code, InstitutionGap(inst.code, inst.name, inst.kind.value, lowest=amount))
        row.people += 1
        row.total += amount
        row.fixed += fixed[employee_id]
        row.highest, row.lowest = max(row.highest, amount), min(row.lowest, amount)
    report.institutions = sorted(by_code.values(), key=lambda row: row.code)
    if gross:
        report.highest, report.lowest = max(gross.values()), min(gross.values())
    lead = [r for r in report.institutions if r.kind == InstitutionKind.LEAD_HOSPITAL.value]
    members = [r for r in report.institutions if r.kind != InstitutionKind.LEAD_HOSPITAL.value]
    if lead:
        report.lead_average = quantize_fen(sum((r.total for r in lead), ZERO) / sum(r.people for r in lead))
    if members:
        report.members_average = quantize_fen(sum((r.total for r in members), ZERO) / sum(r.people for r in members))
    return report
