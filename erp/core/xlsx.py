"""The one Excel service every module reuses: ``build_xlsx(title, columns, rows, ...)`` (one sheet) and
``build_xlsx_sheets(sheets)`` (several) write real numbers with number formats. Amounts are
``decimal.Decimal`` and are written to the XML exactly as their decimal digits (openpyxl itself would format
them through ``float`` with ``%.16g``: Decimal('9.95') would be stored as 9.949999999999999). Re-exported by
erp.core.rendering, where modules import it from."""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from erp.core.formatting import (TOTAL_LABEL, StatementHeader, as_decimal, format_amount, make_columns,
                                 make_header)
from erp.core.timeutil import to_local


_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
AMOUNT_FORMAT = "#,##0.00"
INT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_NUMBER_FORMATS = {
    "amount": AMOUNT_FORMAT,
    "int": INT_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}


def sanitize_sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """Excel rules: at most 31 chars, none of []:*?/\\, not starting/ending with ', unique."""
    clean = _SHEET_NAME_BAD.sub("_", str(name or "")).strip().strip("'").strip()
    clean = clean[:31] or "Sheet1"
    taken_lower = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in taken_lower:
        suffix = f"({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def display_width(text: str) -> int:
    """Columns a string needs: CJK (wide/fullwidth) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@dataclass
class XlsxSheet:
    title: str
    columns: Sequence[Any]
    rows: Iterable[Mapping[str, Any]]
    header: StatementHeader | Mapping[str, Any] | None = None
    header_lines: Sequence[str] = ()
    totals: Mapping[str, Any] | None = None
    sheet_name: str | None = None


def _excel_value(value: Any, kind: str) -> Any:
    """The Python value for the cell (amounts/ints as Decimal, never float)."""
    if value is None:
        return None
    if kind in ("amount", "int"):
        number = as_decimal(value)
        if kind == "int":
            if number != number.to_integral_value():
                raise ValueError(f"not an integer: {value!r}")
            return int(number)
        return number
    if kind == "date":
        if isinstance(value, datetime):
            return to_local(value).date()
        if isinstance(value, date):
            return value
        raise TypeError(f"not a date: {value!r}")
    if kind == "datetime":
        if isinstance(value, datetime):
            return to_local(value).replace(tzinfo=None)  # Excel has no time zones
        if isinstance(value, date):
            return value
        raise TypeError(f"not a datetime: {value!r}")
    return str(value)


def _set_cell(cell, value: Any) -> None:
    """Assign a value; Decimals are stored with their exact digits, text is never a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if cell.data_type == "f":  # user text like '=HYPERLINK(...)' must stay text
            cell.data_type = "s"
    elif isinstance(value, Decimal):
        cell.value = value  # data_type 'n'
        # openpyxl would write '%.16g' % value, i.e. through float (9.95 -> 9.949999999999999).
        # A str in a numeric cell is written verbatim: the exact decimal digits, no exponent.
        # abs of a zero: a credit line with no balance is -(0.00), which Excel shows as -0.00
        cell._value = format(abs(value) if value.is_zero() else value, "f")
    else:
        cell.value = value


def _write_sheet(ws, sheet: XlsxSheet) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    cols = make_columns(sheet.columns)
    ncols = len(cols)
    bold = Font(bold=True)
    thin = Side(style="thin")
    rule = Border(top=thin, bottom=thin)
    widths = [display_width(c.label) for c in cols]
    r = 1

    title_lines: list[tuple[str, Font]] = []
    if sheet.header is not None:
        hdr = make_header(sheet.header)
        title_lines.append((hdr.title, Font(bold=True, size=14)))
        if hdr.subtitle:
            title_lines.append((hdr.subtitle, Font(size=11)))
        meta = [f"编制单位：{hdr.institution}", hdr.period, f"单位：{hdr.unit}"]
        if hdr.code:
            meta.append(hdr.code)
        title_lines.append(("    ".join(meta), Font()))
    elif sheet.title:
        title_lines.append((sheet.title, Font(bold=True, size=14)))
    title_lines.extend((line, Font()) for line in sheet.header_lines)
    for i, (text, font) in enumerate(title_lines):
        cell = ws.cell(row=r, column=1)
        _set_cell(cell, text)
        cell.font = font
        if i == 0 and ncols > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            cell.alignment = Alignment(horizontal="center")
        r += 1

    header_row = r
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=r, column=j, value=col.label)
        cell.font = bold
        cell.border = rule
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r += 1

    def write_row(values: Mapping[str, Any], font=None, border=None) -> None:
        nonlocal r
        for j, col in enumerate(cols, start=1):
            value = _excel_value(values.get(col.key), col.kind)
            cell = ws.cell(row=r, column=j)
            _set_cell(cell, value)
            if col.kind in _NUMBER_FORMATS:
                cell.number_format = _NUMBER_FORMATS[col.kind]
                if col.blank_zero and col.numeric:  # zero shows blank, stays a number
                    cell.number_format += f";-{cell.number_format};"
            if font is not None:
                cell.font = font
            if border is not None:
                cell.border = border
            if value is not None:
                if col.kind == "amount":
                    shown = len(format_amount(value))
                elif isinstance(value, datetime):
                    shown = 16
                elif col.kind == "date" or isinstance(value, date):
                    shown = 10
                else:
                    shown = display_width(str(value))
                if shown > widths[j - 1]:
                    widths[j - 1] = shown
        r += 1

    for row in sheet.rows:
        write_row(row)
    if sheet.totals is not None:
        totals = dict(sheet.totals)
        if cols[0].kind == "text" and not totals.get(cols[0].key):
            totals[cols[0].key] = TOTAL_LABEL
        write_row(totals, font=bold, border=Border(top=thin))

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 6), 60)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if ncols > 6:
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build_xlsx_sheets(sheets: Iterable[XlsxSheet]) -> bytes:
    """A workbook with one worksheet per XlsxSheet, as .xlsx bytes."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: list[str] = []
    for sheet in sheets:
        name = sanitize_sheet_name(sheet.sheet_name or sheet.title, taken)
        taken.append(name)
        _write_sheet(wb.create_sheet(title=name), sheet)
    if not taken:
        raise ValueError("a workbook needs at least one sheet")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_xlsx(
    title: str,
    columns: Sequence[Any],
    rows: Iterable[Mapping[str, Any]],
    *,
    header: StatementHeader | Mapping[str, Any] | None = None,
    header_lines: Sequence[str] = (),
    totals: Mapping[str, Any] | None = None,
    sheet_name: str | None = None,
) -> bytes:
    """One-sheet tabular export: title rows (from header or title + header_lines), a bold
    header row with frozen panes below it, typed cells with number formats, optional totals."""
    return build_xlsx_sheets(
        [XlsxSheet(title, columns, rows, header, header_lines, totals, sheet_name)]
    )
