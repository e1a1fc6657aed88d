"""零差率补偿 page: the revenue forgone by zero markup and its compensation, per member and community."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.money import decimal_str
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.procurement.reports.compensation import (basis_lines, compensation_file, compensation_rows,
                                                  compensation_totals)
from erp.procurement.services import compensation
from erp.procurement.views import bp
from erp.procurement.views.flow_common import refused


@bp.get("/zero-markup-compensation")
@requires("procurement.kpi.read")
def compensation_page():
    period, error, result = request.args.get("period", "").strip() or f"{local_today():%Y-%m}", None, None
    try:
        result = compensation.compensation(db.session, current_user.community_id, period)
    except BusinessError as exc:
        error = refused(exc)
    if result is not None and request.args.get("format") in ("pdf", "xlsx"):
        return compensation_file(result, current_user.community.name, request.args["format"],
                                 current_user.display_name).send()
    return render_template("procurement/compensation.html", period=period, error=error,
                           rows=compensation_rows(result) if result else [],
                           totals=compensation_totals(result) if result else {},
                           basis=basis_lines(result) if result else [], money=decimal_str)
