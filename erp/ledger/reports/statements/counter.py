"""Amounts of some accounts classified by the voucher's counter-accounts (对方科目): the 现金流量表 classifies a
cash movement without a cash-flow item by what the cash was received for or paid for, the 医疗活动收入费用明细表
classifies expense by nature (人员经费 from 应付职工薪酬, 药品费 from 库存物品—药品 …).

The lines are read from ``voucher_line`` (the kept balances carry no counter-account): the financial lines of
the target's posted vouchers of the year up to the range's end that touch the accounts, closing vouchers
(期末/年终结转) left out as in the income statement. Per voucher the accounts' net movement is split over the
other lines on the opposite side in proportion to their amounts (largest remainder, exact to the fen), so
the parts add up to the accounts' movement exactly.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp.core.money import largest_remainder
from erp.ledger.models import Basis, Voucher, VoucherKind, VoucherLine, VoucherState
from erp.ledger.reports.common import ZERO
from erp.ledger.reports.snapshot import Snapshot


class Posted(NamedTuple):
    """One financial line of a voucher: its account code, debit-positive net, cash-flow item, and whether it is
    a red (红字) line: a negative amount on its side."""

    code: str
    net: Decimal
    item: str | None
    red: bool = False


@dataclass
class VoucherLines:
    month: int
    lines: list[Posted]


def vouchers_touching(session: Session, snap: Snapshot, codes: tuple[str, ...]) -> list[VoucherLines]:
    """The financial lines of every posted voucher of the year up to the range's end with a line on ``codes``
    (or their sub-accounts)."""
    ids = sorted({i for code in codes if code in snap.chart.nodes for i in snap.chart.subtree_ids(code)})
    if not ids:
        return []
    rng = snap.rng
    where = (Voucher.institution_id.in_(snap.target.ids), Voucher.year == rng.year, Voucher.month <= rng.end,
             Voucher.state == VoucherState.POSTED, Voucher.kind != VoucherKind.CLOSING)
    touching = (select(VoucherLine.voucher_id).join(Voucher, Voucher.id == VoucherLine.voucher_id)
                .where(*where, VoucherLine.account_id.in_(ids)))
    # one amount per line (its net) and the red flag computed by the database: half the amounts to convert
    rows = session.execute(
        select(VoucherLine.voucher_id, Voucher.month, VoucherLine.account_id, VoucherLine.debit - VoucherLine.credit,
               VoucherLine.cash_flow_item, or_(VoucherLine.debit < 0, VoucherLine.credit < 0))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(*where, VoucherLine.basis == Basis.FINANCIAL, VoucherLine.voucher_id.in_(touching))
        .order_by(VoucherLine.voucher_id, VoucherLine.line_no))
    vouchers: dict[int, VoucherLines] = {}
    code_of = snap.chart.code_of
    for voucher_id, month, account_id, net, item, red in rows:
        entry = vouchers.setdefault(voucher_id, VoucherLines(month, []))
        entry.lines.append(Posted(code_of[account_id], net, item, bool(red)))
    return list(vouchers.values())


def split_over_counters(amount: Decimal, counters: list[Posted]) -> list[tuple[str, Decimal]]:
    """``amount`` (a net movement, debit-positive) split over the counter lines on the opposite side, by their
    amounts; the parts carry ``amount``'s sign. A balanced voucher always has such a line."""
    opposite = [line for line in counters if line.net and (line.net > 0) != (amount > 0)]
    if not amount or not opposite:
        return []
    if -sum((line.net for line in opposite), ZERO) == amount:  # the common voucher: the counter lines are it
        return [(line.code, -line.net) for line in opposite]
    shares = largest_remainder(amount, [(index, abs(line.net)) for index, line in enumerate(opposite)])
    return [(opposite[index].code, share) for index, share in shares.items() if share]


def classified(vouchers: list[VoucherLines], inside, classify, start: int) -> dict[str, dict[str, Decimal]]:
    """Per class the period (months from ``start``) and year-to-date movement of the lines ``inside(code)``
    selects, split over each voucher's other lines and classed by ``classify(counter_code)``."""
    result: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"period": ZERO, "ytd": ZERO})
    for voucher in vouchers:
        own = sum((line.net for line in voucher.lines if inside(line.code)), ZERO)
        others = [line for line in voucher.lines if not inside(line.code)]
        for code, share in split_over_counters(own, others):
            values = result[classify(code)]
            values["ytd"] += share
            if voucher.month >= start:
                values["period"] += share
    return result
