"""收入费用表 (会政财02表)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from erp.ledger.reports.common import PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, movement_columns, revenue_less_costs


def income_statement(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """收入费用表 (会政财02表): revenue (4xxx, credit − debit) and expense (5xxx) of the range and the year."""
    return income_statement_of(snapshot(session, target, rng, before_closing=True))


def income_statement_of(snap: Snapshot) -> Statement:
    revenue_rows, revenue, expense_rows, expense, surplus = revenue_less_costs(snap, "income_statement", "revenue",
                                                                              "expense")
    rows = [StatementRow("revenue", "一、本期收入", "subtotal", 0, revenue), *revenue_rows,
            StatementRow("expense", "二、本期费用", "subtotal", 0, expense), *expense_rows,
            StatementRow("surplus", "三、本期盈余", "total", 0, surplus)]
    checks = {"revenue": revenue["period"], "expense": expense["period"], "surplus": surplus["period"],
              "surplus_ytd": surplus["ytd"]}
    return Statement("收入费用表", "会政财02表", snap, movement_columns(snap.rng), rows, checks)
