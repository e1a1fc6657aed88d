"""净资产变动表 (会政财03表): the year's changes of 累计盈余, 专用基金 and 权益法调整, from the year start to the
range's end.

Columns and the accounts behind them are ``net_assets_changes.csv``. 本年盈余 is the income statement's;
专用基金 provisions and uses are classified by the voucher's counter-account (:mod:`.counter`): provided from
盈余 (a net-assets counter-account: 累计盈余 falls as 专用基金 rises), from revenue (an expense
counter-account: 计提 charged to expense) or set up otherwise; a use that goes back to 累计盈余 (e.g. assets
bought from the fund) raises it. What else moved 累计盈余 (归集调整预算结转结余 and the like) is the rest of the
column's change, so the year-end row equals the balance sheet's 净资产合计 (``checks.ties``).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, sum_codes
from erp.ledger.reports.statements.counter import split_over_counters, vouchers_touching
from erp.ledger.reports.statements.income import income_statement_of
from erp.ledger.services.statement_maps import line_map

SPECIAL_FUND = "3101"
KINDS = ("from_revenue", "from_surplus", "set_up", "used", "used_to_surplus")


def net_assets_changes(session: Session, target: Target, rng: PeriodRange) -> Statement:
    as_is = snapshot(session, target, rng)
    before = snapshot(session, target, rng, before_closing=True)
    return net_assets_changes_of(as_is, before, special_fund_movements(session, as_is))


def special_fund_movements(session: Session, snap: Snapshot) -> dict[str, Decimal]:
    """The year's 专用基金 movements by kind (credit-positive for the fund), from the counter-accounts."""
    found = {kind: ZERO for kind in KINDS}
    for voucher in vouchers_touching(session, snap, (SPECIAL_FUND,)):
        inside = [line for line in voucher.lines if snap.chart.top(line.code) == SPECIAL_FUND]
        others = [line for line in voucher.lines if snap.chart.top(line.code) != SPECIAL_FUND]
        own = sum((line.net for line in inside), ZERO)
        for code, share in split_over_counters(own, others):
            category = snap.chart.nodes[code].category
            if own < 0:  # provided (credit to the fund)
                kind = {"net_assets": "from_surplus", "expense": "from_revenue"}.get(category, "set_up")
            else:  # used
                kind = "used_to_surplus" if category == "net_assets" else "used"
            found[kind] -= share
    return found


def net_assets_changes_of(as_is: Snapshot, before: Snapshot, fund: dict[str, Decimal]) -> Statement:
    lines = line_map("net_assets_changes")
    columns = lines["columns"]
    leftovers = lines.leftovers(as_is.top_codes)
    codes = {line.key: line.codes + leftovers.get(line, ()) for line in columns}
    unclosed = tuple(as_is.top_codes("revenue", "expense"))
    codes["accumulated"] += unclosed

    def credit(snap, key_codes, measure) -> Decimal:
        return -sum_codes(snap, key_codes, measure)

    start = {key: credit(as_is, c, lambda a: a.bf) for key, c in codes.items()}
    end = {key: credit(as_is, c, lambda a: a.closing) for key, c in codes.items()}
    row_codes = {line.key: line.codes for line in lines["rows"]}
    prior = credit(before, row_codes["prior_adjustment"], lambda a: a.ytd_movement)
    surplus = income_statement_of(before).value("surplus", "ytd")
    free = credit(before, row_codes["free_transfers"], lambda a: a.ytd_movement)
    equity = credit(before, row_codes["equity_method"], lambda a: a.ytd_movement)
    provided = fund["from_revenue"] + fund["from_surplus"] + fund["set_up"]
    used = fund["used"] + fund["used_to_surplus"]
    accumulated_known = prior + surplus + free - fund["from_surplus"] - fund["used_to_surplus"]
    collected = end["accumulated"] - start["accumulated"] - accumulated_known
    keys = [key for key, _label in COLUMNS]

    def row(key, label, kind, indent, accumulated=ZERO, special=ZERO, equity_value=ZERO):
        values = {"accumulated": accumulated, "special_funds": special, "equity": equity_value}
        values["total"] = sum(values.values(), ZERO)
        return StatementRow(key, label, kind, indent, values)

    def added(*parts: StatementRow) -> dict:
        return {k: sum((p.values[k] for p in parts), ZERO) for k in keys if k != "total"}

    opening = row("last_year_end", "一、上年年末余额", "total", 0, start["accumulated"], start["special_funds"],
                  start["equity"])
    adjustment = row("prior_adjustment", "二、以前年度盈余调整（减少以“-”号填列）", "item", 0, prior)
    year_start = row("year_start", "三、本年年初余额", "total", 0, **_named(added(opening, adjustment)))
    changes = [
        row("surplus", "（一）本年盈余", "item", 1, surplus),
        row("free_transfers", "（二）无偿调拨净资产", "item", 1, free),
        row("collected", "（三）归集调整预算结转结余", "item", 1, collected),
        row("provided", "（四）提取或设置专用基金", "item", 1, -fund["from_surplus"], provided),
        row("provided.from_revenue", "其中：从预算收入中提取", "memo", 2, ZERO, fund["from_revenue"]),
        row("provided.from_surplus", "从预算结余中提取", "memo", 2, -fund["from_surplus"], fund["from_surplus"]),
        row("provided.set_up", "设置的专用基金", "memo", 2, ZERO, fund["set_up"]),
        row("used", "（五）使用专用基金", "item", 1, -fund["used_to_surplus"], used),
        row("equity_method", "（六）权益法调整", "item", 1, ZERO, ZERO, equity),
    ]
    movement = row("changes", "四、本年变动金额（减少以“-”号填列）", "subtotal", 0,
                   **_named(added(*[r for r in changes if r.kind == "item"])))
    closing = row("year_end", "五、本年年末余额", "total", 0, **_named(added(year_start, movement)))
    rows = [opening, adjustment, year_start, movement, *changes, closing]
    balance_sheet_net_assets = sum(end.values(), ZERO)
    checks = {"ties": closing.values["total"] == balance_sheet_net_assets
              and all(closing.values[k] == end[k] for k in end),
              "net_assets": closing.values["total"], "surplus": surplus}
    notes = ["本年数：自年初至报表期末。“归集调整预算结转结余”为累计盈余本年变动中其他各项以外的部分。"]
    return Statement("净资产变动表", "会政财03表", as_is, COLUMNS, rows, checks, notes)


COLUMNS = [("accumulated", "累计盈余"), ("special_funds", "专用基金"), ("equity", "权益法调整"), ("total", "净资产合计")]


def _named(values: dict) -> dict:
    return {"accumulated": values["accumulated"], "special": values["special_funds"],
            "equity_value": values["equity"]}
