"""The catalogue workbook: ``GET /api/v1/catalogue/export`` and ``POST /api/v1/catalogue/import``."""
from __future__ import annotations

import base64
import binascii

from flask import g

from erp.core.api_framework import FileResult, api_route
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.timeutil import local_today
from erp.procurement import services as procurement
from erp.procurement.api import bp
from erp.procurement.reports import catalogue_workbook
from erp.core.schemas import JobSchema
from erp.procurement.schemas.files import ImportIn
from erp.procurement.schemas.catalogue import ItemQuery


@api_route(bp, "/catalogue/export", permission="procurement.catalogue.read",
           summary="The catalogue as an Excel workbook (the import's layout)", query=ItemQuery,
           produces=(XLSX_MIMETYPE,))
def export_catalogue(query):
    items = db.session.scalars(procurement.item_query(db.session, g.user.community_id, query))
    return FileResult(catalogue_workbook(items), f"统一用药目录-{local_today():%Y%m%d}.xlsx", XLSX_MIMETYPE)


@api_route(bp, "/catalogue/import", "POST", permission="procurement.catalogue.write",
           summary="Import a catalogue workbook (base64) as a background job: 202 with the job; GET /api/v1/jobs/{id} "
                   "shows its progress, its result (created, updated, unchanged, warnings) or its error (all or "
                   "nothing: nothing imported), and result_url the report workbook (every row's error)",
           body=ImportIn, response=JobSchema, status=202)
def import_catalogue(body):
    try:
        data = base64.b64decode(body["file"], validate=True)
    except (binascii.Error, ValueError):
        raise BusinessError.for_field("file", "文件应为 base64 编码的 .xlsx (the file must be base64)") from None
    return procurement.submit_import(db.session, g.user, data, body.get("filename") or "目录.xlsx")
