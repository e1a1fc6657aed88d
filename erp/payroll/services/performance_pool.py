"""两个允许 performance-pay pool (绩效工资总量) per institution and year — PAYROLL.md §5:

    S = 医疗收入 − 药品收入 − 卫生材料收入 (− 检查收入 − 化验收入 when the community's policy says so)
    U = max(0, S − C)                 F = U × (事业发展基金率 + 职工福利基金率)
    R = ρ × (U − F), ρ ≥ 0.5          P = (last year's approved pool × (1 + g) + R) × s + Σ 核增
    基础性 = β × P, 奖励性 = P − 基础性

from the ledger's closed figures of the previous year (:mod:`.ledger_figures`). F, R, (…) × s and 基础性 are
rounded to the fen (ROUND_HALF_UP). The checks (average pay ≤ m × local average; 人员支出/业务支出 ≥ 40%; the
dean's salary outside P) are shown with the pool, never silently. The chief accountant approves; an approved
pool is final."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, InstitutionKind, User
from erp.core.money import quantize_fen
from erp.core.services import institution_by_code
from erp.core.timeutil import utcnow
from erp.payroll.models.dean_salary import DeanSalary
from erp.payroll.models.performance_pool import POOL_STATES, PerformancePool, PoolIncrease, PoolItem, PoolState
from erp.payroll.services.dean_exclusion import refuse_dean
from erp.payroll.services.ledger_figures import ledger_figures, require_closed_year

ZERO = Decimal(0)
GRASSROOTS = {InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE, InstitutionKind.VILLAGE_CLINIC}
DEFAULTS = {"deduct_exam_lab": False, "development_fund_rate": Decimal("0.30"), "welfare_fund_rate": Decimal("0.10"),
            "reward_share": Decimal("0.6"), "growth": Decimal("0"), "appraisal_factor": Decimal("1"),
            "appraisal_score": None, "pay_multiple": Decimal("3"), "personnel_share_min": Decimal("0.40"),
            "local_average_wage": ZERO, "staff_count": 0}
PARAMETERS = tuple(DEFAULTS) + ("basic_share", "previous_pool")
INCREASE_CATEGORIES = {"talent": "高层次人才", "public_interest": "公益性任务", "teaching_research": "教学科研",
                       "key_construction": "重点建设", "other": "其他"}


def default_basic_share(institution: Institution) -> Decimal:
    """β: 0.6 for grassroots institutions, 0.4 for hospitals (PAYROLL.md §5.7)."""
    return Decimal("0.6") if institution.kind in GRASSROOTS else Decimal("0.4")


def _previous_approved(session: Session, institution: Institution, year: int) -> Decimal | None:
    return session.scalar(select(PerformancePool.total).where(
        PerformancePool.institution_id == institution.id, PerformancePool.year == year - 1,
        PerformancePool.state == PoolState.APPROVED))


def _check_parameters(pool: PerformancePool) -> None:
    def refuse(field: str, message: str):
        raise BusinessError.for_field(field, message)

    if pool.reward_share < Decimal("0.5") or pool.reward_share > 1:
        refuse("reward_share", "ρ 应在 0.5–1 之间：结余主要用于人员奖励 (ρ between 0.5 and 1)")
    if not 0 <= pool.basic_share <= 1:
        refuse("basic_share", "β 应在 0–1 之间 (β between 0 and 1)")
    for name in ("development_fund_rate", "welfare_fund_rate"):
        if not 0 <= getattr(pool, name) <= 1:
            refuse(name, "提取比例应在 0–1 之间 (a rate between 0 and 1)")
    if pool.development_fund_rate + pool.welfare_fund_rate > 1:
        refuse("welfare_fund_rate", "两项基金提取比例合计不得超过 1 (the fund rates exceed 1)")
    if pool.appraisal_factor < 0 or pool.appraisal_factor > 2:
        refuse("appraisal_factor", "考核系数应在 0–2 之间 (appraisal factor between 0 and 2)")
    if pool.growth <= -1:
        refuse("growth", "增长率应大于 −1 (growth above −1)")
    if pool.previous_pool < 0 or pool.local_average_wage < 0 or pool.staff_count < 0:
        refuse("previous_pool" if pool.previous_pool < 0 else "staff_count", "不得为负 (must not be negative)")


def compute_pool(session: Session, pool: PerformancePool, user: User) -> PerformancePool:
    """(Re)compute a draft pool from the closed ledger year before ``pool.year``; ``user`` prepared these figures
    (and may not approve them)."""
    _check_parameters(pool)
    pool.computed_by_id = user.id
    figures = ledger_figures(session, pool.institution, pool.year - 1)
    amount = {item: figure.amount for item, figure in figures.items()}
    deducted = [PoolItem.DRUG_REVENUE, PoolItem.MATERIAL_REVENUE]
    if pool.deduct_exam_lab:
        deducted += [PoolItem.EXAM_REVENUE, PoolItem.LAB_REVENUE]
    pool.service_revenue = amount[PoolItem.MEDICAL_REVENUE] - sum((amount[item] for item in deducted), ZERO)
    pool.cost = amount[PoolItem.COST]
    pool.surplus = max(ZERO, pool.service_revenue - pool.cost)
    pool.funds = quantize_fen(pool.surplus * (pool.development_fund_rate + pool.welfare_fund_rate))
    pool.reward_room = quantize_fen(pool.reward_share * (pool.surplus - pool.funds))
    pool.increases_total = sum((increase.amount for increase in pool.increases), ZERO)
    pool.total = quantize_fen((pool.previous_pool * (1 + pool.growth) + pool.reward_room) * pool.appraisal_factor) \
        + pool.increases_total
    pool.basic = quantize_fen(pool.basic_share * pool.total)
    pool.incentive = pool.total - pool.basic
    pool.figures = {item.value: figure.as_json() | {"deducted": item in deducted}
                    for item, figure in figures.items()}
    pool.checks = _checks(session, pool, amount)
    session.flush()
    return pool


def _checks(session: Session, pool: PerformancePool, amount: dict) -> list[dict]:
    checks = []
    personnel, business = amount[PoolItem.PERSONNEL_EXPENSE], amount[PoolItem.BUSINESS_EXPENSE]
    if pool.staff_count and pool.local_average_wage:
        average = quantize_fen((personnel - pool.previous_pool + pool.total) / pool.staff_count)
        limit = quantize_fen(pool.pay_multiple * pool.local_average_wage)
        checks.append({"code": "average_pay", "title": "人均薪酬水平", "ok": average <= limit,
                       "value": f"{average:.2f}", "limit": f"{limit:.2f}",
                       "detail": f"(上年人员支出 − 上年绩效总量 + 本年绩效总量) ÷ {pool.staff_count} 人 ≤ "
                                 f"{pool.pay_multiple.normalize()} × 当地事业单位平均工资"})
    else:
        checks.append({"code": "average_pay", "title": "人均薪酬水平", "ok": None, "value": None, "limit": None,
                       "detail": "未填职工人数或当地平均工资，无法检查 (staff count or local average wage missing)"})
    share = (personnel / business).quantize(Decimal("0.0001")) if business else None
    checks.append({"code": "personnel_share", "title": "人员支出占业务支出比例",
                   "ok": None if share is None else share >= pool.personnel_share_min,
                   "value": None if share is None else f"{share:.4f}", "limit": f"{pool.personnel_share_min:.4f}",
                   "detail": f"人员支出 {personnel:.2f} ÷ 业务支出 {business:.2f}"})
    dean = session.scalar(select(func.sum(DeanSalary.standard)).where(
        DeanSalary.institution_id == pool.institution_id, DeanSalary.year == pool.year)) or ZERO
    checks.append({"code": "dean_outside", "title": "院长年薪单列", "ok": True, "value": f"{dean:.2f}", "limit": None,
                   "detail": "院长年薪由财政单独核定，不计入绩效工资总量 (the dean's salary is outside the pool)"})
    return checks


def _apply_parameters(pool: PerformancePool, values: dict) -> None:
    for name in PARAMETERS:
        if name in values and values[name] is not None:
            setattr(pool, name, values[name])


def create_pool(session: Session, community_id: int, user: User, *, institution: str, year: int,
                increases: list[dict] = (), **parameters) -> PerformancePool:
    inst = institution_by_code(session, community_id, institution, write=True)
    if session.scalar(select(PerformancePool.id).where(PerformancePool.institution_id == inst.id,
                                                       PerformancePool.year == year)):
        raise Conflict.for_field("year", f"{inst.name} {year} 年的绩效工资总量已存在 (a pool for {year} exists)",
                                 "duplicate")
    previous = _previous_approved(session, inst, year)
    pool = PerformancePool(institution=inst, year=year, state=PoolState.DRAFT, created_by_id=user.id,
                           basic_share=default_basic_share(inst), previous_pool=previous or ZERO, **DEFAULTS)
    _apply_parameters(pool, parameters)
    if parameters.get("appraisal_factor") is None and parameters.get("appraisal_score") is not None:
        pool.appraisal_factor = (parameters["appraisal_score"] / 100).quantize(Decimal("0.000001"))  # s = score/100
    if previous is not None:
        pool.previous_pool = previous  # the approved figure, never a typed one
    require_closed_year(session, inst, year - 1)
    _check_parameters(pool)
    session.add(pool)
    for index, increase in enumerate(increases):
        _add_increase(session, pool, increase, f"increases[{index}].")
    return compute_pool(session, pool, user)


def _require_draft(pool: PerformancePool) -> None:
    from erp.core.statemachine import lock

    lock(object_session(pool), pool)
    if pool.state is not PoolState.DRAFT:
        raise Conflict.for_field("state", "绩效工资总量已审批，不能再修改 (the pool is approved)", "invalid_transition")


def _add_increase(session: Session, pool: PerformancePool, data: dict, prefix: str = "") -> PoolIncrease:
    if data["category"] not in INCREASE_CATEGORIES:
        raise BusinessError.for_field(f"{prefix}category", f"核增类别应为 {', '.join(INCREASE_CATEGORIES)}")
    if data["amount"] <= 0:
        raise BusinessError.for_field(f"{prefix}amount", "核增金额应大于零 (an increase is positive)")
    if not (data.get("reason") or "").strip():
        raise BusinessError.for_field(f"{prefix}reason", "核增须写明理由 (an increase needs its reason)")
    if data.get("employee") is not None:  # 单列 talent pay named for a person: never the dean
        refuse_dean(session, data["employee"], what="绩效工资总量核增", field=f"{prefix}employee", year=pool.year)
    increase = PoolIncrease(institution_id=pool.institution.id, category=data["category"], amount=data["amount"],
                            reason=data["reason"].strip())
    pool.increases.append(increase)
    return increase


def add_increase(session: Session, pool: PerformancePool, data: dict, user: User) -> PerformancePool:
    _require_draft(pool)
    _add_increase(session, pool, data)
    return compute_pool(session, pool, user)


def recompute_pool(session: Session, pool: PerformancePool, parameters: dict, user: User) -> PerformancePool:
    _require_draft(pool)
    _apply_parameters(pool, {k: v for k, v in parameters.items() if k != "previous_pool"
                             or _previous_approved(session, pool.institution, pool.year) is None})
    return compute_pool(session, pool, user)


def approve_pool(session: Session, pool: PerformancePool, user: User) -> PerformancePool:
    """The chief accountant approves the figures as reviewed (never recomputed here), and only someone other than
    who created or last computed them; if what they came from has changed since (the books reopened and
    re-closed, the account mapping edited, last year's pool), 409 ``inputs_changed``: recompute and review
    again."""
    POOL_STATES.begin(session, pool, PoolState.APPROVED)
    if user.id in (pool.created_by_id, pool.computed_by_id):
        message = "审批人不能是编制人 (the approver must not be who prepared the pool)"
        raise Conflict(message, {"approver": [message]}, "separation_of_duties")
    if changed := _changed_inputs(session, pool):
        raise Conflict.for_field("figures", f"计算后来源数据已变化（{'、'.join(changed)}），请重新计算并复核 "
                                 f"(the inputs changed since the pool was computed: {', '.join(changed)})",
                                 "inputs_changed")
    pool.state, pool.approved_by_id, pool.approved_at = PoolState.APPROVED, user.id, utcnow()
    session.flush()
    return pool


def _changed_inputs(session: Session, pool: PerformancePool) -> list[str]:
    """The items whose ledger figures (amount or accounts) differ from the computed ones, and last year's pool."""
    changed = []
    for item, figure in ledger_figures(session, pool.institution, pool.year - 1).items():
        reviewed = dict(pool.figures.get(item.value) or {})
        reviewed.pop("deducted", None)
        if reviewed != figure.as_json():
            changed.append(item.value)
    previous = _previous_approved(session, pool.institution, pool.year)
    if previous is not None and previous != pool.previous_pool:
        changed.append("previous_pool")
    return changed


def get_pool(session: Session, pool_id: int) -> PerformancePool:
    pool = session.get(PerformancePool, pool_id)
    if pool is None:
        raise NotFound.for_field("id", f"没有绩效工资总量 {pool_id} (no pool {pool_id})")
    return pool


def pools_query(community_id: int, year: int | None = None, institution_id: int | None = None):
    statement = (select(PerformancePool).join(Institution, Institution.id == PerformancePool.institution_id)
                 .where(Institution.community_id == community_id)
                 .order_by(PerformancePool.year.desc(), Institution.code))
    if year is not None:
        statement = statement.where(PerformancePool.year == year)
    if institution_id is not None:
        statement = statement.where(PerformancePool.institution_id == institution_id)
    return statement
