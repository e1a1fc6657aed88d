"""本期预算结余与本期盈余差异调节表."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.statements.base import (MOVEMENTS, Statement, StatementRow, cash_codes, movement_columns,
                                                sum_codes)
from erp.ledger.reports.statements.budget import budget_statement_of
from erp.ledger.reports.statements.income import income_statement_of
from erp.ledger.services.statement_maps import Line, line_map


# ------------------------------------------------------------------------------------------- 差异调节表

@dataclass(frozen=True)
class ReconcilingGroup:
    key: str
    codes: tuple[str, ...]  # top-level financial accounts of the group
    increase: str  # label for the debit movement (adds to 本期盈余 relative to 本期预算结余)
    decrease: str  # label for the credit movement (subtracts)
    leftover: Line  # the map's line that takes the group's unmapped accounts, if any


def reconciling_groups() -> list[ReconcilingGroup]:
    """The groups of the data file ``reconciliation.csv``: per section an increase and a decrease line."""
    lines = line_map("reconciliation")
    return [ReconcilingGroup(key, group[0].codes, lines.line(key, "increase").label,
                             lines.line(key, "decrease").label, lines.line(key, "increase"))
            for key, group in lines.sections.items()]


RECONCILIATION_METHOD = (
    "调节方法：财务会计各期分录借贷相等，故 本期盈余 = 资产、负债、净资产类科目本期借方发生额 − 贷方发生额；"
    "预算会计同理，本期预算结余 = 预算结余类科目（8xxx）本期借贷差。两式相减，按科目类别列示：资产负债类"
    "科目（货币资金除外）的借方发生额为调增项、贷方发生额为调减项；货币资金净变动与资金结存（8xxx）净变动之差"
    "为未纳入预算管理的现金收支。正数调增、负数调减。")


def budget_surplus_reconciliation(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """本期预算结余与本期盈余差异调节表; see RECONCILIATION_METHOD. Closes to the fen by construction and
    the row ``unreconciled`` shows any difference against the income statement."""
    snap = snapshot(session, target, rng, before_closing=True)
    return reconciliation_of(snap, cash_codes(session, snap))


def reconciliation_of(snap: Snapshot, cash_codes: tuple[str, ...]) -> Statement:
    columns = movement_columns(snap.rng)
    budget = budget_statement_of(snap)
    income = income_statement_of(snap)
    budget_surplus = {k: budget.value("budget_surplus", k) for k in MOVEMENTS}
    rows = [StatementRow("budget_surplus", "一、本期预算结余（本期预算收支差额）", "total", 0, budget_surplus),
            StatementRow("adjustments_heading", "二、差异调节项目（正数调增、负数调减）", "heading", 0,
                         {k: None for k in MOVEMENTS})]
    groups = reconciling_groups()
    leftovers = line_map("reconciliation").leftovers(snap.top_codes, exclude=set(cash_codes))
    adjustments = {k: ZERO for k in MOVEMENTS}
    gross = {"period": (lambda a: a.debit, lambda a: a.credit), "ytd": (lambda a: a.ytd_debit, lambda a: a.ytd_credit)}
    for group in groups:
        codes = group.codes + leftovers.get(group.leftover, ())
        increase = {k: sum_codes(snap, codes, gross[k][0]) for k in MOVEMENTS}
        decrease = {k: -sum_codes(snap, codes, gross[k][1]) for k in MOVEMENTS}
        for suffix, label, values in (("increase", group.increase, increase), ("decrease", group.decrease, decrease)):
            for k in MOVEMENTS:
                adjustments[k] += values[k]
            rows.append(StatementRow(f"{group.key}.{suffix}", label, "item", 1, values))
    budget_cash = snap.top_codes("budget_balance")
    cash = {k: sum_codes(snap, cash_codes, MOVEMENTS[k]) - sum_codes(snap, budget_cash, MOVEMENTS[k])
            for k in MOVEMENTS}
    for k in MOVEMENTS:
        adjustments[k] += cash[k]
    rows.append(StatementRow("cash_outside_budget", "未纳入预算管理的现金收支（货币资金净变动 − 资金结存净变动）",
                             "item", 1, cash))
    rows.append(StatementRow("adjustments", "差异调节合计", "subtotal", 0, adjustments))
    reconciled = {k: budget_surplus[k] + adjustments[k] for k in MOVEMENTS}
    rows.append(StatementRow("surplus", "三、本期盈余（一 + 二）", "total", 0, reconciled))
    per_income = {k: income.value("surplus", k) for k in MOVEMENTS}
    rows.append(StatementRow("surplus_per_income_statement", "收入费用表本期盈余", "memo", 0, per_income))
    unreconciled = {k: per_income[k] - reconciled[k] for k in MOVEMENTS}
    rows.append(StatementRow("unreconciled", "未调节差额", "memo", 0, unreconciled))
    checks = {"closes": not any(unreconciled.values()), "budget_surplus": budget_surplus["period"],
              "adjustments": adjustments["period"], "surplus": per_income["period"]}
    return Statement("本期预算结余与本期盈余差异调节表", None, snap, columns, rows, checks, [RECONCILIATION_METHOD])
