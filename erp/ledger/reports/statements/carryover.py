"""预算结转结余变动表 (会政预02表): the budget side's 结转结余 from the year start to the range's end.

The accounts of each year-end line, and the accounts whose movements in the year are shown as 归集调入、上缴、
缴回、使用专用结余、支付所得税, are ``budget_carryover.csv``. 本年收支差额 is the year's budget revenue less
expenditure of the fund group (:mod:`.funding`); before the year-end close it is still in the revenue and
expenditure accounts, so the year-end lines add it where the close will carry it (财政拨款结转, 经营结余,
非财政拨款结转). The year-end total equals 资金结存 (8001) (``checks.ties``).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, sum_codes
from erp.ledger.reports.statements.budget import CONSOLIDATED_BUDGET_NOTE
from erp.ledger.reports.statements.funding import Flows, budget_flows, group_total
from erp.ledger.services.statement_maps import line_map

COLUMNS = [("ytd", "本年数")]
# which fund group's unclosed difference the year-end close carries to a line (section, key)
CARRIED_TO = {("fiscal", "carryover"): ("fiscal",), ("other", "carryover"): ("other",),
              ("other", "operating"): ("operating",)}
MEASURES = {"net": lambda a: a.ytd_movement, "debit": lambda a: a.ytd_debit, "credit": lambda a: a.ytd_credit}


def budget_carryover(session: Session, target: Target, rng: PeriodRange) -> Statement:
    as_is = snapshot(session, target, rng)
    before = snapshot(session, target, rng, before_closing=True)
    return budget_carryover_of(as_is, before, budget_flows(session, as_is))


def _row(key: str, label: str, kind: str, indent: int, value: Decimal | None) -> StatementRow:
    return StatementRow(key, label, kind, indent, {"ytd": value})


def budget_carryover_of(as_is: Snapshot, before: Snapshot, flows) -> Statement:
    lines = line_map("budget_carryover")
    leftovers = lines.leftovers(as_is.top_codes)

    def codes(line):
        return line.codes + leftovers.get(line, ())

    def opening(section: str) -> Decimal:
        return -sum((sum_codes(as_is, codes(line), lambda a: a.bf) for line in lines[section]), ZERO)

    def change(line) -> Decimal:
        """An increase of the 结转结余 is positive: credits as they are, debits and debit nets negated."""
        measure = next(iter(line.flags & set(MEASURES)))
        value = sum_codes(before, line.codes, MEASURES[measure])
        return value if measure == "credit" else -value

    fiscal: Flows = group_total(flows, "fiscal")
    other: Flows = group_total(flows, "other", "operating")
    start = {"fiscal": opening("fiscal"), "other": opening("other")}
    rows = [_row("opening", "一、年初预算结转结余", "total", 0, start["fiscal"] + start["other"]),
            _row("opening.fiscal", "（一）财政拨款结转结余", "item", 1, start["fiscal"]),
            _row("opening.other", "（二）其他资金结转结余", "item", 1, start["other"])]
    changes = {"fiscal": [("fiscal.difference", "1.本年收支差额", fiscal.revenue - fiscal.expenditure)],
               "other": [("other.difference", "1.本年收支差额", other.revenue - other.expenditure)]}
    for line in lines["changes"]:
        group = line.key.split(".")[0]
        changes[group].append((line.key, f"{len(changes[group]) + 1}.{line.label}", change(line)))
    totals = {group: sum((value for _k, _l, value in items), ZERO) for group, items in changes.items()}
    rows.append(_row("changes", "二、本年变动金额（减少以“-”号填列）", "subtotal", 0, sum(totals.values(), ZERO)))
    for group, label in (("fiscal", "（一）财政拨款结转结余"), ("other", "（二）其他资金结转结余")):
        rows.append(_row(f"changes.{group}", label, "subtotal", 1, totals[group]))
        rows.extend(_row(key, item_label, "item", 2, value) for key, item_label, value in changes[group])
    year_end = {}
    end_rows = []
    for group, label in (("fiscal", "（一）财政拨款结转结余"), ("other", "（二）其他资金结转结余")):
        values = []
        for line in lines[group]:
            value = -sum_codes(as_is, codes(line), lambda a: a.closing)
            value += group_total(flows, *CARRIED_TO.get((group, line.key), ())).unclosed
            values.append(_row(f"closing.{group}.{line.key}", line.label, "item", 2, value))
        year_end[group] = sum((r.values["ytd"] for r in values), ZERO)
        end_rows += [_row(f"closing.{group}", label, "subtotal", 1, year_end[group]), *values]
    total_end = year_end["fiscal"] + year_end["other"]
    rows += [_row("closing", "三、年末预算结转结余", "total", 0, total_end), *end_rows]
    fund_balance = sum_codes(as_is, lines.line("cash", "cash").codes, lambda a: a.closing)
    rows.append(_row("fund_balance", "资金结存（核对）", "memo", 0, fund_balance))
    checks = {"ties": total_end == fund_balance
              and all(start[g] + totals[g] == year_end[g] for g in ("fiscal", "other")),
              "closing": total_end, "fiscal_closing": year_end["fiscal"]}
    notes = ["本年数：自年初至报表期末；年终结转前，本年预算收支差额列入年末财政拨款结转、非财政拨款结转和经营结余。"]
    if as_is.target.consolidated:
        notes.append(CONSOLIDATED_BUDGET_NOTE)
    return Statement("预算结转结余变动表", "会政预02表", as_is, COLUMNS, rows, checks, notes)
