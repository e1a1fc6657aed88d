"""期初累计数 page: a mid-year go-live's opening figures of the year, and their Excel import."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.extensions import db
from erp.core.timeutil import local_today
from erp.core.web import can, requires
from erp.payroll.services import opening
from erp.payroll.services.years import FIRST_YEAR, LAST_YEAR
from erp.payroll.views.common import bp, import_upload


@bp.route("/openings", methods=["GET", "POST"])
@requires("payroll.run.read")
def openings():
    year = request.values.get("year", type=int) or local_today().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    errors = None
    if request.method == "POST":
        if not can("payroll.run.write"):
            abort(403)
        done, errors = import_upload(lambda data: _("已导入 %(n)s 名职工的期初累计数", n=opening.import_openings(
            db.session, current_user, year, data)), url_for("payroll.openings", year=year))
        if done is not None:
            return done
    rows = db.session.scalars(opening.openings_query(current_user.community_id, year)).all()
    return render_template("payroll/openings.html", year=year, rows=rows, errors=errors, columns=opening.COLUMNS,
                           editable=can("payroll.run.write"), title=_("期初累计数")), 422 if errors else 200
