"""Excel import of the catalogue: all or nothing, a row-by-row error report, re-import updates by code.

The sheet's first row names the columns (the headers of :data:`COLUMNS` — the export's layout — or the API
field names); order is free, unknown columns are ignored. Every row is checked first
(code form, category, required texts, units, flags, a code twice in the file); one error anywhere and
:class:`CatalogueImportFailed` lists them all, nothing written. Otherwise new codes are inserted and known
codes updated in bulk statements (the national list has ~50,000 rows); the audit log gets every row (new
items by the 500, see ``AUDIT_CHUNK``; each changed item its own entry).
"""
from __future__ import annotations

import io
from enum import Enum
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp.core.audit import defer, jsonable
from erp.core.errors import BusinessError, Conflict
from erp.core.timeutil import utcnow
from erp.procurement.models import FLAGS, CatalogueItem, ItemCategory
from erp.procurement.services.catalogue import REQUIRED_FIELDS, TEXT_FIELDS
from erp.procurement.services.codes import CATEGORY_OF_KIND, InvalidCode, check_code
from erp.procurement.services.sheet import NotAWorkbook, read_rows

CHUNK = 2000
# New items are logged AUDIT_CHUNK to an entry (action "import", record_id "first id-last id", every item's
# full row in "items"): the chain holds all of it, and the national list's import stays within its minute.
# A change to a known item is one entry per item, as any update.
AUDIT_CHUNK = 500
MAX_ERRORS = 1000  # a report beyond this stops listing (the count is still given)
TRUE_TEXT = {"是", "Y", "YES", "TRUE", "1", "√", "✓"}
FALSE_TEXT = {"否", "N", "NO", "FALSE", "0", ""}
CATEGORY_TEXT = {"drug": ItemCategory.DRUG, "药品": ItemCategory.DRUG, "西药": ItemCategory.DRUG,
                 "中成药": ItemCategory.DRUG, "consumable": ItemCategory.CONSUMABLE, "耗材": ItemCategory.CONSUMABLE,
                 "医用耗材": ItemCategory.CONSUMABLE, "herbal": ItemCategory.HERBAL, "中药饮片": ItemCategory.HERBAL,
                 "饮片": ItemCategory.HERBAL}
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class RowError:
    row: int          # the Excel row number (1 = the header); 0 = the file itself
    column: str       # the column's header
    value: str
    message: str


class CatalogueImportFailed(BusinessError):
    code = "import_failed"

    def __init__(self, errors: list[RowError], total: int):
        shown = errors[:MAX_ERRORS]
        super().__init__(f"目录导入失败：{len(errors)} 处错误，未导入任何行 ({len(errors)} errors in {total} rows: "
                         f"nothing imported)",
                         {f"row {e.row}" + (f".{e.column}" if e.column else ""): [e.message] for e in shown[:50]})
        self.errors, self.total = shown, total


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


# (field, header) in sheet order, the export's layout too; the flags are one column each, "是" when set.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "医保编码"), ("category", "类别"), ("generic_name", "通用名"), ("trade_name", "商品名"),
    ("dosage_form", "剂型"), ("specification", "规格"), ("package_unit", "包装单位"), ("min_unit", "最小单位"),
    ("units_per_package", "包装数量"), ("manufacturer", "生产企业"), ("approval_number", "批准文号"),
    ("vbp", "国家集采中选"), ("negotiated", "国家谈判药品"), ("essential", "国家基本药物"), ("insurance_a", "医保甲类"),
    ("insurance_b", "医保乙类"), ("consistency", "通过一致性评价"), ("high_value", "高值耗材"), ("shortage", "短缺监测"),
    ("active", "启用"),
)


def _headers() -> dict[str, str]:
    names = {header: key for key, header in COLUMNS}
    names.update({key: key for key, _ in COLUMNS})
    return names


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).upper()
    return True if text in TRUE_TEXT else False if text in FALSE_TEXT else None


