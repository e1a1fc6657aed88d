"""The budget's Excel template (预算模板): one row per line — 科目, 科室, 资金来源, 控制方式, 控制期间, 全年金额,
1–12 月, 说明. Exported from a budget, edited in Excel, imported back into a draft version. Amounts are read
exactly (a float cell through its shortest repr); bad rows → 422 naming ``rows[n].column``."""
from __future__ import annotations

import io
from decimal import Decimal

from erp.core.errors import BusinessError
from erp.core.rendering import Column, build_xlsx
from erp.budget.models import CONTROL_TITLES, Budget, BudgetVersion
from erp.budget.services.budgets import LineSpec

SHEET = "预算"
HEADERS = ["科目编码", "科目名称", "科室编码", "资金来源编码", "控制方式", "控制期间", "全年金额",
           *[f"{m}月" for m in range(1, 13)], "说明"]
CONTROL_BY_TITLE = {title: key for key, title in CONTROL_TITLES.items()}
PERIOD_BY_TITLE = {"按年度": "annual", "按月累计": "ytd"}
MAX_ROWS = 5000


def columns() -> list[Column]:
    keys = ["account", "account_name", "department", "funding_source", "control", "check_period", "amount",
            *[f"m{m:02d}" for m in range(1, 13)], "memo"]
    kinds = ["text"] * 6 + ["amount"] * 13 + ["text"]
    return [Column(key, title, kind) for key, title, kind in zip(keys, HEADERS, kinds)]


def export_version(budget: Budget, version: BudgetVersion | None = None) -> bytes:
    lines = version.lines if version is not None else (budget.lines or (budget.versions[0].lines if budget.versions else []))
    rows = []
    for line in lines:
        row = {"account": line.account.code, "account_name": line.account.name,
               "department": line.department.code if line.department else "",
               "funding_source": line.funding_source.code if line.funding_source else "",
               "control": CONTROL_TITLES[line.control.value],
               "check_period": "按月累计" if line.check_period == "ytd" else "按年度", "amount": line.amount,
               "memo": getattr(line, "memo", "")}
        row.update({f"m{m:02d}": value for m, value in enumerate(line.months, start=1)})
        rows.append(row)
    return build_xlsx(f"{budget.institution.name} {budget.year} 年度预算", columns(), rows, sheet_name=SHEET,
                      header_lines=[f"单位：{budget.institution.code} {budget.institution.name}",
                                    f"版本：{version.number if version else budget.version}"])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = repr(value)
        return value[:-2] if value.endswith(".0") else value
    return str(value).strip()


def _amount(value, where: str) -> str:
    text = _text(value) or "0"
    try:
        Decimal(text)
    except Exception:  # noqa: BLE001
        raise BusinessError.for_field(where, f"金额无效：{text} (not an amount)") from None
    return text


def read_lines(data: bytes) -> list[LineSpec]:
    """The lines of an uploaded template: the header row is found by its first cell 科目编码."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - not a workbook
        raise BusinessError.for_field("file", "不是有效的 Excel 文件 (.xlsx) (not an Excel workbook)") from None
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    specs, header_seen = [], False
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(row) + [None] * (len(HEADERS) - len(row))
        if not header_seen:
            header_seen = _text(cells[0]) == HEADERS[0]
            continue
        if not any(_text(c) for c in cells[:len(HEADERS)]) or _text(cells[0]) in ("合计", "Total"):
            continue
        where = f"rows[{number}]"
        control = CONTROL_BY_TITLE.get(_text(cells[4]), _text(cells[4]) or "stop")
        period = PERIOD_BY_TITLE.get(_text(cells[5]), _text(cells[5]) or "annual")
        months = [_amount(c, f"{where}.months") for c in cells[7:19]]
        specs.append(LineSpec(account=_text(cells[0]), amount=_amount(cells[6], f"{where}.amount"),
                              department=_text(cells[2]) or None, funding_source=_text(cells[3]) or None,
                              months=months if any(Decimal(m) for m in months) else None, control=control,
                              check_period=period, memo=_text(cells[19])[:256]))
        if len(specs) > MAX_ROWS:
            raise BusinessError.for_field("file", f"最多 {MAX_ROWS} 行 (at most {MAX_ROWS} rows)")
    if not header_seen:
        raise BusinessError.for_field("file", f"找不到表头「{HEADERS[0]}」(no header row)")
    return specs
