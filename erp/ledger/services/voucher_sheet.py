"""The workbook of the Excel import of vouchers (凭证导入): its columns, the template, the reader, exact cell
values and the error report. The import itself (grouping, checking, creating drafts) is
:mod:`erp.ledger.services.voucher_import`.

Amounts are read exactly: a numeric Excel cell arrives from openpyxl as ``int`` or ``float``; a float is
turned into its shortest repr (what Excel wrote) and then into a ``Decimal``; more than two decimals are
refused, never rounded (a formula like ``=A2*0.13`` must be wrapped in ROUND by the user).
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from erp.core.errors import BusinessError
from erp.core.money import MoneyError, parse_amount
from erp.core.rendering import build_xlsx

MAX_ROWS = 20000
MAX_FILE_BYTES = 10 * 1024 * 1024
SHEET_NAME = "凭证"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ImportColumn:
    key: str
    title: str  # the header written in the template
    required: bool
    width: int
    help: str
    example: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("voucher", "凭证号(分组键)", True, 14,
                 "分组键：同一凭证号的各行组成一张凭证（不是正式凭证号，正式编号在记账时生成）。"
                 "留空表示与上一行属于同一张凭证（可合并单元格）。", "1", ("凭证号", "分组键")),
    ImportColumn("institution", "单位编码", True, 12, "成员单位编码（示例行已填入您的单位）；须在您的权限范围内。"
                 "同一凭证只需在第一行填写，其余行留空或相同。", "", ("单位", "成员单位编码")),
    ImportColumn("date", "日期", True, 12, "凭证日期，Excel 日期或文本 YYYY-MM-DD；所在会计期间必须未结账。"
                 "同一凭证只需在第一行填写。", "", ("凭证日期",)),
    ImportColumn("memo", "摘要", False, 24, "凭证摘要（最多 256 字）；同一凭证只需在第一行填写。", "门诊收费",
                 ("凭证摘要",)),
    ImportColumn("attachments", "附件张数", False, 10, "附件张数，0–999 的整数；留空为 0。", "2", ("附件",)),
    ImportColumn("account", "科目编码", True, 16, "末级财务会计科目编码（预算会计分录由平行记账自动生成，"
                 "不要录入 6/7/8 开头的预算科目）。请设置为文本格式，以免丢失前导零。", "1001", ("科目", "科目代码")),
    ImportColumn("debit", "借方", False, 14, "借方金额，最多两位小数，不能为负数；每行借方、贷方只能填一个。",
                 "1000.00", ("借方金额",)),
    ImportColumn("credit", "贷方", False, 14, "贷方金额，最多两位小数，不能为负数。", "", ("贷方金额",)),
    ImportColumn("department", "科室", False, 10, "科室编码（本单位的科室，如 01）；业务活动费用、单位管理费用等"
                 "科目必填。请设置为文本格式。", "", ("科室编码",)),
    ImportColumn("partner", "往来单位", False, 12, "往来单位编码，如 S001；应付账款、预付账款等往来科目必填。", "",
                 ("往来单位编码",)),
    ImportColumn("funding_source", "资金来源", False, 10, "资金来源编码，如 F01、N01。", "", ("资金来源编码",)),
    ImportColumn("project", "项目", False, 10, "项目编码，如 P001。", "", ("项目编码",)),
    ImportColumn("line_memo", "行摘要", False, 24, "本行分录的摘要（可选）。", "", ("分录摘要",)),
)
# Recognised when present (not in the template): the employee dimension, a cash line's 现金流量项目.
OPTIONAL_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("employee", "职工", False, 10, "职工编码（可选列，需要时在末尾自行添加此列）。", "", ("职工编码",)),
    ImportColumn("cash_flow_item", "现金流量项目", False, 14, "货币资金分录的现金流量项目代码（可选列；不填则按"
                 "对方科目确定）。", "", ("现金流量项目代码",)),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS + OPTIONAL_COLUMNS}
REQUIRED_HEADERS = ("voucher", "institution", "date", "account", "debit", "credit")  # columns the sheet must have
HEADER_FIELDS = ("institution", "date", "memo", "attachments")  # voucher-level: first row of the group
LINE_DIMENSIONS = ("department", "partner", "funding_source", "project", "employee")
# Service field suffix (lines[i].<name>) -> import column key
SERVICE_FIELD_COLUMNS = {"account": "account", "debit": "debit", "credit": "credit", "memo": "line_memo",
                         "cash_flow_item": "cash_flow_item", **{d: d for d in LINE_DIMENSIONS}}


@dataclass
class RowError:
    row: int  # the Excel row number (1 = the header row; 0 = the file itself)
    column: str  # the column's title, "" when the message is about the whole row or file
    message: str
    voucher: str = ""  # the grouping key
    value: str = ""  # what the cell held


class ImportFailed(BusinessError):
    """The file was refused; ``errors`` is the row-by-row report. Nothing may be committed."""

    code = "import_failed"

    def __init__(self, errors: list[RowError]):
        errors = sorted(errors, key=lambda e: (e.row, _column_order(e.column)))
        super().__init__(f"导入失败：{len(errors)} 处错误，未导入任何凭证 (import refused: nothing was written)")
        self.errors = errors


def _column_order(title: str) -> int:
    for index, column in enumerate(COLUMNS + OPTIONAL_COLUMNS):
        if column.title == title:
            return index
    return -1


@dataclass
class SourceRow:
    number: int  # Excel row number
    cells: dict[str, Any]  # column key -> raw cell value


# ------------------------------------------------------------------------------------------- template


def build_template(example_institution: str, example_date: date) -> bytes:
    """The import template: the 凭证 sheet (headers, an example voucher, text-formatted code columns) and
    a 填写说明 sheet explaining every column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.title)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.help, "yigong-erp")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.key in ("debit", "credit"):
            ws.column_dimensions[letter].number_format = "#,##0.00"
        elif column.key == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.key != "attachments":
            ws.column_dimensions[letter].number_format = "@"  # codes stay text: "01" keeps its zero
    example = [
        {"voucher": "1", "institution": example_institution, "date": example_date, "memo": "门诊收费（示例，请删除）",
         "attachments": 2, "account": "1001", "debit": Decimal("1000.00"), "line_memo": "现金收款"},
        {"voucher": "1", "account": "410101010801", "credit": Decimal("600.00"), "line_memo": "西药收入"},
        {"voucher": "1", "account": "4101010105", "credit": Decimal("400.00"), "line_memo": "治疗收入"},
    ]
    for offset, values in enumerate(example, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            value = values.get(column.key)
            cell = ws.cell(row=offset, column=index)
            if value is None:
                continue
            if isinstance(value, Decimal):
                cell.value = value
                cell._value = format(value, "f")  # exact digits, never through float
                cell.number_format = "#,##0.00"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, int):
                cell.value = value
            else:
                cell.value = str(value)
                cell.number_format = "@"
            cell.font = Font(color="808080", italic=True)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 90
    notes.append(["凭证导入说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        "1. 每行是一条分录；第一列“凭证号(分组键)”相同的行组成一张凭证（留空＝与上一行同一张凭证）。",
        "2. 导入的凭证为“未记账”草稿，由记账人审核记账；预算会计分录在记账时按平行记账规则自动生成。",
        "3. 全部成功才导入：任何一行有错，整个文件都不导入，并给出逐行错误报告（可下载 Excel）。",
        "4. 金额最多两位小数，不会四舍五入；公式计算的金额请用 ROUND(…,2)。",
        "5. 示例行（灰色斜体）仅供参考，导入前请删除。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["列名", "必填", "说明"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = header_fill
    for column in COLUMNS + OPTIONAL_COLUMNS:
        notes.append([column.title, "是" if column.required else "", column.help])
        notes.cell(row=notes.max_row, column=3).alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -------------------------------------------------------------------------------------------- reading


def _header_key(title: Any) -> str | None:
    if title is None:
        return None
    text = unicodedata.normalize("NFKC", str(title)).strip().lstrip("*").strip()
    text = re.sub(r"\(.*?\)$", "", text).strip()  # "凭证号(分组键)" -> "凭证号"
    for column in COLUMNS + OPTIONAL_COLUMNS:
        names = {re.sub(r"\(.*?\)$", "", column.title).strip(), *column.aliases}
        if text in names:
            return column.key
    return None


def read_rows(data: bytes) -> list[SourceRow]:
    """The data rows of the workbook's 凭证 sheet (or its first sheet), keyed by column; raises ImportFailed
    for a file that is not a readable .xlsx or lacks a required column."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed([RowError(0, "", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请分批导入")])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise ImportFailed([RowError(0, "", "无法读取文件：请上传 Excel .xlsx 文件（旧版 .xls 请先另存为 .xlsx）")]) \
            from None
    try:
        sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFailed([RowError(1, "", "工作表是空的：第 1 行应为列标题")])
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            key = _header_key(title)
            if key and key not in positions:
                positions[key] = index
        missing = [c.title for c in COLUMNS if c.key in REQUIRED_HEADERS and c.key not in positions]
        if missing:
            raise ImportFailed([RowError(1, title, f"缺少必需的列：{title}（请使用导入模板）") for title in missing])
        result: list[SourceRow] = []
        for number, values in enumerate(rows, start=2):
            cells = {key: values[index] if index < len(values) else None for key, index in positions.items()}
            if all(is_empty(value) for value in cells.values()):
                continue
            if len(result) >= MAX_ROWS:
                raise ImportFailed([RowError(number, "", f"超过 {MAX_ROWS} 行，请分批导入")])
            result.append(SourceRow(number, cells))
        return result
    finally:
        workbook.close()


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any, fold: bool = True) -> str:
    """A cell as text: numbers typed into a code column lose no digits (1001.0 -> "1001"); codes are
    folded to ASCII (full-width digits typed with an IME), free text (``fold=False``) is kept as typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip() if fold else str(value).strip()


def shown(value: Any) -> str:
    return cell_text(value, fold=False)


def exact_amount(value: Any, field: str = "amount") -> Decimal:
    """An Excel cell as an exact amount. A float becomes its shortest repr (never ``Decimal(float)``)."""
    if is_empty(value):
        return ZERO
    if isinstance(value, bool):
        raise MoneyError(f"金额格式不正确：{value!r}", field=field)
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch not in ", \t\u00a0¥").strip()
    else:
        raise MoneyError(f"金额格式不正确：{value!r}", field=field)
    return parse_amount(text, field=field)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def exact_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 <= value <= 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()  # a date serial in a cell formatted as a number
    text = cell_text(value)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"日期格式不正确：{text!r}（应为 YYYY-MM-DD）")


def attachment_count(value: Any) -> int:
    if is_empty(value):
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value)
    if not text.isdigit() or not 0 <= int(text) <= 999:
        raise ValueError(f"附件张数应为 0–999 的整数：{text!r}")
    return int(text)


def error_report_xlsx(errors: list[RowError], filename: str = "") -> bytes:
    columns = [{"key": "row", "label": "行号", "kind": "int"}, {"key": "column", "label": "列"},
               {"key": "voucher", "label": "凭证号"}, {"key": "value", "label": "单元格内容"},
               {"key": "message", "label": "错误说明"}]
    rows = [{"row": e.row, "column": e.column, "voucher": e.voucher, "value": e.value, "message": e.message}
            for e in errors]
    lines = [f"文件：{filename}"] if filename else []
    lines.append(f"共 {len(errors)} 处错误；整个文件未导入，请修改后重新上传。")
    return build_xlsx("凭证导入错误报告", columns, rows, header_lines=lines, sheet_name="错误报告")
