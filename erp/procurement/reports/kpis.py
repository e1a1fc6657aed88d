"""The procurement KPIs as rows (page, JSON), a PDF and an Excel workbook."""
from __future__ import annotations

from decimal import Decimal

from erp.core.api_framework import FileResult
from erp.core.rendering import (PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, XlsxSheet, build_xlsx_sheets,
                                render_statement_pdf)
from erp.procurement.services.kpis import Kpis, MemberKpis

TITLE = "采购绩效指标"
MEMBER_COLUMNS = [Column("member", "单位", "text", 2.4), Column("online_drugs", "药品网采率%", "text"),
                  Column("online_high_value", "高值耗材网采率%", "text"), Column("vbp_share", "集采中选药品占比%", "text"),
                  Column("negotiated_coverage", "谈判药品配备率%", "text"), Column("turnover_days", "库存周转天数", "text")]
VBP_COLUMNS = [Column("item", "集采中选品种", "text", 2.6), Column("agreed", "约定采购量", "int"),
               Column("bought", "已采购", "int"), Column("completion", "完成率%", "text")]


def text(value: Decimal | None) -> str:
    return "—" if value is None else format(value, "f")


def member_row(kpi: MemberKpis) -> dict:
    name = f"{kpi.institution.code} {kpi.institution.name}" if kpi.institution else "医共体合计"
    return {"member": name, **{key: text(getattr(kpi, key)) for key in
                               ("online_drugs", "online_high_value", "vbp_share", "negotiated_coverage", "turnover_days")}}


def kpi_rows(result: Kpis) -> list[dict]:
    return [member_row(result.community)] + [member_row(m) for m in result.members]


def vbp_rows(result: Kpis) -> list[dict]:
    return [{"item": f"{row['item'].code} {row['item'].generic_name}", "agreed": row["agreed"], "bought": row["bought"],
             "completion": text(row["completion"])} for row in result.vbp_completion]


def summary_lines(result: Kpis) -> list[str]:
    return [f"目标：药品网采率 ≥ {result.targets['online_drugs']:.0f}%，高值耗材网采率 ≥ {result.targets['online_high_value']:.0f}%",
            f"按期付款率：{text(result.on_time_rate)}%；集采序时进度：{text(result.elapsed)}%"]


def kpi_file(result: Kpis, community: str, extension: str, prepared_by: str | None) -> FileResult:
    header = StatementHeader(institution=community, title=TITLE, period=result.period, unit="%",
                             prepared_by=prepared_by, subtitle="；".join(summary_lines(result)))
    if extension == "pdf":
        data = render_statement_pdf(header, columns=MEMBER_COLUMNS, rows=kpi_rows(result) + [
            {"member": "——集采约定采购量完成情况——"}] + [
            {"member": r["item"], "online_drugs": f"约定 {r['agreed']}", "online_high_value": f"已采 {r['bought']}",
             "vbp_share": r["completion"]} for r in vbp_rows(result)], landscape=True)
        return FileResult(data, f"{TITLE}_{result.period}.pdf", PDF_MIMETYPE)
    data = build_xlsx_sheets([
        XlsxSheet(TITLE, MEMBER_COLUMNS, kpi_rows(result), header=header, header_lines=summary_lines(result),
                  sheet_name="采购指标"),
        XlsxSheet("集采完成情况", VBP_COLUMNS, vbp_rows(result), header=header, sheet_name="集采完成")])
    return FileResult(data, f"{TITLE}_{result.period}.xlsx", XLSX_MIMETYPE)
