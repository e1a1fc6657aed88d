"""基本公共卫生服务经费 (004 §19, §23) and the 医保 global budget (004 §10): every figure from its parameters,
every distribution by the largest-remainder method (the parts sum exactly to the whole), every payment posted
through the ledger's document door.

Public health: total = resident population × per-capita standard; pre-allocation = total × share (at the
start of the year, to members by population served); the remainder after the appraisal, by score. Each stage
is received by the community and allocated to the members (:mod:`.funds`).

医保: risk reserve = reserve rate (10%) × the increase of the funding total over the previous year (none when it
fell); base = funding total − risk reserve − 大病保险; community budget = base × share (≥ 95%). Monthly
settlements are recorded against it; at year end the surplus (budget − spent, 结余留用) is distributed by
appraisal score, or an overspend is shared: the community bears ``overspend_share`` of it (the rates and shares are dated per-community parameters,
:mod:`.parameters`), distributed the same
way (negative amounts). Each member's part is posted to its books (应收医保款 / 医保结算差额).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import FundingSource, Institution, Partner, User
from erp.core.money import MAX_AMOUNT, quantize_fen
from erp.core.statemachine import lock
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.budget.models import (ZERO, InsuranceAllocation, InsuranceBudget, InsuranceMonth, PublicHealthFund,
                               PublicHealthShare)
from erp.budget.services import funds, parameters
from erp.budget.services.common import institution_of, positive_amount
from erp.core.money import largest_remainder

DEFAULT_RESERVE_RATE = parameters.DEFAULTS["insurance_reserve_rate"].default  # for insurance_figures' callers


def ratio(value, field: str, *, low: Decimal = Decimal(0), high: Decimal = Decimal(1)) -> Decimal:
    try:
        number = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable text is the caller's field error
        raise BusinessError.for_field(field, f"应为 0–1 之间的小数 (a ratio, e.g. \"0.95\")") from None
    if not number.is_finite() or not low <= number <= high or number != number.quantize(Decimal("0.000001")):
        raise BusinessError.for_field(field, f"应为 {low}–{high} 之间、最多 6 位小数 (a ratio between {low} and {high})")
    return number


def _year(year: int) -> int:
    if not 1900 <= int(year) <= 9999:
        raise BusinessError.for_field("year", "年度无效 (invalid year)")
    return int(year)


def _weights(session: Session, community_id: int, values: dict, field: str) -> list[tuple[Institution, Decimal]]:
    if not values:
        raise BusinessError.for_field(field, "至少需要一个成员单位 (at least one member)")
    weights = []
    for code, value in sorted(values.items()):
        institution = institution_of(session, community_id, code)
        number = ratio(value, f"{field}.{code}", high=Decimal("1000000000"))
        weights.append((institution, number))
    if sum((w for _, w in weights), Decimal(0)) <= 0:
        raise BusinessError.for_field(field, "合计必须大于零 (the weights must sum to more than zero)")
    return weights


# ---- 基本公共卫生服务经费 -------------------------------------------------------------------------------------


def create_public_health_fund(session: Session, community_id: int, *, year: int, population: int, per_capita,
                              pre_allocation_share, user: User | None = None) -> PublicHealthFund:
    year = _year(year)
    if population is None or int(population) <= 0:
        raise BusinessError.for_field("population", "常住人口必须大于零 (the population must be positive)")
    per_capita = positive_amount(per_capita, "per_capita")
    if pre_allocation_share is None:
        pre_allocation_share = parameters.value(session, community_id, "public_health_pre_share", date(year, 1, 1))
    share = ratio(pre_allocation_share, "pre_allocation_share")
    if session.scalar(select(PublicHealthFund.id).where(PublicHealthFund.community_id == community_id,
                                                        PublicHealthFund.year == year)):
        raise Conflict.for_field("year", f"{year} 年基本公卫经费已测算 (already budgeted)", "duplicate")
    total = quantize_fen(per_capita * int(population))
    if total > MAX_AMOUNT:
        raise BusinessError.for_field("population", f"经费总额 {total} 超出上限 (the total exceeds {MAX_AMOUNT})")
    fund = PublicHealthFund(community_id=community_id, year=year, population=int(population), per_capita=per_capita,
                            pre_allocation_share=share, total=total, pre_allocation=quantize_fen(total * share),
                            created_by_id=user.id if user else None)
    session.add(fund)
    session.flush()
    return fund


def public_health_fund(session: Session, community_id: int, fund_id: int) -> PublicHealthFund:
    fund = session.get(PublicHealthFund, fund_id)
    if fund is None or fund.community_id != community_id:
        raise NotFound.for_field("id", f"基本公卫经费 {fund_id} 不存在 (not found)")
    return fund


def distribute_public_health(session: Session, fund: PublicHealthFund, stage: str, basis: dict, *, user: User,
                             funding_source: FundingSource, on: date | None = None) -> list[PublicHealthShare]:
    """``pre``: the pre-allocation by population served; ``final``: the remainder by appraisal score. The
    community receives the stage's amount and allocates each member's share (both posted)."""
    lock(session, fund)
    expected = {"pre": "budgeted", "final": "pre_allocated"}[stage]
    if fund.stage != expected:
        raise Conflict(f"当前阶段为 {fund.stage}，不能进行 {stage} 分配 (wrong stage)", code="invalid_transition")
    amount = fund.pre_allocation if stage == "pre" else fund.remainder
    weights = _weights(session, fund.community_id, basis, "populations" if stage == "pre" else "scores")
    shares = largest_remainder(amount, [(inst.id, w) for inst, w in weights])
    fund.funding_source_id = funding_source.id
    preparer = session.get(User, fund.created_by_id) if fund.created_by_id else user
    receipt = funds.receive(session, fund.community_id, funding_source=funding_source, purpose="公共卫生任务",
                            amount=amount, on=on, user=preparer, poster=user,
                            memo=f"{fund.year}年基本公共卫生服务经费（{'预拨' if stage == 'pre' else '考核结算'}）") \
        if amount > 0 else None
    made = []
    for institution, weight in weights:
        part = shares[institution.id]
        allocation = None
        if part > 0 and institution.id != receipt.institution_id:
            allocation = funds.allocate(session, receipt, institution, part, on=on, user=preparer, poster=user)
        share = PublicHealthShare(fund=fund, institution_id=institution.id, institution=institution, stage=stage,
                                  basis=weight, amount=part, allocation_id=allocation.id if allocation else None)
        session.add(share)
        made.append(share)
    fund.stage = "pre_allocated" if stage == "pre" else "settled"
    session.flush()
    return made


# ---- 医保总额预算 ---------------------------------------------------------------------------------------------


def insurance_figures(funding_total: Decimal, previous: Decimal, serious_illness: Decimal, share: Decimal,
                      reserve_rate: Decimal = DEFAULT_RESERVE_RATE) -> tuple[Decimal, Decimal, Decimal]:
    """(risk reserve, base, community budget), each ROUND_HALF_UP to the fen."""
    increase = funding_total - previous
    risk_reserve = quantize_fen(increase * reserve_rate) if increase > 0 else ZERO
    base = funding_total - risk_reserve - serious_illness
    return risk_reserve, base, quantize_fen(base * share)


def create_insurance_budget(session: Session, community_id: int, *, year: int, funding_total, previous_funding_total,
                            serious_illness_fund, share, reserve_rate=None, overspend_share=None,
                            user: User | None = None) -> InsuranceBudget:
    year = _year(year)
    funding_total = positive_amount(funding_total, "funding_total")
    previous = positive_amount(previous_funding_total, "previous_funding_total", allow_zero=True)
    serious = positive_amount(serious_illness_fund, "serious_illness_fund", allow_zero=True)
    start = date(year, 1, 1)
    share = ratio(share, "share", low=parameters.value(session, community_id, "insurance_min_share", start))
    if reserve_rate is None:
        reserve_rate = parameters.value(session, community_id, "insurance_reserve_rate", start)
    if overspend_share is None:
        overspend_share = parameters.value(session, community_id, "insurance_overspend_share", start)
    rate = ratio(reserve_rate, "reserve_rate")
    overspend = ratio(overspend_share, "overspend_share")
    risk_reserve, base, community_budget = insurance_figures(funding_total, previous, serious, share, rate)
    if base <= 0:
        raise BusinessError.for_field("serious_illness_fund", "扣除风险调剂金和大病保险后基数不为正 "
                                                              "(nothing is left for the global budget)")
    if session.scalar(select(InsuranceBudget.id).where(InsuranceBudget.community_id == community_id,
                                                       InsuranceBudget.year == year)):
        raise Conflict.for_field("year", f"{year} 年医保总额预算已测算 (already computed)", "duplicate")
    budget = InsuranceBudget(community_id=community_id, year=year, funding_total=funding_total,
                             previous_funding_total=previous, serious_illness_fund=serious, share=share,
                             reserve_rate=rate, overspend_share=overspend, risk_reserve=risk_reserve, base=base,
                             community_budget=community_budget, created_by_id=user.id if user else None)
    session.add(budget)
    session.flush()
    return budget


def insurance_budget(session: Session, community_id: int, budget_id: int) -> InsuranceBudget:
    budget = session.get(InsuranceBudget, budget_id)
    if budget is None or budget.community_id != community_id:
        raise NotFound.for_field("id", f"医保总额预算 {budget_id} 不存在 (not found)")
    return budget


def record_month(session: Session, budget: InsuranceBudget, month: int, amount, *, user: User,
                 on: date | None = None) -> InsuranceMonth:
    """A month's settlement: what the insurer paid the community for the month against the global budget,
    posted once in the lead hospital's books (Dr 银行存款 / Cr 应收医疗款（医保）, the insurer as partner). A month
    is recorded once (409 ``duplicate``): posted data is never overwritten."""
    if not 1 <= int(month) <= 12:
        raise BusinessError.for_field("month", "月份应为 1–12 (a month 1–12)")
    amount = positive_amount(amount, allow_zero=True)
    lock(session, budget)  # one month at a time per budget: the duplicate check below sees a racing one
    if budget.settled_at is not None:
        raise Conflict("年度已清算 (the year is settled)", code="insurance_settled")
    if session.scalar(select(InsuranceMonth.id).where(InsuranceMonth.budget_id == budget.id,
                                                      InsuranceMonth.month == int(month))):
        raise Conflict.for_field("month", f"{budget.year} 年 {int(month)} 月医保结算已记账，更正请冲销 "
                                          f"(already recorded and posted)", "duplicate")
    on = on or local_today()
    if on.year != budget.year:
        raise BusinessError.for_field("date", f"结算日期应在 {budget.year} 年内 (the date is in the budget's year)")
    row = InsuranceMonth(budget=budget, month=int(month), amount=amount, date=on)
    session.add(row)
    session.flush()
    if amount:
        lead = funds.lead_institution(session, budget.community_id)
        template = posting_template(session, budget.community_id, "budget.insurance_settlement")
        memo = f"{budget.year}年{int(month)}月医保总额预算结算"
        lines = [LineInput(account=template.account("bank"), debit=amount, memo=memo),
                 LineInput(account=template.account("outpatient_receivable"), credit=amount,
                           partner=_insurer(session, budget.community_id), memo=memo)]
        source = DocumentSource("budget", "insurance_month", f"{budget.id}-{int(month)}",
                                f"医保{budget.year}-{int(month):02d}", url=f"/budget/programmes#insurance-{budget.id}")
        voucher = post_document(session, source, VoucherInput(institution=lead.code, date=on, memo=memo, lines=lines),
                                preparer=_preparer(session, budget, user), poster=user, template_version=template.ref)
        row.voucher_id, row.voucher_number = voucher.id, voucher.number
    session.expire(budget, ["months"])
    session.flush()
    return row


def _preparer(session: Session, budget: InsuranceBudget, user: User) -> User:
    """The budget's author prepared its postings (制单); the acting user posts them (记账)."""
    return session.get(User, budget.created_by_id) if budget.created_by_id else user


