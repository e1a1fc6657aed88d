"""年终结转: carry revenue and expense into 本期盈余 → 本年盈余分配 → 累计盈余, the budget side into its
结转结余 accounts, close the year and open the next with the balances brought forward."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import Conflict
from erp.core.models import FundingSource, Institution, User
from erp.core.timeutil import utcnow
from erp.ledger.services import periods
from erp.ledger.services.chart import visible_accounts
from erp.ledger.models import (CARRIED_CATEGORIES, CLOSED_CATEGORIES, DIMENSION_COLUMNS, DIMENSIONS, Account,
                               Balance, Basis, FiscalYear, Period, PeriodState, Voucher, VoucherKind, VoucherLine,
                               VoucherState)
from erp.ledger.services.engine import ZERO, apply_balances, check_balanced
from erp.ledger.services.posting import Ledger
from erp.ledger.services.posting_templates import Template, posting_template

# The closing accounts (本期盈余, 本年盈余分配, 累计盈余, the budget 结转结余 accounts) are the community's
# posting template of this kind (erp/ledger/data/posting_templates.csv), editable by the finance officer.
TEMPLATE_KIND = "ledger.year_end"


def _year_balances(session: Session, institution_id: int, year: int, categories) -> list:
    dims = [getattr(Balance, c) for c in DIMENSION_COLUMNS]
    return session.execute(
        select(Account, *dims, func.sum(Balance.debit), func.sum(Balance.credit))
        .join(Account, Account.id == Balance.account_id)
        .where(Balance.institution_id == institution_id, Balance.year == year, Account.category.in_(categories))
        .group_by(Account.id, *dims).order_by(Account.code)).all()


def _budget_target(template: Template, account: Account, funding_source_id: int, fiscal_sources: set[int]) -> str:
    """经营 budget revenue and expenditure close to 经营结余; fiscal money to 财政拨款结转; the rest to
    非财政拨款结转."""
    if account.code.startswith(template.accounts("operating_budget")):
        return template.account("operating_surplus")
    if account.code.startswith(template.account("fiscal_budget_revenue")) or funding_source_id in fiscal_sources:
        return template.account("fiscal_carryover")
    return template.account("non_fiscal_carryover")


def closing_lines(session: Session, institution: Institution, year: int) -> list[tuple]:
    """(account code, basis, debit, credit, dimensions) that bring every revenue and expense to zero."""
    template = posting_template(session, institution.community_id, TEMPLATE_KIND)
    fiscal_sources = set(session.scalars(select(FundingSource.id).where(FundingSource.fiscal.is_(True))))
    lines: list[tuple] = []
    surplus = ZERO
    targets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, *dims, debit, credit in _year_balances(session, institution.id, year, CLOSED_CATEGORIES):
        net = debit - credit  # debit-positive
        if not net:
            continue
        dimensions = dict(zip(DIMENSIONS, dims))
        lines.append((account.code, account.basis, -net if net < 0 else ZERO, net if net > 0 else ZERO, dimensions))
        if account.basis is Basis.FINANCIAL:
            surplus -= net
        else:
            targets[_budget_target(template, account, dimensions["funding_source"], fiscal_sources)] -= net
    if surplus:
        # 本期盈余 → 本年盈余分配 → 累计盈余: a surplus is credited along the chain, a deficit debited.
        for code in (template.account("current_surplus"), template.account("surplus_distribution")):
            lines.append((code, Basis.FINANCIAL, ZERO if surplus > 0 else -surplus, surplus if surplus > 0 else ZERO, {}))
            lines.append((code, Basis.FINANCIAL, surplus if surplus > 0 else ZERO, ZERO if surplus > 0 else -surplus, {}))
        lines.append((template.account("accumulated_surplus"), Basis.FINANCIAL, ZERO if surplus > 0 else -surplus,
                      surplus if surplus > 0 else ZERO, {}))
    for code, amount in sorted(targets.items()):
        if amount:
            lines.append((code, Basis.BUDGET, ZERO if amount > 0 else -amount, amount if amount > 0 else ZERO, {}))
    return lines


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


def _post_closing_voucher(session, institution, year, user, lines) -> Voucher:
    ledger = Ledger(session, user)
    accounts = {a.code: a for a in session.scalars(visible_accounts(institution.community_id, institution)
                                                   .where(Account.code.in_({l[0] for l in lines})))}
    user_id = user.id if user else None  # the closing voucher is generated, reviewed and posted by the closer
    voucher = Voucher(institution=institution, year=year, month=12, date=date(year, 12, 31),
                      state=VoucherState.REVIEWED, kind=VoucherKind.CLOSING, memo=f"{year} 年终结转",
                      preparer_id=user_id, reviewer_id=user_id, reviewed_at=utcnow(),
                      template_version=posting_template(session, institution.community_id, TEMPLATE_KIND).ref)
    voucher.lines = [VoucherLine(institution_id=institution.id, line_no=number, account=accounts[code],
                                 account_id=accounts[code].id, basis=basis, debit=debit, credit=credit, memo="年终结转",
                                 **{f"{d}_id": (dims.get(d) or None) for d in DIMENSIONS})
                     for number, (code, basis, debit, credit, dims) in enumerate(lines, start=1)]
    session.add(voucher)
    check_balanced(voucher.lines, "lines", Basis.BUDGET)
    return ledger.post(voucher)


def bring_forward(session: Session, institution_id: int, year: int) -> None:
    """Write next year's month-0 balances: the closing balances of the carried categories."""
    rows = _year_balances(session, institution_id, year, CARRIED_CATEGORIES)
    carried = [SimpleNamespace(account_id=account.id, debit=max(debit - credit, ZERO), credit=max(credit - debit, ZERO),
                               **{f"{d}_id": value for d, value in zip(DIMENSIONS, dims)})
               for account, *dims, debit, credit in rows if debit != credit]
    apply_balances(session, institution_id, year + 1, 0, carried)
