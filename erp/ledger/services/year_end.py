"""期末结转 and 年终结转: carry revenue and expense into 本期盈余 (each month, as a draft for review, or at year
end), at year end 本期盈余 → 本年盈余分配 → 累计盈余, the budget side into its 结转结余 accounts; close the
year and open the next with the balances brought forward."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from erp.core.errors import Conflict
from erp.core.models import FundingSource, Institution, User
from erp.core.timeutil import utcnow
from erp.ledger.services import periods
from erp.ledger.services.chart import visible_accounts
from erp.ledger.models import (CARRIED_CATEGORIES, CLOSED_CATEGORIES, DIMENSION_COLUMNS, DIMENSIONS, Account,
                               Balance, Basis, FiscalYear, Period, PeriodState, Voucher, VoucherKind, VoucherLine,
                               VoucherState)
from erp.ledger.services.engine import ZERO, apply_balances, balances_kept_by_database, check_balanced
from erp.ledger.services.posting import Ledger
from erp.ledger.services.posting_templates import Template, posting_template

# The closing accounts (本期盈余, 本年盈余分配, 累计盈余, the budget 结转结余 accounts) are the community's
# posting template of this kind (erp/ledger/data/posting_templates.csv), editable by the finance officer.
TEMPLATE_KIND = "ledger.year_end"


def _year_balances(session: Session, institution_id: int, year: int, categories, month: int | None = None) -> list:
    """Balances summed over the year (or one month) by account and dimensions, for the categories."""
    dims = [getattr(Balance, c) for c in DIMENSION_COLUMNS]
    where = [Balance.institution_id == institution_id, Balance.year == year, Account.category.in_(categories)]
    if month is not None:
        where.append(Balance.month == month)
    return session.execute(
        select(Account, *dims, func.sum(Balance.debit), func.sum(Balance.credit))
        .join(Account, Account.id == Balance.account_id)
        .where(*where).group_by(Account.id, *dims).order_by(Account.code)).all()


def _budget_target(template: Template, account: Account, funding_source_id: int, fiscal_sources: set[int]) -> str:
    """经营 budget revenue and expenditure close to 经营结余; fiscal money to 财政拨款结转; the rest to
    非财政拨款结转."""
    if account.code.startswith(template.accounts("operating_budget")):
        return template.account("operating_surplus")
    if account.code.startswith(template.account("fiscal_budget_revenue")) or funding_source_id in fiscal_sources:
        return template.account("fiscal_carryover")
    return template.account("non_fiscal_carryover")


def _carried(session: Session, institution: Institution, year: int, month: int | None
             ) -> tuple[list[tuple], Decimal, Template, list[tuple]]:
    """The lines that bring every revenue and expense of the year (or month) to zero, the budget side into
    its 结转结余 accounts (returned apart, last); and the financial surplus (credit-positive) they leave for
    本期盈余."""
    template = posting_template(session, institution.community_id, TEMPLATE_KIND)
    fiscal_sources = set(session.scalars(select(FundingSource.id).where(FundingSource.fiscal.is_(True))))
    lines: list[tuple] = []
    surplus = ZERO
    targets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, *dims, debit, credit in _year_balances(session, institution.id, year, CLOSED_CATEGORIES, month):
        net = debit - credit  # debit-positive
        if not net:
            continue
        dimensions = dict(zip(DIMENSIONS, dims))
        lines.append((account.code, account.basis, -net if net < 0 else ZERO, net if net > 0 else ZERO, dimensions))
        if account.basis is Basis.FINANCIAL:
            surplus -= net
        else:
            targets[_budget_target(template, account, dimensions["funding_source"], fiscal_sources)] -= net
    budget = [(code, Basis.BUDGET, ZERO if amount > 0 else -amount, amount if amount > 0 else ZERO, {})
              for code, amount in sorted(targets.items()) if amount]
    return lines, surplus, template, budget


def _credit(code: str, amount: Decimal) -> tuple:
    """A financial line crediting ``amount`` (debiting it when negative)."""
    return (code, Basis.FINANCIAL, ZERO if amount > 0 else -amount, amount if amount > 0 else ZERO, {})


def closing_lines(session: Session, institution: Institution, year: int) -> list[tuple]:
    """(account code, basis, debit, credit, dimensions) that bring every revenue and expense to zero and
    本期盈余 — what the month-end carry-overs put there too — through 本年盈余分配 into 累计盈余."""
    lines, surplus, template, budget = _carried(session, institution, year, None)
    current = template.account("current_surplus")
    held = session.execute(select(func.sum(Balance.credit) - func.sum(Balance.debit))
                           .join(Account, Account.id == Balance.account_id)
                           .where(Balance.institution_id == institution.id, Balance.year == year,
                                  Account.code == current)).scalar() or ZERO
    if surplus:
        lines.append(_credit(current, surplus))
    total = surplus + held
    if total:
        # 本期盈余 → 本年盈余分配 → 累计盈余: a surplus is credited along the chain, a deficit debited.
        lines.append(_credit(current, -total))
        distribution = template.account("surplus_distribution")
        lines.extend([_credit(distribution, total), _credit(distribution, -total)])
        lines.append(_credit(template.account("accumulated_surplus"), total))
    return lines + budget


def carry_over_lines(session: Session, institution: Institution, year: int, month: int) -> list[tuple]:
    """期末结转 of one month: its revenue and expense into 本期盈余, its budget revenue and expenditure into
    the 结转结余 accounts (the accounts of the ``ledger.year_end`` posting template)."""
    lines, surplus, template, budget = _carried(session, institution, year, month)
    if surplus:
        lines.append(_credit(template.account("current_surplus"), surplus))
    return lines + budget


def prepare_carry_over(session: Session, institution: Institution, year: int, month: int, user: User) -> Voucher:
    """The month's 期末结转 as a draft voucher (kind ``closing``, dated the month's last day) for review and
    posting like any other; refused while an earlier one of the month is not posted, or with nothing to carry."""
    last_day = date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
    periods.open_period_for(session, institution.id, last_day)
    pending = session.scalar(select(Voucher.id).where(
        Voucher.institution_id == institution.id, Voucher.year == year, Voucher.month == month,
        Voucher.kind == VoucherKind.CLOSING, Voucher.state.in_([VoucherState.DRAFT, VoucherState.REVIEWED])))
    if pending is not None:
        raise Conflict.for_field("period", f"{year}-{month:02d} 已有未记账的期末结转凭证，请先审核记账或删除 "
                                           f"(a carry-over of this month is not posted yet)", "carry_over_pending")
    lines = carry_over_lines(session, institution, year, month)
    if not lines:
        raise Conflict.for_field("period", f"{year}-{month:02d} 没有需要结转的收入、费用 (nothing to carry over)",
                                 "nothing_to_carry")
    voucher = _closing_voucher(session, institution, last_day, f"{year}年{month}月 期末结转", user, lines)
    voucher.state = VoucherState.DRAFT
    session.add(voucher)
    session.flush()
    return voucher


def close_year(session: Session, institution: Institution, year: int, user: User) -> Voucher | None:
    """Post the closing voucher on 31 December, close December and the year, open the next year and bring
    the balances forward. Returns the closing voucher (None when nothing needed carrying)."""
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.institution_id == institution.id,
                                                          FiscalYear.year == year).with_for_update())
    if fiscal_year is None or fiscal_year.state is PeriodState.CLOSED:
        raise Conflict.for_field("year", f"{year} 年度不存在或已年结 (year missing or already closed)")
    still_open = session.scalars(select(Period.month).where(
        Period.institution_id == institution.id, Period.year == year, Period.month < 12,
        Period.state == PeriodState.OPEN)).all()
    if still_open:
        raise Conflict.for_field("year", f"请先结账 {year} 年 {', '.join(map(str, still_open))} 月 "
                                         f"(close January to November first)")
    voucher = None
    lines = closing_lines(session, institution, year)
    if lines:
        voucher = _post_closing_voucher(session, institution, year, user, lines)
    periods.close_period(session, institution, year, 12, user)
    fiscal_year.state = PeriodState.CLOSED
    periods.open_year(session, institution, year + 1)
    bring_forward(session, institution.id, year)
    session.flush()
    return voucher


def _closing_voucher(session, institution, on: date, memo: str, user, lines) -> Voucher:
    """A voucher of kind ``closing`` with the lines (checked to balance on both bases), not yet added."""
    accounts = {a.code: a for a in session.scalars(visible_accounts(institution.community_id, institution)
                                                   .where(Account.code.in_({l[0] for l in lines})))}
    user_id = user.id if user else None
    voucher = Voucher(institution=institution, year=on.year, month=on.month, date=on,
                      state=VoucherState.REVIEWED, kind=VoucherKind.CLOSING, memo=memo, preparer_id=user_id,
                      template_version=posting_template(session, institution.community_id, TEMPLATE_KIND).ref)
    voucher.lines = [VoucherLine(institution_id=institution.id, line_no=number, account=accounts[code],
                                 account_id=accounts[code].id, basis=basis, debit=debit, credit=credit, memo=memo,
                                 **{f"{d}_id": (dims.get(d) or None) for d in DIMENSIONS})
                     for number, (code, basis, debit, credit, dims) in enumerate(lines, start=1)]
    check_balanced(voucher.lines, "lines")
    check_balanced(voucher.lines, "lines", Basis.BUDGET)
    return voucher


def _post_closing_voucher(session, institution, year, user, lines) -> Voucher:
    # the year-end closing voucher is generated, reviewed and posted by the closer in one act
    voucher = _closing_voucher(session, institution, date(year, 12, 31), f"{year} 年终结转", user, lines)
    voucher.reviewer_id, voucher.reviewed_at = voucher.preparer_id, utcnow()
    for line in voucher.lines:
        line.memo = "年终结转"
    session.add(voucher)
    return Ledger(session, user).post(voucher)


def bring_forward(session: Session, institution_id: int, year: int) -> None:
    """Write next year's month-0 balances: the closing balances of the carried categories (on PostgreSQL
    the database's ``ledger_bring_forward`` does, once per closed year; see ``balances_kept_by_database``)."""
    if balances_kept_by_database(session):
        session.flush()  # the closed fiscal year and the closing voucher are what the function reads
        session.execute(text("SELECT ledger_bring_forward(:institution, :year)"),
                        {"institution": institution_id, "year": year})
        return
    rows = _year_balances(session, institution_id, year, CARRIED_CATEGORIES)
    carried = [SimpleNamespace(account_id=account.id, debit=max(debit - credit, ZERO), credit=max(credit - debit, ZERO),
                               **{f"{d}_id": value for d, value in zip(DIMENSIONS, dims)})
               for account, *dims, debit, credit in rows if debit != credit]
    apply_balances(session, institution_id, year + 1, 0, carried)
