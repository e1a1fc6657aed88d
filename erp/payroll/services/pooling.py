"""Community 统筹 of incentive pay (PAYROLL.md §6).

Each institution in the plan gives τ of its 奖励性 amount (its approved pool of the year, or the amount given)
to the community pot T, which is redistributed by weights

    w_i = (FTE_other + FTE_全科 × c_全科 + FTE_公卫 × c_公卫) × tier coefficient of the institution's kind × appraisal

(largest remainder to the fen: the allocations sum exactly to T). The grassroots floor: when the grassroots
institutions' average per FTE falls below λ × the lead hospital's, the grassroots share G is raised to
G = a·T / (1 + a), a = λ·L·FTE_G / (N·FTE_L) (L the lead's first allocation, N all non-grassroots), taken from
the non-grassroots institutions in proportion — G rounded up to the fen so the floor holds, then each side split
by its weights. FTE come from the payroll profiles (the dean never counts) unless given; rules never look at
establishment status (同岗同酬)."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, InstitutionKind, User
from erp.core.money import quantize_fen
from erp.core.services import institution_by_code
from erp.core.timeutil import utcnow
from erp.payroll.models import PayrollProfile
from erp.payroll.models.performance_pool import PerformancePool, PoolState
from erp.payroll.models.pooling import PLAN_STATES, PlanState, PoolingLine, PoolingPlan
from erp.core.money import largest_remainder
from erp.payroll.services.dean_exclusion import DEAN_EXCLUDED, dean_ids
from erp.payroll.services.performance_pool import GRASSROOTS

ZERO, ONE = Decimal(0), Decimal(1)
DEFAULT_COEFFICIENTS = {
    "tiers": {InstitutionKind.LEAD_HOSPITAL.value: "1.0", InstitutionKind.COUNTY_HOSPITAL.value: "1.0",
              InstitutionKind.TOWNSHIP_CENTRE.value: "1.2", InstitutionKind.COMMUNITY_CENTRE.value: "1.2",
              InstitutionKind.VILLAGE_CLINIC.value: "1.3", InstitutionKind.PUBLIC_HEALTH.value: "1.0"},
    "general_practitioner": "1.2", "public_health": "1.2"}


def _coefficients(given: dict | None) -> dict:
    merged = {"tiers": dict(DEFAULT_COEFFICIENTS["tiers"]), "general_practitioner": DEFAULT_COEFFICIENTS[
        "general_practitioner"], "public_health": DEFAULT_COEFFICIENTS["public_health"]}
    given = given or {}
    for kind, value in (given.get("tiers") or {}).items():
        if kind not in merged["tiers"]:
            raise BusinessError.for_field(f"coefficients.tiers.{kind}", f"没有此机构类型 (no institution kind {kind!r})")
        merged["tiers"][kind] = value
    for name in ("general_practitioner", "public_health"):
        if given.get(name) is not None:
            merged[name] = given[name]
    for key, value in [*merged["tiers"].items(), ("general_practitioner", merged["general_practitioner"]),
                       ("public_health", merged["public_health"])]:
        if Decimal(str(value)) < ONE:
            raise BusinessError.for_field(f"coefficients.{key}", "倾斜系数不得小于 1 (a tilt coefficient is ≥ 1)")
    return {"tiers": {k: str(v) for k, v in merged["tiers"].items()},
            "general_practitioner": str(merged["general_practitioner"]), "public_health": str(merged["public_health"])}


def _fte(session: Session, member: Institution, year: int, people: list[int] | None, prefix: str):
    """(other, 全科, 公卫) FTE: the given people, else every profile employed in the year; never the dean."""
    statement = select(PayrollProfile).where(PayrollProfile.institution_id == member.id)
    if people is not None:
        deans = dean_ids(session, people, year)
        if deans:
            raise BusinessError.for_field(f"{prefix}people", "院长实行年薪制，不参与统筹 (the dean takes part in "
                                                             "no community pooling)", DEAN_EXCLUDED)
        profiles = session.scalars(statement.where(PayrollProfile.employee_id.in_(people))).all()
        if len(profiles) != len(set(people)):
            raise NotFound.for_field(f"{prefix}people", f"{member.code} 没有其中某些职工 (unknown employees)")
    else:
        profiles = session.scalars(statement.where(
            PayrollProfile.hire_date <= date(year, 12, 31),
            or_(PayrollProfile.leave_date.is_(None), PayrollProfile.leave_date >= date(year, 1, 1)))).all()
        excluded = dean_ids(session, [p.employee_id for p in profiles], year)
        profiles = [p for p in profiles if p.employee_id not in excluded]
    gp = sum(1 for p in profiles if p.general_practitioner)
    ph = sum(1 for p in profiles if p.public_health and not p.general_practitioner)
    return Decimal(len(profiles) - gp - ph), Decimal(gp), Decimal(ph)


def _incentive(session: Session, member: Institution, year: int, given, field: str) -> Decimal:
    approved = session.scalar(select(PerformancePool.incentive).where(
        PerformancePool.institution_id == member.id, PerformancePool.year == year,
        PerformancePool.state == PoolState.APPROVED))
    if approved is not None:
        return approved
    if given is None:
        raise BusinessError.for_field(field, f"{member.name} {year} 年没有已审批的绩效工资总量，请填写奖励性绩效 "
                                             f"(no approved pool: give the incentive amount)", "no_pool")
    if given < 0:
        raise BusinessError.for_field(field, "不得为负 (must not be negative)")
    return given


def create_plan(session: Session, community_id: int, user: User, *, institution: str, year: int, share: Decimal,
                floor: Decimal, members: list[dict], coefficients: dict | None = None) -> PoolingPlan:
    lead = institution_by_code(session, community_id, institution, write=True)
    if lead.kind is not InstitutionKind.LEAD_HOSPITAL:
        raise BusinessError.for_field("institution", "统筹由牵头医院组织 (the lead hospital pools)", "not_lead")
    if not 0 < share <= 1:
        raise BusinessError.for_field("share", "统筹比例 τ 应在 0–1 之间 (τ in (0, 1])")
    if not 0 <= floor <= 2:
        raise BusinessError.for_field("floor", "保底系数 λ 应在 0–2 之间 (λ in [0, 2])")
    if session.scalar(select(PoolingPlan.id).where(PoolingPlan.institution_id == lead.id, PoolingPlan.year == year)):
        raise Conflict.for_field("year", f"{year} 年的统筹方案已存在 (a plan for {year} exists)", "duplicate")
    if not members:
        raise BusinessError.for_field("members", "至少一个成员单位 (at least one member)")
    plan = PoolingPlan(institution=lead, year=year, state=PlanState.DRAFT, share=share, floor=floor,
                       coefficients=_coefficients(coefficients), created_by_id=user.id)
    seen = set()
    for index, data in enumerate(members):
        prefix = f"members[{index}]."
        member = institution_by_code(session, community_id, data["institution"])
        if member.id in seen:
            raise BusinessError.for_field(f"{prefix}institution", f"{member.code} 重复 (listed twice)")
        seen.add(member.id)
        fte = dict(zip(("fte", "fte_general_practitioner", "fte_public_health"),
                       _fte(session, member, year, data.get("people"), prefix)))
        for name in fte:  # a figure given overrides the one counted
            if data.get(name) is not None:
                if data[name] < 0:
                    raise BusinessError.for_field(f"{prefix}{name}", "不得为负 (must not be negative)")
                fte[name] = data[name]
        other, gp, ph = fte["fte"], fte["fte_general_practitioner"], fte["fte_public_health"]
        appraisal = data.get("appraisal_factor") if data.get("appraisal_factor") is not None else ONE
        if not 0 <= appraisal <= 2:
            raise BusinessError.for_field(f"{prefix}appraisal_factor", "考核系数应在 0–2 之间 (0 to 2)")
        incentive = _incentive(session, member, year, data.get("incentive"), f"{prefix}incentive")
        tier = Decimal(plan.coefficients["tiers"][member.kind.value])
        weight = (other + gp * Decimal(plan.coefficients["general_practitioner"])
                  + ph * Decimal(plan.coefficients["public_health"])) * tier * appraisal
        plan.lines.append(PoolingLine(institution_id=lead.id, member=member, incentive=incentive,
                                      contributed=quantize_fen(share * incentive), fte=other,
                                      fte_general_practitioner=gp, fte_public_health=ph, tier=tier,
                                      appraisal_factor=appraisal, weight=weight.quantize(Decimal("0.000001"))))
    session.add(plan)
    distribute(plan)
    session.flush()
    return plan


def _heads(line: PoolingLine) -> Decimal:
    return line.fte + line.fte_general_practitioner + line.fte_public_health


def distribute(plan: PoolingPlan) -> None:
    """Allocate the pot by weights, then lift the grassroots to the floor if needed (module docstring)."""
    lines = plan.lines
    plan.total = sum((line.contributed for line in lines), ZERO)
    if plan.total and not any(line.weight > 0 for line in lines):
        raise BusinessError.for_field("members", "各单位权重均为零，无法分配 (every weight is zero)")
    shares = largest_remainder(plan.total, [(index, line.weight) for index, line in enumerate(lines)])
    grassroots = [i for i, line in enumerate(lines) if line.member.kind in GRASSROOTS]
    others = [i for i in range(len(lines)) if i not in grassroots]
    leads = [i for i in others if lines[i].member.kind is InstitutionKind.LEAD_HOSPITAL]
    plan.floor_applied = False
    fte_g = sum((_heads(lines[i]) for i in grassroots), ZERO)
    fte_l = sum((_heads(lines[i]) for i in leads), ZERO)
    lead_total = sum((shares[i] for i in leads), ZERO)
    rest = sum((shares[i] for i in others), ZERO)
    if grassroots and leads and fte_g and fte_l and rest and plan.floor:
        grassroots_total = sum((shares[i] for i in grassroots), ZERO)
        if grassroots_total / fte_g < plan.floor * lead_total / fte_l:
            a = plan.floor * lead_total * fte_g / (rest * fte_l)
            lifted = (a * plan.total / (1 + a)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
            shares = {**largest_remainder(lifted, [(i, lines[i].weight) for i in grassroots]),
                      **largest_remainder(plan.total - lifted, [(i, lines[i].weight) for i in others])}
            plan.floor_applied = True
    for index, line in enumerate(lines):
        line.allocation = shares[index]


def plan_summary(plan: PoolingPlan) -> dict:
    """Averages per FTE: grassroots vs the lead hospital, against the floor (compared exactly, shown to the fen)."""
    def average(kinds) -> Decimal | None:
        chosen = [line for line in plan.lines if kinds(line.member.kind)]
        heads = sum((_heads(line) for line in chosen), ZERO)
        return sum((line.allocation for line in chosen), ZERO) / heads if heads else None

    grassroots = average(lambda kind: kind in GRASSROOTS)
    lead = average(lambda kind: kind is InstitutionKind.LEAD_HOSPITAL)
    return {"grassroots_average": None if grassroots is None else quantize_fen(grassroots),
            "lead_average": None if lead is None else quantize_fen(lead),
            "floor_met": None if grassroots is None or lead is None else grassroots >= plan.floor * lead}


def approve_plan(session: Session, plan: PoolingPlan, user: User) -> PoolingPlan:
    PLAN_STATES.begin(session, plan, PlanState.APPROVED)
    if plan.created_by_id == user.id:
        raise Conflict.for_field("approved_by", "审批人不得为制定人 (the approver must not be the preparer)",
                                 "separation_of_duties")
    plan.state, plan.approved_by_id, plan.approved_at = PlanState.APPROVED, user.id, utcnow()
    session.flush()
    return plan


def get_plan(session: Session, plan_id: int) -> PoolingPlan:
    plan = session.get(PoolingPlan, plan_id)
    if plan is None:
        raise NotFound.for_field("id", f"没有统筹方案 {plan_id} (no pooling plan {plan_id})")
    return plan


def plans_query(community_id: int, year: int | None = None):
    statement = (select(PoolingPlan).join(Institution, Institution.id == PoolingPlan.institution_id)
                 .where(Institution.community_id == community_id).order_by(PoolingPlan.year.desc()))
    return statement if year is None else statement.where(PoolingPlan.year == year)
