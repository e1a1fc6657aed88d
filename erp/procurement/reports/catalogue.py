"""The catalogue as an Excel workbook: one header row (the import's columns), one row per item. The import
(:mod:`erp.procurement.services.catalogue_import`) reads the same layout, so an export re-imports unchanged.
Written with openpyxl's write-only mode: the national list's 50,000 rows stay in bounded memory."""
from __future__ import annotations

import io
from typing import Iterable

from erp.procurement.models import FLAGS, CatalogueItem
from erp.procurement.services import CATALOGUE_COLUMNS as COLUMNS

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
