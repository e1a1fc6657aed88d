"""Reports for requests: build a report from request parameters and render it as PDF or Excel."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import User
from erp.ledger.reports.books import DIMENSION_FILTERS, detail_ledger, general_ledger
from erp.ledger.reports.common import FORMATS, PDF_MIMETYPE, XLSX_MIMETYPE, files_name, period_range, resolve_target
from erp.ledger.reports.statements import (balance_sheet, budget_carryover, budget_statement,
                                           budget_surplus_reconciliation, cash_flow, fiscal_appropriation,
                                           income_statement, medical_revenue_expense, net_assets_changes)
from erp.ledger.reports.trial_balance import trial_balance


# =========================================================================================== requests


def report_file(report, fmt: str, user: User | None) -> tuple[bytes, str, str]:
    """(bytes, Chinese file name, mimetype) of a report as PDF or Excel."""
    if fmt == "pdf":
        return report.pdf(user), files_name(report.title, report.target, report.rng, "pdf"), PDF_MIMETYPE
    if fmt == "xlsx":
        return report.xlsx(user), files_name(report.title, report.target, report.rng, "xlsx"), XLSX_MIMETYPE
    raise BusinessError.for_field("format", f"format must be one of {', '.join(FORMATS)}")


STATEMENTS = {
    "balance-sheet": balance_sheet,
    "income-statement": income_statement,
    "budget-statement": budget_statement,
    "budget-surplus-reconciliation": budget_surplus_reconciliation,
    "net-assets-changes": net_assets_changes,
    "cash-flow": cash_flow,
    "budget-carryover": budget_carryover,
    "fiscal-appropriation": fiscal_appropriation,
    "medical-revenue-expense": medical_revenue_expense,
}
STATEMENT_TITLES = {
    "balance-sheet": "资产负债表",
    "income-statement": "收入费用表",
    "budget-statement": "预算收入支出表",
    "budget-surplus-reconciliation": "本期预算结余与本期盈余差异调节表",
    "net-assets-changes": "净资产变动表",
    "cash-flow": "现金流量表",
    "budget-carryover": "预算结转结余变动表",
    "fiscal-appropriation": "财政拨款预算收入支出表",
    "medical-revenue-expense": "医疗活动收入费用明细表",
}


def build_report(session: Session, user: User, name: str, params: dict):
    """The report ``name`` for request parameters (API query or web form), checked and scoped."""
    target = resolve_target(session, user, institution=params.get("institution"),
                            institutions=params.get("institutions"), community=params.get("community"),
                            consolidated=params.get("consolidated"))
    if name in ("general-ledger", "detail-ledger"):
        if params.get("from"):
            rng = period_range(params.get("from"), params.get("to"), field="from", field_to="to")
        else:
            rng = period_range(params.get("period"), params.get("period_to") or params.get("to"))
        book_target = replace(target, consolidated=False)  # books are plain sums; consolidation is for statements
        if name == "general-ledger":
            return general_ledger(session, book_target, rng, account=params.get("account") or None,
                                  basis=params.get("basis") or "financial")
        return detail_ledger(session, book_target, rng, params.get("account") or "",
                             {d: params.get(d) for d in DIMENSION_FILTERS})
    rng = period_range(params.get("period"), params.get("period_to"))
    if name == "trial-balance":
        level = params.get("level")
        try:
            level = int(level) if level not in (None, "") else None
        except ValueError:
            raise BusinessError.for_field("level", "科目级次应为整数 (level is a number)") from None
        return trial_balance(session, target, rng, basis=params.get("basis") or "financial", level=level)
    if name in STATEMENTS:
        return STATEMENTS[name](session, target, rng)
    raise NotFound(f"unknown report {name!r}")
