"""期初累计数 (REST under /api/v1/payroll-openings): a mid-year go-live's opening figures for 累计预扣法."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route, paged_query
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.payroll.schemas.openings import OpeningImportIn, OpeningIn, OpeningOut, OpeningQuery
from erp.payroll.services import opening

bp = Blueprint("payroll_openings_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/payroll-openings", permission="payroll.run.read", query=OpeningQuery, response=OpeningOut,
           paged=True, summary="The year's opening cumulative figures, per employee")
def list_openings(query):
    return paged_query(opening.openings_query(g.user.community_id, query["year"]), query)


@api_route(bp, "/payroll-openings", "POST", permission="payroll.run.write", body=OpeningIn, response=OpeningOut,
           status=201, summary="Set (or replace) an employee's opening figures for the year; frozen once a month of "
                               "the year is approved for them (409 run_approved)")
def set_opening(body):
    return opening.set_opening(db.session, g.user, **body)


@api_route(bp, "/payroll-openings/import", "POST", permission="payroll.run.write", body=OpeningImportIn,
           summary="Import the year's opening figures from Excel (base64), by 身份证号: all or nothing, 422 "
                   "import_failed naming every row's error")
def import_openings(body):
    try:
        data = base64.b64decode(body["file"], validate=True)
    except (binascii.Error, ValueError):
        raise BusinessError.for_field("file", "文件应为 base64 编码的 .xlsx (the file must be base64)") from None
    return {"imported": opening.import_openings(db.session, g.user, body["year"], data)}
