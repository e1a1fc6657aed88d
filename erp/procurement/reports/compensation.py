"""零差率 revenue forgone and its compensation as rows (page, JSON), a PDF and an Excel workbook."""
from __future__ import annotations

from decimal import Decimal

from erp.core.api_framework import FileResult
from erp.core.rendering import (PDF_MIMETYPE, XLSX_MIMETYPE, Column, StatementHeader, XlsxSheet, build_xlsx_sheets,
                                render_statement_pdf)
from erp.procurement.services.compensation import Compensation, CompensationRow

TITLE = "药品耗材零差率减少收入及补偿情况"
AMOUNTS = ("drug_cost", "consumable_cost", "forgone_drugs", "forgone_consumables", "forgone", "price_adjustment",
           "subsidy", "absorbed")
COLUMNS = [Column("member", "单位", "text", 2.4), Column("drug_cost", "药品销售（进价）", "amount"),
           Column("consumable_cost", "耗材销售（进价）", "amount"), Column("forgone_drugs", "药品减少加成收入", "amount"),
           Column("forgone_consumables", "耗材减少加成收入", "amount"), Column("forgone", "减少收入合计", "amount"),
           Column("price_adjustment", "调整医疗服务价格补偿", "amount"), Column("subsidy", "财政专项补助", "amount"),
           Column("absorbed", "医院自行消化", "amount")]


def percent(value: Decimal) -> str:
    return f"{value * 100:.2f}%"


def row_dict(row: CompensationRow) -> dict:
    name = f"{row.institution.code} {row.institution.name}" if row.institution else "合计"
    return {"member": name, **{key: getattr(row, key) for key in AMOUNTS}}


def compensation_rows(result: Compensation) -> list[dict]:
    return [row_dict(row) for row in result.members]


def compensation_totals(result: Compensation) -> dict:
    return {key: getattr(result.total, key) for key in AMOUNTS}


def basis_lines(result: Compensation) -> list[str]:
    ratios = result.ratios
    return [f"原加成率 {percent(result.former_markup)}（中药饮片仍可加成，不计入）；药品补偿比例：调整医疗服务价格 "
            f"{percent(ratios['price_adjustment'])}、财政专项补助 {percent(ratios['subsidy'])}、医院自行消化 "
            f"{percent(ratios['absorbed'])}；耗材减少的收入全部通过调整医疗服务价格补偿"]


def compensation_file(result: Compensation, community: str, extension: str, prepared_by: str | None) -> FileResult:
    header = StatementHeader(institution=community, title=TITLE, period=result.period, prepared_by=prepared_by,
                             subtitle=basis_lines(result)[0])
    rows, totals = compensation_rows(result), compensation_totals(result)
    if extension == "pdf":
        data = render_statement_pdf(header, columns=COLUMNS, rows=rows, totals=totals, landscape=True)
        return FileResult(data, f"{TITLE}_{result.period}.pdf", PDF_MIMETYPE)
    data = build_xlsx_sheets([XlsxSheet(TITLE, COLUMNS, rows, header=header, header_lines=basis_lines(result),
                                        totals=totals, sheet_name="零差率补偿")])
    return FileResult(data, f"{TITLE}_{result.period}.xlsx", XLSX_MIMETYPE)