def _parse_row(number: int, cells: dict[str, Any], header_of: dict[str, str], errors: list[RowError]
               ) -> dict[str, Any] | None:
    def fail(key: str, message: str) -> None:
        errors.append(RowError(number, header_of.get(key, key), _text(cells.get(key)), message))

    before = len(errors)
    row: dict[str, Any] = {}
    category_text = _text(cells.get("category"))
    category = CATEGORY_TEXT.get(category_text.lower() if category_text.isascii() else category_text)
    if category_text and category is None:
        fail("category", "类别应为 drug/consumable/herbal（药品/医用耗材/中药饮片） (unknown category)")
    try:
        checked = check_code(_text(cells.get("code")), category)
        row.update(code=checked.code, kind=checked.kind, category=CATEGORY_OF_KIND[checked.kind],
                   code_warning=checked.warning)
    except InvalidCode as exc:
        fail("code" if "code" in exc.fields else "category", exc.message)
    for key, width in TEXT_FIELDS.items():
        if key in cells:
            text = _text(cells[key])
            if len(text) > width:
                fail(key, f"超过 {width} 个字符 (longer than {width} characters)")
            row[key] = text
    for key in REQUIRED_FIELDS:
        if not row.get(key):
            fail(key, "不能为空 (required)")
    if "units_per_package" in cells:
        units = cells["units_per_package"]
        text = _text(units)
        if isinstance(units, bool) or not text.isdigit() or not 0 < int(text) <= 1_000_000:
            fail("units_per_package", "包装数量应为正整数 (a positive whole number)")
        else:
            row["units_per_package"] = int(text)
    for key in (*FLAGS, "active"):
        if key in cells:
            value = _flag(cells[key])
            if value is None:
                fail(key, "应为 是/否 (yes or no)")
            row[key] = value
    if row.get("insurance_a") and row.get("insurance_b"):
        fail("insurance_b", "医保甲类与乙类不能同时标记 (insurance_a and insurance_b exclude each other)")
    return row if len(errors) == before else None


