"""预算执行报表 as a page, PDF (with an SVG plan-vs-actual chart) and Excel; the budget template workbook."""
from __future__ import annotations

from decimal import Decimal

from erp.core.api_framework import FileResult
from erp.core.rendering import (PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, XlsxSheet, build_xlsx_sheets,
                                render_statement_pdf)
from erp.budget.models import CONTROL_TITLES, Budget
from erp.budget.services import workbook
from erp.budget.services.execution import Execution, rate

TITLE = "预算执行报表"


def budget_workbook(budget: Budget) -> FileResult:
    return FileResult(workbook.export_version(budget), f"{budget.institution.code}-{budget.year}-预算.xlsx",
                      XLSX_MIMETYPE)


def line_columns() -> list[Column]:
    return [Column("account", "科目", "text", 1.6), Column("department", "科室", "text", 1.0),
            Column("funding_source", "资金来源", "text", 1.4), Column("control", "控制", "text", 0.8),
            Column("amount", "预算数", "amount"), Column("committed", "预占数", "amount", blank_zero=True),
            Column("actual", "实际支出", "amount"), Column("available", "可用余额", "amount"),
            Column("rate", "执行率%", "text", 0.8)]


def _rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}"


def line_rows(report: Execution) -> list[dict]:
    return [{"id": l.id, "account": f"{l.account.code} {l.account.name}",
             "department": l.department.name if l.department else "全部",
             "funding_source": l.funding_source.name if l.funding_source else "全部",
             "control": CONTROL_TITLES[l.control.value], "amount": l.amount, "committed": l.committed,
             "actual": l.actual, "available": l.available, "rate": _rate_text(rate(l.actual, l.amount))}
            for l in report.lines]


def totals(report: Execution) -> dict:
    return {"account": "合计", "amount": report.amount, "committed": report.committed, "actual": report.actual,
            "available": report.available, "rate": _rate_text(report.rate)}


def month_columns() -> list[Column]:
    return [Column("month", "月份", "text", 0.6), Column("plan", "预算（月度分解）", "amount"),
            Column("committed", "预占", "amount", blank_zero=True), Column("actual", "实际支出", "amount"),
            Column("cumulative_plan", "累计预算", "amount"), Column("cumulative_actual", "累计实际", "amount")]


def month_rows(report: Execution) -> list[dict]:
    rows, plan_sum, actual_sum = [], Decimal(0), Decimal(0)
    for m in range(12):
        plan_sum += report.plan_by_month[m]
        actual_sum += report.actual_by_month[m]
        rows.append({"month": f"{m + 1}月", "plan": report.plan_by_month[m], "committed": report.committed_by_month[m],
                     "actual": report.actual_by_month[m], "cumulative_plan": plan_sum,
                     "cumulative_actual": actual_sum})
    return rows


def chart_svg(report: Execution, width: int = 640, height: int = 220) -> str:
    """The plan-vs-actual bars per month as an inline SVG (the PDF's figure; the page draws it with ECharts)."""
    values = report.plan_by_month + report.actual_by_month
    top = max(values) if any(values) else Decimal(1)
    left, bottom, band = 50, height - 30, (width - 60) / 12
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="10">',
             f'<line x1="{left}" y1="{bottom}" x2="{width - 5}" y2="{bottom}" stroke="#333"/>',
             f'<text x="{left}" y="12">预算 <tspan fill="#5470c6">■</tspan> 实际 <tspan fill="#ee6666">■</tspan>'
             f'（最大 {top}）</text>']
    for m in range(12):
        x = left + m * band
        for offset, value, colour in ((0.1, report.plan_by_month[m], "#5470c6"),
                                      (0.5, report.actual_by_month[m], "#ee6666")):
            h = float(value / top) * (bottom - 25) if top else 0
            parts.append(f'<rect x="{x + band * offset:.1f}" y="{bottom - h:.1f}" width="{band * 0.38:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
        parts.append(f'<text x="{x + band * 0.25:.1f}" y="{bottom + 14}">{m + 1}月</text>')
    parts.append("</svg>")
    return "".join(parts)


def header(report: Execution, user_name: str) -> StatementHeader:
    budget = report.budget
    return StatementHeader(title=TITLE, institution=f"{budget.institution.code} {budget.institution.name}",
                           period=f"{budget.year} 年度（第 {budget.version} 版）", prepared_by=user_name)


def execution_file(report: Execution, fmt: str, user_name: str) -> FileResult:
    budget = report.budget
    name = f"{budget.institution.code}-{budget.year}-{TITLE}"
    if fmt == "xlsx":
        content = build_xlsx_sheets([
            XlsxSheet(TITLE, line_columns(), line_rows(report), header(report, user_name), totals=totals(report),
                      sheet_name="预算执行"),
            XlsxSheet("月度执行", month_columns(), month_rows(report), header(report, user_name), sheet_name="月度")])
        return FileResult(content, f"{name}.xlsx", XLSX_MIMETYPE)
    content = render_statement_pdf(header(report, user_name), "budget/execution_pdf.html", columns=line_columns(),
                                   rows=line_rows(report), totals=totals(report), landscape=True,
                                   chart=chart_svg(report), month_columns=month_columns(),
                                   month_rows=month_rows(report))
    return FileResult(content, f"{name}.pdf", PDF_MIMETYPE)
