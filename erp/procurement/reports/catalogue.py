"""The catalogue as an Excel workbook: one header row of the columns below, one row per item. The import
(:mod:`erp.procurement.services.catalogue_import`) reads the same layout, so an export re-imports unchanged.
Written with openpyxl's write-only mode: the national list's 50,000 rows stay in bounded memory."""
from __future__ import annotations

import io
from typing import Iterable

from erp.procurement.models import FLAGS, CatalogueItem

# (field, header) in sheet order; the flags are one column each, "是" when set.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "医保编码"), ("category", "类别"), ("generic_name", "通用名"), ("trade_name", "商品名"),
    ("dosage_form", "剂型"), ("specification", "规格"), ("package_unit", "包装单位"), ("min_unit", "最小单位"),
    ("units_per_package", "包装数量"), ("manufacturer", "生产企业"), ("approval_number", "批准文号"),
    ("vbp", "国家集采中选"), ("negotiated", "国家谈判药品"), ("essential", "国家基本药物"), ("insurance_a", "医保甲类"),
    ("insurance_b", "医保乙类"), ("consistency", "通过一致性评价"), ("high_value", "高值耗材"), ("shortage", "短缺监测"),
    ("active", "启用"),
)
YES, NO = "是", "否"


def _cell(item: CatalogueItem, field: str):
    if field == "category":
        return item.category.value
    if field in FLAGS or field == "active":
        return YES if getattr(item, field) else NO
    return getattr(item, field)


def catalogue_workbook(items: Iterable[CatalogueItem]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("统一用药目录")
    sheet.append([header for _, header in COLUMNS])
    for item in items:
        sheet.append([_cell(item, field) for field, _ in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
