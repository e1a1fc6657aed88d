"""现金流量表 (会政财04表): cash received and paid by item, from the cash lines of the vouchers.

A line on a cash account (货币资金: the accounts the 平行记账 mapping calls cash, 1001/1002/1011/1021) counts
under the 现金流量项目 it carries. A line without one counts under the item of the voucher's counter-account
(``cash_flow_defaults.csv``: 4101 事业收入 → 事业活动收到的除财政拨款以外的现金, 2201 → 支付给职工以及为职工
支付的现金, 1601 → 购建固定资产…), its cash split over the counter lines by their amounts. Cash moved between
cash accounts (提现, 存现) is no cash flow. A 红字 reversal lowers the item of the voucher it reverses. So the
现金净增加额 equals the change of the cash accounts' balances to the fen (``checks.ties``).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import MOVEMENTS, Statement, StatementRow, cash_codes, movement_columns, sum_codes
from erp.ledger.reports.statements.counter import split_over_counters, vouchers_touching
from erp.ledger.services.statement_maps import CASH_FLOW_MAP, cash_flow_items, default_cash_flow_item, line_map

SECTIONS = {"operating": ("一、日常活动产生的现金流量：", "日常活动"), "investing": ("二、投资活动产生的现金流量：", "投资活动"),
            "financing": ("三、筹资活动产生的现金流量：", "筹资活动")}
CONSOLIDATED_NOTE = "合并现金流量表为成员单位简单相加，成员单位之间的现金往来未作抵销。"


def cash_flow(session: Session, target: Target, rng: PeriodRange) -> Statement:
    snap = snapshot(session, target, rng, before_closing=True)
    return cash_flow_of(snap, item_amounts(session, snap), cash_codes(session, snap))


def item_amounts(session: Session, snap: Snapshot) -> dict[str, dict[str, Decimal]]:
    """Per cash-flow item the cash received (an ``in`` item) or paid (``out``), for the range and the year."""
    cash = set(cash_codes(session, snap))
    items = cash_flow_items()
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"period": ZERO, "ytd": ZERO})

    def add(item: str, cash_effect: Decimal, month: int) -> None:
        value = cash_effect if "in" in items[item].flags else -cash_effect
        amounts[item]["ytd"] += value
        if month >= snap.rng.start:
            amounts[item]["period"] += value

    for voucher in vouchers_touching(session, snap, tuple(cash)):
        untagged, red = ZERO, False
        others = [line for line in voucher.lines if snap.chart.top(line.code) not in cash]
        if not others:  # cash moved between cash accounts (提现, 存现) is no cash flow, whatever its lines carry
            continue
        for line in voucher.lines:
            if snap.chart.top(line.code) not in cash:
                continue
            if line.item:
                add(line.item, line.net, voucher.month)
            else:
                untagged += line.net
                red = red or line.red
        # cash received (or the red reversal of a payment received back: the same item, negative)
        direction = "in" if (untagged > 0) != red else "out"
        for code, share in split_over_counters(untagged, others):
            add(default_cash_flow_item(code, direction), share, voucher.month)
    return amounts


def cash_flow_of(snap: Snapshot, amounts: dict[str, dict[str, Decimal]], cash: tuple[str, ...]) -> Statement:
    lines = line_map(CASH_FLOW_MAP)
    rows: list[StatementRow] = []
    total = {k: ZERO for k in MOVEMENTS}
    for section, (heading, activity) in SECTIONS.items():
        rows.append(StatementRow(f"{section}_heading", heading, "heading", 0, {k: None for k in MOVEMENTS}))
        sums = {}
        for direction, subtotal in (("in", f"{activity}的现金流入小计"), ("out", f"{activity}的现金流出小计")):
            sums[direction] = {k: ZERO for k in MOVEMENTS}
            for line in lines[section]:
                if direction not in line.flags:
                    continue
                values = {k: amounts.get(line.key, {}).get(k, ZERO) for k in MOVEMENTS}
                rows.append(StatementRow(line.key, line.label, "item", 1, values))
                for k in MOVEMENTS:
                    sums[direction][k] += values[k]
            rows.append(StatementRow(f"{section}.{direction}", subtotal, "subtotal", 1, sums[direction]))
        net = {k: sums["in"][k] - sums["out"][k] for k in MOVEMENTS}
        rows.append(StatementRow(f"{section}.net", f"{activity}产生的现金流量净额", "subtotal", 0, net))
        for k in MOVEMENTS:
            total[k] += net[k]
    rows.append(StatementRow("net_increase", "四、现金净增加额", "total", 0, total))
    change = {k: sum_codes(snap, cash, MOVEMENTS[k]) for k in MOVEMENTS}
    rows.append(StatementRow("cash_change", "货币资金余额变动（核对）", "memo", 0, change))
    checks = {"ties": all(total[k] == change[k] for k in MOVEMENTS), "net_increase": total["period"],
              "net_increase_ytd": total["ytd"]}
    notes = ["未填写现金流量项目的货币资金分录，按凭证对方科目归入现金流量项目；货币资金科目之间的划转不作为现金流量。"]
    if snap.target.consolidated:
        notes.append(CONSOLIDATED_NOTE)
    return Statement("现金流量表", "会政财04表", snap, movement_columns(snap.rng), rows, checks, notes)
