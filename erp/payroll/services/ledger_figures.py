"""The ledger figures behind the 两个允许 pool: one institution's closed year, read from the ledger's read models
(the kept ``balance`` table, year-end closing entries taken out), summed by item through the account mapping
(``payroll_pool_mapping``, data the finance officer edits; shipped defaults in ``data/pool_accounts.csv``).

Each item has a fixed measure: revenue items are credit − debit, cost and business expense debit − credit, and
personnel expense is the credit turnover of 应付职工薪酬 (the pay accrued in the year). Every figure keeps the
accounts and amounts it came from (the drill-down)."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Community, Institution, User
from erp.core.security import require_whole_community
from erp.ledger.services import (Account, Balance, FiscalYear, PeriodState, Voucher, VoucherKind, VoucherLine,
                                 VoucherState)
from erp.payroll.models.performance_pool import POOL_ITEM_TITLES, PoolAccountMapping, PoolItem

DATA = Path(__file__).parents[1] / "data" / "pool_accounts.csv"
ZERO = Decimal(0)
CREDIT_NET, DEBIT_NET, CREDIT_TURNOVER = "credit_net", "debit_net", "credit_turnover"
MEASURES = {PoolItem.MEDICAL_REVENUE: CREDIT_NET, PoolItem.DRUG_REVENUE: CREDIT_NET,
            PoolItem.MATERIAL_REVENUE: CREDIT_NET, PoolItem.EXAM_REVENUE: CREDIT_NET,
            PoolItem.LAB_REVENUE: CREDIT_NET, PoolItem.COST: DEBIT_NET, PoolItem.BUSINESS_EXPENSE: DEBIT_NET,
            PoolItem.PERSONNEL_EXPENSE: CREDIT_TURNOVER}
MEASURE_TITLES = {CREDIT_NET: "贷方净额", DEBIT_NET: "借方净额", CREDIT_TURNOVER: "贷方发生额"}


def load_pool_mapping(session: Session, community: Community) -> int:
    """The shipped mapping for a community that has none yet (install data; idempotent)."""
    if session.scalar(select(PoolAccountMapping.id).where(PoolAccountMapping.community_id == community.id).limit(1)):
        return 0
    with open(DATA, encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    session.add_all(PoolAccountMapping(community_id=community.id, item=PoolItem(row["item"]),
                                       account_prefix=row["account_prefix"], note=row["note"]) for row in rows)
    session.flush()
    return len(rows)


def pool_mapping(session: Session, community_id: int) -> dict[PoolItem, list[PoolAccountMapping]]:
    rows = session.scalars(select(PoolAccountMapping).where(PoolAccountMapping.community_id == community_id)
                           .order_by(PoolAccountMapping.item, PoolAccountMapping.account_prefix))
    mapping: dict[PoolItem, list[PoolAccountMapping]] = {item: [] for item in PoolItem}
    for row in rows:
        mapping[row.item].append(row)
    return mapping


def set_item_accounts(session: Session, community_id: int, user: User, item: str,
                      accounts: list[dict]) -> list[PoolAccountMapping]:
    """Replace one item's account prefixes (each must name an account of the chart). A whole-community user only."""
    require_whole_community(user, "两个允许核算口径")
    try:
        item = PoolItem(item)
    except ValueError:
        raise NotFound.for_field("item", f"没有此口径项目 (no item {item!r})") from None
    prefixes = [entry["account"] for entry in accounts]
    if len(set(prefixes)) != len(prefixes):
        raise BusinessError.for_field("accounts", "科目重复 (an account is listed twice)")
    for index, prefix in enumerate(prefixes):
        if not prefix.isdigit() or session.scalar(select(Account.id).where(
                Account.community_id == community_id, Account.code == prefix).limit(1)) is None:
            raise BusinessError.for_field(f"accounts[{index}].account", f"没有科目 {prefix} (no account {prefix!r})",
                                          "unknown_account")
    for row in session.scalars(select(PoolAccountMapping).where(PoolAccountMapping.community_id == community_id,
                                                                PoolAccountMapping.item == item)):
        session.delete(row)
    session.flush()
    rows = [PoolAccountMapping(community_id=community_id, item=item, account_prefix=entry["account"],
                               note=entry.get("note") or "") for entry in accounts]
    session.add_all(rows)
    session.flush()
    return rows


@dataclass
class Figure:
    item: PoolItem
    measure: str
    amount: Decimal = ZERO
    accounts: list[dict] = field(default_factory=list)  # [{"code", "name", "amount"}]

    def as_json(self) -> dict:
        return {"item": self.item.value, "title": POOL_ITEM_TITLES[self.item], "measure": self.measure,
                "amount": f"{self.amount:.2f}",
                "accounts": [{**a, "amount": f"{a['amount']:.2f}"} for a in self.accounts]}


def require_closed_year(session: Session, institution: Institution, year: int) -> None:
    state = session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == institution.id,
                                                          FiscalYear.year == year))
    if state is not PeriodState.CLOSED:
        raise BusinessError.for_field("year", f"{institution.name} {year} 年度尚未年结，绩效工资总量只取已结账的数据 "
                                              f"(the ledger year {year} is not closed)", "year_not_closed")


def _account_totals(session: Session, institution: Institution, year: int) -> dict[int, tuple[Decimal, Decimal]]:
    """(debit, credit) by account over months 1–12, the year-end closing entries (and their reversals) out."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for account_id, debit, credit in session.execute(
            select(Balance.account_id, func.sum(Balance.debit), func.sum(Balance.credit))
            .where(Balance.institution_id == institution.id, Balance.year == year, Balance.month.between(1, 12))
            .group_by(Balance.account_id)):
        totals[account_id][0] += debit or ZERO
        totals[account_id][1] += credit or ZERO
    original = aliased(Voucher)
    for account_id, debit, credit in session.execute(
            select(VoucherLine.account_id, func.sum(VoucherLine.debit), func.sum(VoucherLine.credit))
            .join(Voucher, Voucher.id == VoucherLine.voucher_id)
            .outerjoin(original, original.id == Voucher.reversal_of_id)
            .where(Voucher.institution_id == institution.id, Voucher.state == VoucherState.POSTED,
                   Voucher.year == year,
                   or_(Voucher.kind == VoucherKind.CLOSING,
                       and_(Voucher.kind == VoucherKind.REVERSAL, original.kind == VoucherKind.CLOSING)))
            .group_by(VoucherLine.account_id)):
        totals[account_id][0] -= debit or ZERO
        totals[account_id][1] -= credit or ZERO
    return {key: (value[0], value[1]) for key, value in totals.items()}


def ledger_figures(session: Session, institution: Institution, year: int) -> dict[PoolItem, Figure]:
    """Every item's amount for the institution's closed ``year``, with the accounts it came from."""
    require_closed_year(session, institution, year)
    totals = _account_totals(session, institution, year)
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(totals)))} if totals else {}
    figures = {}
    for item, rows in pool_mapping(session, institution.community_id).items():
        figure = Figure(item, MEASURES[item])
        prefixes = tuple(row.account_prefix for row in rows)
        for account_id, (debit, credit) in sorted(totals.items(), key=lambda kv: accounts[kv[0]].code):
            account = accounts[account_id]
            if not prefixes or not account.code.startswith(prefixes):
                continue
            amount = {CREDIT_NET: credit - debit, DEBIT_NET: debit - credit, CREDIT_TURNOVER: credit}[figure.measure]
            if amount:
                figure.accounts.append({"code": account.code, "name": account.name, "amount": amount})
                figure.amount += amount
        figures[item] = figure
    return figures
