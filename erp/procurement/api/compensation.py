"""``GET /api/v1/reports/zero-markup-compensation``: the revenue forgone by zero markup and its compensation."""
from __future__ import annotations

from flask import g

from erp.core.api_framework import JSON, api_route
from erp.core.extensions import db
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.procurement.api import bp
from erp.procurement.reports.compensation import compensation_file
from erp.procurement.schemas.compensation import CompensationOut
from erp.procurement.schemas.payables import KpiQuery
from erp.procurement.services import compensation


@api_route(bp, "/reports/zero-markup-compensation", permission="procurement.kpi.read",
           summary="零差率: what the former markup (default 15%) would have yielded on the drugs and consumables "
                   "dispensed (not 中药饮片) and its compensation — price adjustment / fiscal subsidy / absorbed at "
                   "the community's ratio, parts summing exactly — per member and in total (format=pdf|xlsx)",
           query=KpiQuery, response=CompensationOut, produces=(JSON, PDF_MIMETYPE, XLSX_MIMETYPE))
def zero_markup_compensation(query):
    result = compensation.compensation(db.session, g.user.community_id, query["period"])
    if query["format"] in ("pdf", "xlsx"):
        return compensation_file(result, g.user.community.name, query["format"], g.user.display_name)
    return result
