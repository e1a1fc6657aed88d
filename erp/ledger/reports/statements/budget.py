"""预算收入支出表 (会政预01表)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from erp.ledger.reports.common import PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, movement_columns, revenue_less_costs

CONSOLIDATED_BUDGET_NOTE = "预算会计分录不带往来单位，合并预算表为成员单位简单相加，未作内部抵销。"


def budget_statement(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """预算收入支出表 (会政预01表): budget revenue (6xxx), expenditure (7xxx) and 本期预算结余."""
    return budget_statement_of(snapshot(session, target, rng, before_closing=True))


def budget_statement_of(snap: Snapshot) -> Statement:
    revenue_rows, revenue, expenditure_rows, expenditure, balance = revenue_less_costs(
        snap, "budget_statement", "revenue", "expenditure")
    rows = [StatementRow("revenue", "一、本期预算收入", "subtotal", 0, revenue),
            *[replace(r, key="revenue." + r.key) for r in revenue_rows],
            StatementRow("expenditure", "二、本期预算支出", "subtotal", 0, expenditure),
            *[replace(r, key="expenditure." + r.key) for r in expenditure_rows],
            StatementRow("budget_surplus", "三、本期预算收支差额（本期预算结余）", "total", 0, balance)]
    checks = {"revenue": revenue["period"], "expenditure": expenditure["period"],
              "budget_surplus": balance["period"], "budget_surplus_ytd": balance["ytd"]}
    notes = [CONSOLIDATED_BUDGET_NOTE] if snap.target.consolidated else []
    return Statement("预算收入支出表", "会政预01表", snap, movement_columns(snap.rng), rows, checks, notes)
