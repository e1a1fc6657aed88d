"""本期预算结余与本期盈余差异调节表."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.ledger.models import BudgetMapping
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.statements import (MOVEMENTS, Statement, StatementRow, budget_statement_of, income_statement_of,
                                           movement_columns, sum_codes)


# ------------------------------------------------------------------------------------------- 差异调节表

@dataclass(frozen=True)
class ReconcilingGroup:
    key: str
    codes: tuple[str, ...]  # top-level financial accounts of the group
    increase: str  # label for the debit movement (adds to 本期盈余 relative to 本期预算结余)
    decrease: str  # label for the credit movement (subtracts)


RECONCILING_GROUPS = [
    ReconcilingGroup("receivables", ("1211", "1212", "1214", "1215", "1216", "1218", "1219"),
                     "应收及预付款项增加（确认收入尚未收款、支付预付款）",
                     "应收及预付款项减少（收回应收款确认预算收入、预付款转费用）"),
    ReconcilingGroup("inventories", ("1301", "1302", "1303", "1811"),
                     "取得存货、政府储备物资等计入物资成本的支出",
                     "发出存货、政府储备物资等确认的费用"),
    ReconcilingGroup("long_term_assets", ("1501", "1502", "1601", "1611", "1613", "1701", "1703", "1801", "1821",
                                          "1831", "1901"),
                     "购建固定资产、无形资产等的资本性支出及对外投资",
                     "处置、转出长期资产及长期待摊费用摊销"),
    ReconcilingGroup("depreciation", ("1602", "1702", "1802", "1832"),
                     "处置资产转销的累计折旧（摊销）",
                     "计提的折旧费用和摊销费用"),
    ReconcilingGroup("borrowings", ("2001", "2501"),
                     "偿还借款本金的支出", "取得借款确认的预算收入"),
    ReconcilingGroup("payables", ("2101", "2102", "2103", "2201", "2301", "2302", "2303", "2304", "2305", "2307",
                                  "2308", "2401", "2502", "2601", "2901"),
                     "支付应付款项（应付职工薪酬、应付账款等）、预收款项转收入",
                     "确认应付款项的费用、收到预收款项"),
    ReconcilingGroup("other_assets", ("1101", "1201", "1401", "1891", "1902", "ELIM-BS"),
                     "其他资产增加", "其他资产减少"),
    ReconcilingGroup("net_assets", ("3001", "3101", "3201", "3301", "3302", "3401", "3501"),
                     "净资产类科目直接减少（无偿调拨、以前年度盈余调整等）",
                     "净资产类科目直接增加（无偿调拨、以前年度盈余调整等）"),
]
RECONCILIATION_METHOD = (
    "调节方法：财务会计各期分录借贷相等，故 本期盈余 = 资产、负债、净资产类科目本期借方发生额 − 贷方发生额；"
    "预算会计同理，本期预算结余 = 预算结余类科目（8xxx）本期借贷差。两式相减，按科目类别列示：资产负债类"
    "科目（货币资金除外）的借方发生额为调增项、贷方发生额为调减项；货币资金净变动与资金结存（8xxx）净变动之差"
    "为未纳入预算管理的现金收支。正数调增、负数调减。")


def _cash_codes(session: Session, snap: Snapshot) -> tuple[str, ...]:
    """Top-level financial accounts that are cash for 平行记账 (the mapping's ``cash`` rules)."""
    prefixes = tuple(session.scalars(select(BudgetMapping.account_prefix).where(
        BudgetMapping.community_id == snap.target.community_id, BudgetMapping.role == "cash")))
    return tuple(c for c in snap.top_codes("asset") if c.startswith(prefixes)) if prefixes else ()


def budget_surplus_reconciliation(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """本期预算结余与本期盈余差异调节表; see RECONCILIATION_METHOD. Closes to the fen by construction and
    the row ``unreconciled`` shows any difference against the income statement."""
    snap = snapshot(session, target, rng, before_closing=True)
    return reconciliation_of(snap, _cash_codes(session, snap))


def reconciliation_of(snap: Snapshot, cash_codes: tuple[str, ...]) -> Statement:
    columns = movement_columns(snap.rng)
    budget = budget_statement_of(snap)
    income = income_statement_of(snap)
    budget_surplus = {k: budget.value("budget_surplus", k) for k in MOVEMENTS}
    rows = [StatementRow("budget_surplus", "一、本期预算结余（本期预算收支差额）", "total", 0, budget_surplus),
            StatementRow("adjustments_heading", "二、差异调节项目（正数调增、负数调减）", "heading", 0,
                         {k: None for k in MOVEMENTS})]
    mapped = {code for group in RECONCILING_GROUPS for code in group.codes} | set(cash_codes)
    leftovers = {"other_assets": tuple(c for c in snap.top_codes("asset") if c not in mapped),
                 "payables": tuple(c for c in snap.top_codes("liability") if c not in mapped),
                 "net_assets": tuple(c for c in snap.top_codes("net_assets") if c not in mapped)}
    adjustments = {k: ZERO for k in MOVEMENTS}
    gross = {"period": (lambda a: a.debit, lambda a: a.credit), "ytd": (lambda a: a.ytd_debit, lambda a: a.ytd_credit)}
    for group in RECONCILING_GROUPS:
        codes = group.codes + leftovers.get(group.key, ())
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