def read_catalogue(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    """(Excel row number, {field: cell value}) for every non-empty row, and field → header."""
    try:
        rows = read_rows(data)
        header = next(rows, None) or ()
        names = _headers()
        columns = [(index, names.get(_text(title))) for index, title in enumerate(header)]
        columns = [(index, key) for index, key in columns if key]
        header_of = {key: _text(header[index]) for index, key in columns}
        missing = [key for key in ("code", "category", *REQUIRED_FIELDS) if key not in header_of]
        if missing:
            raise CatalogueImportFailed([RowError(1, key, "", "缺少此列 (missing column)") for key in missing], 0)
        found = []
        for number, values in enumerate(rows, start=2):
            cells = {key: values[index] if index < len(values) else None for index, key in columns}
            if any(value is not None and _text(value) for value in cells.values()):
                found.append((number, cells))
        return found, header_of
    except NotAWorkbook as exc:
        raise CatalogueImportFailed([RowError(0, "", "", f"不是有效的 Excel (.xlsx) 文件 (not an .xlsx workbook: "
                                                         f"{exc})")], 0) from None


def import_catalogue(session: Session, community_id: int, data: bytes,
                     progress: Progress | None = None) -> ImportResult:
    """Import a workbook into the community catalogue (see the module text); raises
    :class:`CatalogueImportFailed` with every error, having written nothing."""
    report = progress or (lambda stage, done, total: None)
    rows, header_of = read_catalogue(data)
    errors: list[RowError] = []
    parsed: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    warnings: list[RowError] = []
    for done, (number, cells) in enumerate(rows, start=1):
        row = _parse_row(number, cells, header_of, errors)
        if row is not None:
            if row["code"] in parsed:
                errors.append(RowError(number, header_of["code"], row["code"],
                                       f"编码与第 {first_row[row['code']]} 行重复 (the code is twice in the file)"))
                continue
            parsed[row["code"]], first_row[row["code"]] = row, number
            if row["code_warning"]:
                warnings.append(RowError(number, header_of["code"], row["code"], row["code_warning"]))
        if done % 5000 == 0:
            report("check", done, len(rows))
    if not rows and not errors:
        errors.append(RowError(0, "", "", "文件中没有目录行 (no rows)"))
    if errors:
        raise CatalogueImportFailed(errors, len(rows))
    report("check", len(rows), len(rows))
    dbapi_integrity = session.get_bind().dialect.dbapi.IntegrityError  # COPY speaks to the driver directly
    try:
        return _write(session, community_id, parsed, warnings, report)
    except (IntegrityError, dbapi_integrity) as exc:  # another import or clerk added one of the codes meanwhile
        raise Conflict("目录正被他人同时修改，请稍后重新导入 (the catalogue changed concurrently: import again)",
                       code="concurrent_change") from exc


def _write(session: Session, community_id: int, parsed: dict[str, dict[str, Any]], warnings: list[RowError],
           report: Progress) -> ImportResult:
    result = ImportResult(warnings=warnings)
    columns = [c for c in CatalogueItem.__table__.columns]
    existing = {row.code: row for row in session.execute(
        select(*columns).where(CatalogueItem.community_id == community_id))}
    now, total = utcnow(), len(parsed)
    new_rows, changed_rows, records = [], [], []
    for code, row in parsed.items():
        old = existing.get(code)
        if old is None:
            new_rows.append({"community_id": community_id, "trade_name": "", "dosage_form": "", "specification": "",
                             "manufacturer": "", "approval_number": "", "units_per_package": 1, "active": True,
                             **{flag: False for flag in FLAGS}, **row, "created_at": now})
            continue
        before = {key: value for key, value in row.items() if getattr(old, key) != value}
        if not before:
            result.unchanged += 1
            continue
        changed_rows.append({"id": old.id, **{key: row[key] for key in before}})
        records.append(("update", old.id, {key: jsonable(getattr(old, key)) for key in before},
                        {key: jsonable(row[key]) for key in before}))
    _insert(session, new_rows, lambda count: report("write", count, total))
    if new_rows:
        ids = dict(session.execute(select(CatalogueItem.code, CatalogueItem.id).where(
            CatalogueItem.community_id == community_id)).all())
        for start in range(0, len(new_rows), AUDIT_CHUNK):
            chunk = [{"id": ids[row["code"]], **{k: jsonable(v) for k, v in row.items()}}
                     for row in new_rows[start:start + AUDIT_CHUNK]]
            records.append(("import", f"{chunk[0]['id']}-{chunk[-1]['id']}", None, {"items": chunk}))
    done = len(new_rows)
    for start in range(0, len(changed_rows), CHUNK):
        session.execute(update(CatalogueItem), changed_rows[start:start + CHUNK])
        done += len(changed_rows[start:start + CHUNK])
        report("write", done, total)
    defer(session, [{"action": action, "model": "CatalogueItem", "record_id": str(item_id), "institution_id": None,
                     "before": before, "after": after} for action, item_id, before, after in records])
    result.created, result.updated = len(new_rows), len(changed_rows)
    report("write", total, total)
    return result


def _insert(session: Session, rows: list[dict[str, Any]], report: Callable[[int], None]) -> None:
    """Insert new items: COPY on PostgreSQL (the fastest way in; no statement to build per row), batched
    executemany elsewhere. Same columns and values either way."""
    if not rows:
        return
    table = CatalogueItem.__table__
    names = [column.name for column in table.columns if column.name != "id"]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start:start + CHUNK])
            report(min(start + CHUNK, len(rows)))
        return
    bind = {column.name: column.type.bind_processor(connection.dialect) for column in table.columns}
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for count, row in enumerate(rows, start=1):
            copy.write_row([bind[name](row[name]) if bind[name] else _plain(row[name]) for name in names])
            if count % CHUNK == 0:
                report(count)
    report(len(rows))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def error_report(errors: list[RowError], filename: str = "") -> bytes:
    """The errors as a workbook the clerk can fix the file from (row, column, cell, message)."""
    return _report("导入错误", [f"目录导入错误报告 {filename}".strip(), f"{len(errors)} 处错误，未导入任何行"],
                   "错误说明", errors)


def result_report(result: ImportResult, filename: str = "") -> bytes:
    """A successful import's report: the counts, then the rows whose code has only the loose form (warned)."""
    return _report("导入结果", [f"目录导入结果 {filename}".strip(),
                               f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
                               f"编码提示 {len(result.warnings)} 条"], "提示", result.warnings)


def _report(sheet_name: str, lines: list[str], message_header: str, rows: list[RowError]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    for line in lines:
        sheet.append([line])
    sheet.append(["行号", "列", "单元格内容", message_header])
    for row in rows:
        sheet.append([row.row or "文件", row.column, row.value, row.message])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
