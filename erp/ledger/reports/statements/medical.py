"""医疗活动收入费用明细表 (医院执行政府会计制度补充规定): medical revenue by item (门急诊、住院 and their
挂号、诊察、检查 … 药品 detail accounts, 结算差额) and the expense of 业务活动费用 and 单位管理费用 by nature.

The revenue lines and the expense accounts are ``medical_revenue_expense.csv``. The chart keeps expense by
科室, not by nature, so the nature (人员经费, 卫生材料费, 药品费, 折旧, 摊销, 提取医疗风险基金, 其他运行费用) comes
from the voucher's counter-account (``medical_expense_nature.csv``: 2201 应付职工薪酬 → 人员经费, 130201 药品 →
药品费 …) by :mod:`.counter`; the nature lines add up to the account's movement (``checks.ties``).
"""
from __future__ import annotations

from decimal import Decimal
from functools import cache

from sqlalchemy.orm import Session

from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import MOVEMENTS, Statement, StatementRow, movement_columns, section_rows
from erp.ledger.reports.statements.counter import classified, vouchers_touching
from erp.ledger.services.statement_maps import line_map, longest_prefix


def medical_revenue_expense(session: Session, target: Target, rng: PeriodRange) -> Statement:
    snap = snapshot(session, target, rng, before_closing=True)
    lines = line_map("medical_revenue_expense")
    natures = {}
    for line in lines["expense"]:
        top = line.codes[0]
        vouchers = vouchers_touching(session, snap, line.codes)
        natures[line.key] = classified(vouchers, lambda code, top=top: snap.chart.top(code) == top, nature_of,
                                       rng.start)
    return medical_revenue_expense_of(snap, natures)


@cache
def nature_of(code: str) -> str:
    """The expense nature of a counter-account: the longest code prefix of the nature map, else the default."""
    lines = line_map("medical_expense_nature")["nature"]
    nature = longest_prefix(code, ((prefix, line.key) for line in lines for prefix in line.codes))
    return nature or next(line.key for line in lines if "default" in line.flags)


def medical_revenue_expense_of(snap: Snapshot, natures: dict[str, dict[str, dict[str, Decimal]]]) -> Statement:
    lines = line_map("medical_revenue_expense")
    revenue_rows, revenue = section_rows(snap, lines["revenue"], MOVEMENTS, -1)
    expense_rows, expense = section_rows(snap, lines["expense"], MOVEMENTS, 1)
    rows = [StatementRow("revenue", "一、医疗活动收入合计", "subtotal", 0, revenue),
            *[StatementRow("revenue." + r.key, r.label, r.kind, r.indent, r.values) for r in revenue_rows],
            StatementRow("expense", "二、医疗活动费用合计", "subtotal", 0, expense)]
    ties = True
    for account_row in expense_rows:
        rows.append(StatementRow(f"expense.{account_row.key}", account_row.label, "subtotal", 1, account_row.values))
        found = natures.get(account_row.key, {})
        summed = {k: ZERO for k in MOVEMENTS}
        for nature in line_map("medical_expense_nature")["nature"]:
            values = {k: found.get(nature.key, {}).get(k, ZERO) for k in MOVEMENTS}
            for k in MOVEMENTS:
                summed[k] += values[k]
            rows.append(StatementRow(f"expense.{account_row.key}.{nature.key}", nature.label, "memo", 2, values))
        ties = ties and summed == account_row.values
    surplus = {k: revenue[k] - expense[k] for k in MOVEMENTS}
    rows.append(StatementRow("surplus", "三、医疗活动盈余", "total", 0, surplus))
    checks = {"ties": ties, "revenue": revenue["period"], "expense": expense["period"], "surplus": surplus["period"]}
    notes = ["费用性质按凭证对方科目归集：应付职工薪酬为人员经费，库存物品—药品、卫生材料为药品费、卫生材料费，"
             "累计折旧、累计摊销为折旧费、摊销费，专用基金—医疗风险基金为提取医疗风险基金，其余为其他运行费用。"]
    return Statement("医疗活动收入费用明细表", None, snap, movement_columns(snap.rng), rows, checks, notes)
