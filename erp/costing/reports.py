"""科室成本报表 as a page, a PDF and an Excel workbook: columns, rows, totals and the reconciliation lines."""
from __future__ import annotations

from decimal import Decimal

from erp.core.api_framework import FileResult
from erp.core.models import COST_CLASS_TITLES
from erp.core.rendering import (PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, XlsxSheet, build_xlsx_sheets,
                                format_amount, render_statement_pdf)
from erp.costing.services import EXPENSE_TITLES, ZERO, DepartmentCostReport, base_title, element_summary, period_label

REPORT_TITLE = "科室成本报表"
MIMETYPES = {"pdf": PDF_MIMETYPE, "xlsx": XLSX_MIMETYPE}


def number_str(value: Decimal | None) -> str | None:
    """A driver figure without trailing zeros ("12.5", "100")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def report_columns(extended: bool = False) -> list[Column]:
    columns = [
        Column("code", "编码", "text", 0.6), Column("name", "科室", "text", 1.3),
        Column("cost_class", "类别", "text", 1.1), Column("direct", "直接成本", "amount"),
        Column("from_admin", "分摊行政后勤", "amount", blank_zero=True),
        Column("from_support", "分摊医疗辅助", "amount", blank_zero=True),
        Column("from_tech", "分摊医疗技术", "amount", blank_zero=True),
        Column("allocated_out", "分摊转出", "amount", blank_zero=True), Column("full_cost", "全成本", "amount"),
        Column("outpatient", "门诊成本", "amount"), Column("inpatient", "住院成本", "amount"),
    ]
    if extended:
        columns += [Column("visits", "门急诊人次", "amount"), Column("bed_days", "占用床日", "amount")]
    columns += [Column("cost_per_visit", "诊次成本", "amount"), Column("cost_per_bed_day", "床日成本", "amount")]
    return columns


def report_rows(report: DepartmentCostReport) -> list[dict]:
    return [{"code": r.department.code, "name": r.department.name,
             "cost_class": COST_CLASS_TITLES[r.department.cost_class], "direct": r.direct,
             "from_admin": r.from_admin, "from_support": r.from_support, "from_tech": r.from_tech,
             "allocated_out": r.allocated_out, "full_cost": r.full_cost, "outpatient": r.outpatient,
             "inpatient": r.inpatient, "visits": r.visits, "bed_days": r.bed_days,
             "cost_per_visit": r.cost_per_visit, "cost_per_bed_day": r.cost_per_bed_day} for r in report.rows]


def report_totals(report: DepartmentCostReport) -> dict:
    split = report.split_totals()
    return {"direct": report.total_direct, "from_admin": report.total("from_admin"),
            "from_support": report.total("from_support"), "from_tech": report.total("from_tech"),
            "allocated_out": report.total("allocated_out"), "full_cost": report.report_total,
            "outpatient": split["outpatient"], "inpatient": split["inpatient"], "visits": split["visits"],
            "bed_days": split["bed_days"], "cost_per_visit": split["cost_per_visit"],
            "cost_per_bed_day": split["cost_per_bed_day"]}


def reconciliation_lines(report: DepartmentCostReport) -> list[str]:
    parts = " + ".join(f"{EXPENSE_TITLES[p]}({p}) {format_amount(v)}" for p, v in report.ledger_by_prefix.items())
    lines = [f"账面费用：{parts} = {format_amount(report.ledger_total)}",
             f"科室成本合计：{format_amount(report.report_total)}    差额：{format_amount(report.difference)}"
             + ("（已核对一致）" if not report.difference else "（不一致：有费用未记到科室）")]
    plan = "；".join(f"{COST_CLASS_TITLES[p.from_class]}"
                     + (f"·{p.department.code} {p.department.name}" if p.department else "")
                     + f"：{p.title}" for p in report.plan)
    lines.append(f"分摊/拆分依据：{plan}")
    return lines


def report_header(report: DepartmentCostReport, prepared_by: str | None = None) -> StatementHeader:
    return StatementHeader(institution=report.institution.name, title=REPORT_TITLE, period=report.period.label,
                           prepared_by=prepared_by, subtitle="全成本核算 · 阶梯分摊（行政后勤→医疗辅助→医疗技术→临床服务）")


def report_pdf(report: DepartmentCostReport, prepared_by: str | None = None) -> bytes:
    return render_statement_pdf(report_header(report, prepared_by), "costing/statement_pdf.html",
                                columns=report_columns(), rows=report_rows(report), totals=report_totals(report),
                                landscape=True, reconciliation=reconciliation_lines(report),
                                warnings=report.warnings)


def report_xlsx(report: DepartmentCostReport, prepared_by: str | None = None) -> bytes:
    header = report_header(report, prepared_by)
    steps = []
    for step in report.steps:
        giver = report.departments[step.department_id]
        for share in step.shares:
            receiver = report.departments[share.department_id]
            steps.append({"from": f"{giver.code} {giver.name}", "class": COST_CLASS_TITLES[step.cost_class],
                          "base": base_title(step.cost_class, step.base_kind), "base_total": step.base_total,
                          "amount": step.amount, "to": f"{receiver.code} {receiver.name}",
                          "to_base": share.base, "share": share.amount})
    elements = [{"code": r.department.code, "name": r.department.name, "account": account.code,
                 "account_name": account.name, "amount": amount} for r in report.rows for account, amount in r.elements]
    summary = element_summary(report)
    return build_xlsx_sheets([
        XlsxSheet(REPORT_TITLE, report_columns(extended=True), report_rows(report), header=header,
                  header_lines=reconciliation_lines(report) + report.warnings, totals=report_totals(report),
                  sheet_name="科室成本"),
        XlsxSheet("成本分摊明细", [Column("from", "分摊科室", "text"), Column("class", "类别", "text"),
                                  Column("base", "分摊参数", "text"), Column("base_total", "参数合计", "amount"),
                                  Column("amount", "待分摊成本", "amount"), Column("to", "接收科室", "text"),
                                  Column("to_base", "接收科室参数", "amount"), Column("share", "分摊金额", "amount")],
                  steps, header=header, sheet_name="分摊明细"),
        XlsxSheet("直接成本明细", [Column("code", "科室编码", "text"), Column("name", "科室", "text"),
                                  Column("account", "成本项目(科目)", "text"), Column("account_name", "科目名称", "text"),
                                  Column("amount", "金额", "amount")],
                  elements, header=header, totals={"amount": sum((a for _, a in summary), ZERO)},
                  sheet_name="直接成本明细"),
    ])


def report_file(report: DepartmentCostReport, extension: str, prepared_by: str | None = None) -> FileResult:
    """The report as a PDF or Excel file (``extension`` pdf or xlsx)."""
    data = (report_pdf if extension == "pdf" else report_xlsx)(report, prepared_by)
    name = f"{REPORT_TITLE}_{report.institution.code}_{period_label(report.period).replace('..', '_')}.{extension}"
    return FileResult(data, name, MIMETYPES[extension])
