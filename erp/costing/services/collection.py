"""Collection (成本归集): a department's direct cost for a period by cost element.

The net debit of the posted 业务活动费用 (5001*) and 单位管理费用 (5101*) lines that carry the department, by
cost element (the expense detail account), read from the ledger's kept ``balance`` table (never by scanning
lines). Year-end closing vouchers (年终结转, and their reversals) are not costs and are taken out again.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from erp.core.models import Institution
from erp.costing.services.common import ZERO
from erp.ledger.services import (Account, Balance, Basis, PeriodRange, Voucher, VoucherKind, VoucherLine,
                                 VoucherState)

EXPENSE_PREFIXES = ("5001", "5101")  # 业务活动费用, 单位管理费用
EXPENSE_TITLES = {"5001": "业务活动费用", "5101": "单位管理费用"}


def _expense_filter():
    return and_(Account.basis == Basis.FINANCIAL, or_(*(Account.code.like(f"{p}%") for p in EXPENSE_PREFIXES)))


@dataclass
class CollectedCosts:
    """Net debits of 5001*/5101* by (department_id, account_id); department_id 0 = no department."""

    amounts: dict[tuple[int, int], Decimal]
    accounts: dict[int, Account]

    def ledger_total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    def unassigned(self) -> Decimal:
        return sum((v for (dep, _), v in self.amounts.items() if not dep), ZERO)


def collect_costs(session: Session, institution: Institution, period: PeriodRange) -> CollectedCosts:
    """Department costs by cost element from the kept balances, year-end closing entries taken out."""
    in_period = and_(Balance.institution_id == institution.id, Balance.year == period.year,
                     Balance.month.between(max(period.start, 1), period.end))
    rows = session.execute(
        select(Balance.department_id, Balance.account_id, func.sum(Balance.debit), func.sum(Balance.credit))
        .join(Account, Account.id == Balance.account_id)
        .where(in_period, _expense_filter())
        .group_by(Balance.department_id, Balance.account_id))
    amounts: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for department_id, account_id, debit, credit in rows:
        amounts[(department_id or 0, account_id)] += (debit or ZERO) - (credit or ZERO)
    # 年终结转 closes the expense accounts into surplus: it is not a cost (nor is the reversal of one).
    original = aliased(Voucher)
    closing = session.execute(
        select(VoucherLine.department_id, VoucherLine.account_id, func.sum(VoucherLine.debit),
               func.sum(VoucherLine.credit))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .join(Account, Account.id == VoucherLine.account_id)
        .outerjoin(original, original.id == Voucher.reversal_of_id)
        .where(Voucher.institution_id == institution.id, Voucher.state == VoucherState.POSTED,
               Voucher.year == period.year, Voucher.month.between(period.start, period.end),
               or_(Voucher.kind == VoucherKind.CLOSING,
                   and_(Voucher.kind == VoucherKind.REVERSAL, original.kind == VoucherKind.CLOSING)),
               _expense_filter())
        .group_by(VoucherLine.department_id, VoucherLine.account_id))
    for department_id, account_id, debit, credit in closing:
        amounts[(department_id or 0, account_id)] -= (debit or ZERO) - (credit or ZERO)
    amounts = {key: value for key, value in amounts.items() if value}
    account_ids = {account_id for _, account_id in amounts}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))} \
        if account_ids else {}
    return CollectedCosts(amounts, accounts)
