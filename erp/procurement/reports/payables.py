"""货款支付情况公示 as a PDF and an Excel workbook."""
from __future__ import annotations

from erp.core.api_framework import FileResult
from erp.core.rendering import (PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, XlsxSheet, build_xlsx_sheets,
                                render_statement_pdf)
from erp.procurement.services.publication import Publication

TITLE = "药品耗材货款支付情况公示"
COLUMNS = [Column("supplier", "供应商", "text", 2.4), Column("invoices", "发票张数", "int"),
           Column("due", "应付金额", "amount"), Column("on_time", "按期支付", "amount"),
           Column("late", "逾期支付", "amount", blank_zero=True), Column("days_late", "最长逾期天数", "int", blank_zero=True),
           Column("unpaid", "未支付", "amount", blank_zero=True)]


def publication_rows(result: Publication) -> list[dict]:
    return [{"supplier": f"{r.supplier.code} {r.supplier.name}", "invoices": r.invoices, "due": r.due,
             "on_time": r.on_time, "late": r.late, "days_late": r.days_late, "unpaid": r.unpaid} for r in result.rows]


def publication_totals(result: Publication) -> dict:
    return {"invoices": sum(r.invoices for r in result.rows), "due": result.total("due"),
            "on_time": result.total("on_time"), "late": result.total("late"), "unpaid": result.total("unpaid")}


def publication_file(result: Publication, community: str, extension: str, prepared_by: str | None) -> FileResult:
    rate = result.on_time_rate
    note = f"按期支付率：{rate * 100:.2f}%" if rate is not None else "本期无到期货款"
    header = StatementHeader(institution=community, title=TITLE, period=result.period, prepared_by=prepared_by,
                             subtitle=f"按到期月份统计；付款期限为验收后约定天数 · {note}")
    if extension == "pdf":
        data = render_statement_pdf(header, columns=COLUMNS, rows=publication_rows(result),
                                    totals=publication_totals(result), landscape=True)
        return FileResult(data, f"{TITLE}_{result.period}.pdf", PDF_MIMETYPE)
    data = build_xlsx_sheets([XlsxSheet(TITLE, COLUMNS, publication_rows(result), header=header, header_lines=[note],
                                        totals=publication_totals(result), sheet_name="货款支付公示")])
    return FileResult(data, f"{TITLE}_{result.period}.xlsx", XLSX_MIMETYPE)
