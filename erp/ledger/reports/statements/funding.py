"""The year's budget revenue and expenditure by fund group — 财政拨款 (6001, or money of a fiscal funding
source), 经营 (the operating accounts of ``budget_carryover.csv``) or other — and project, for the 预算结转结余
变动表 and the 财政拨款预算收入支出表. One GROUP BY over ``balance`` by funding source and project (plus the
closing vouchers' lines, which the year's figures are taken before), as the year-end close groups them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import FundingSource
from erp.ledger.models import Balance, VoucherLine
from erp.ledger.reports.balances import closing_voucher_amounts, leaf_amounts
from erp.ledger.reports.common import ZERO
from erp.ledger.reports.snapshot import Snapshot
from erp.ledger.services.statement_maps import line_map

FISCAL_REVENUE = "6001"


@dataclass
class Flows:
    """Year to date, credit-positive revenue and debit-positive expenditure before the closing vouchers, and
    what is still unclosed (revenue − expenditure left in the accounts)."""

    revenue: Decimal = ZERO
    expenditure: Decimal = ZERO
    unclosed: Decimal = ZERO


def budget_flows(session: Session, snap: Snapshot) -> dict[tuple[str, int], Flows]:
    """Per (group: fiscal / operating / other, project id or 0) the year's budget revenue and expenditure."""
    operating = set(line_map("budget_carryover").line("operating", "operating").codes)
    fiscal_sources = set(session.scalars(select(FundingSource.id).where(
        FundingSource.community_id == snap.target.community_id, FundingSource.fiscal.is_(True))))
    tops = snap.top_codes("budget_revenue", "budget_expenditure")
    ids = sorted({i for code in tops for i in snap.chart.subtree_ids(code)})
    flows: dict[tuple[str, int], Flows] = defaultdict(Flows)
    if not ids:
        return flows
    kept = leaf_amounts(session, snap.target.ids, snap.rng, where=(Balance.account_id.in_(ids),),
                        by=(Balance.funding_source_id, Balance.project_id))
    closing = closing_voucher_amounts(session, snap.target.ids, snap.rng, where=(VoucherLine.account_id.in_(ids),),
                                      by=(VoucherLine.funding_source_id, VoucherLine.project_id))
    for (account_id, source, project), amounts in kept.items():
        top = snap.chart.top(snap.chart.code_of[account_id])
        group = ("operating" if top in operating else
                 "fiscal" if top == FISCAL_REVENUE or source in fiscal_sources else "other")
        closed = closing.get((account_id, source or 0, project or 0))
        before = amounts.ytd_movement - (closed.ytd_movement if closed else ZERO)
        entry = flows[(group, project or 0)]
        entry.unclosed -= amounts.ytd_movement + amounts.bf
        if snap.chart.nodes[top].category == "budget_revenue":
            entry.revenue -= before
        else:
            entry.expenditure += before
    return flows


def group_total(flows: dict[tuple[str, int], Flows], *groups: str) -> Flows:
    total = Flows()
    for (group, _project), entry in flows.items():
        if group in groups:
            total.revenue += entry.revenue
            total.expenditure += entry.expenditure
            total.unclosed += entry.unclosed
    return total
