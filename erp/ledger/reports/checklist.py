"""年结检查: what must hold before an institution's year is closed — January to November closed, no voucher
left unreviewed or unposted, every 内部往来 posted on both sides, the trial balance in balance on both bases,
and 期末结转 done or left to the year-end close. Read only; the year-end close checks its own rules again."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.models import Institution
from erp.ledger.models import Period, PeriodState, Voucher, VoucherState
from erp.ledger.reports.common import Target
from erp.ledger.reports.trial_balance import trial_balance
from erp.ledger.services.periods import PeriodRange


@dataclass(frozen=True)
class Check:
    title: str
    ok: bool
    detail: str
    link: str | None = None  # a page to fix it (a path), when there is one


def _count(session: Session, institution: Institution, year: int, state: VoucherState) -> int:
    return session.scalar(select(func.count(Voucher.id)).where(
        Voucher.institution_id == institution.id, Voucher.year == year, Voucher.state == state)) or 0


def _internal_open(session: Session, institution: Institution, year: int) -> list[str]:
    """The 内部往来 references of the institution's vouchers of the year not posted on both sides."""
    refs = set(session.scalars(select(Voucher.internal_ref).where(
        Voucher.institution_id == institution.id, Voucher.year == year, Voucher.internal_ref.is_not(None))))
    if not refs:
        return []
    open_refs = []
    rows = session.execute(select(Voucher.internal_ref, Voucher.institution_id, Voucher.state)
                           .where(Voucher.internal_ref.in_(refs))).all()
    for ref in sorted(refs):
        sides = [(institution_id, state) for r, institution_id, state in rows if r == ref]
        posted = {institution_id for institution_id, state in sides if state is VoucherState.POSTED}
        if len(posted) < 2 or any(state is not VoucherState.POSTED for _, state in sides):
            open_refs.append(ref)
    return open_refs


def year_end_checklist(session: Session, institution: Institution, year: int) -> list[Check]:
    open_months = list(session.scalars(select(Period.month).where(
        Period.institution_id == institution.id, Period.year == year, Period.month < 12,
        Period.state == PeriodState.OPEN).order_by(Period.month)))
    drafts = _count(session, institution, year, VoucherState.DRAFT)
    reviewed = _count(session, institution, year, VoucherState.REVIEWED)
    internal = _internal_open(session, institution, year)
    checks = [
        Check("1—11 月已结账", not open_months,
              "全部已结账" if not open_months else "未结账：" + "、".join(f"{m} 月" for m in open_months),
              f"/ledger/periods?institution={institution.code}&year={year}"),
        Check("没有未审核凭证", not drafts, f"未审核凭证 {drafts} 张",
              "/ledger/vouchers?state=draft"),
        Check("没有已审核未记账凭证", not reviewed, f"已审核未记账凭证 {reviewed} 张",
              "/ledger/vouchers?state=reviewed"),
        Check("内部往来双方均已记账", not internal,
              "全部已记账" if not internal else "未平：" + "、".join(internal[:10]) + ("…" if len(internal) > 10 else "")),
    ]
    target = Target((institution,))
    for basis, title in (("financial", "财务会计"), ("budget", "预算会计")):
        totals = trial_balance(session, target, PeriodRange(year, 1, 12), basis=basis).totals
        pairs = [(totals[f"{k}_debit"], totals[f"{k}_credit"]) for k in ("opening", "period", "closing")]
        balanced = all(debit == credit for debit, credit in pairs)
        checks.append(Check(f"科目余额表平衡（{title}）", balanced,
                            f"期末借方 {pairs[2][0]:,.2f}，贷方 {pairs[2][1]:,.2f}",
                            f"/ledger/reports/trial-balance?institution={institution.code}&period={year}-12"
                            f"&basis={basis}"))
    return checks