def _insurer(session: Session, community_id: int) -> str:
    insurer = session.scalar(select(Partner.code).where(Partner.community_id == community_id,
                                                        Partner.kind == "insurer").order_by(Partner.code))
    if insurer is None:
        raise BusinessError.for_field("scores", "请先建立医保经办机构往来单位 (no insurer partner)", "no_insurer")
    return insurer


def settle(session: Session, budget: InsuranceBudget, *, spent=None, scores: dict, user: User,
           on: date | None = None) -> InsuranceBudget:
    """Year-end: surplus = community budget − spent (结余留用, by score) or the community's share of the
    overspend (negative, by score); each member's part posted (Dr 应收医疗款 / Cr 结算差额, reversed sides for
    a loss)."""
    lock(session, budget)
    if budget.settled_at is not None:
        raise Conflict("年度已清算 (the year is settled)", code="insurance_settled")
    # spent defaults to the months' settlements recorded against the budget
    spent = budget.settled_to_date if spent is None else positive_amount(spent, "spent", allow_zero=True)
    difference = budget.community_budget - spent
    surplus = difference if difference >= 0 else -quantize_fen(-difference * budget.overspend_share)
    weights = _weights(session, budget.community_id, scores, "scores")
    parts = largest_remainder(surplus, [(inst.id, w) for inst, w in weights]) if surplus else \
        {inst.id: ZERO for inst, _ in weights}
    template = posting_template(session, budget.community_id, "budget.insurance_settlement")
    preparer = _preparer(session, budget, user)
    insurer = _insurer(session, budget.community_id)
    on = on or local_today()
    for institution, score in weights:
        amount = parts[institution.id]
        allocation = InsuranceAllocation(budget=budget, institution_id=institution.id, institution=institution,
                                         score=score, amount=amount)
        session.add(allocation)
        session.flush()
        if amount:
            gain = amount > 0
            memo = f"{budget.year}年医保总额{'结余留用' if gain else '超支分担'}"
            lines = [LineInput(account=template.account("outpatient_receivable"), debit=abs(amount) if gain else ZERO,
                               credit=ZERO if gain else abs(amount), partner=insurer, memo=memo),
                     LineInput(account=template.account("settlement_difference"), debit=ZERO if gain else abs(amount),
                               credit=abs(amount) if gain else ZERO, memo=memo)]
            source = DocumentSource("budget", "insurance_settlement", f"{budget.id}-{institution.id}",
                                    f"医保{budget.year}-{institution.code}", url=f"/budget/programmes#insurance-{budget.id}")
            voucher = post_document(session, source, VoucherInput(institution=institution.code, date=on, memo=memo,
                                                                  lines=lines),
                                    preparer=preparer, poster=user, template_version=template.ref)
            allocation.voucher_id, allocation.voucher_number = voucher.id, voucher.number
    budget.spent, budget.surplus, budget.settled_at = spent, surplus, utcnow()
    session.flush()
    return budget
