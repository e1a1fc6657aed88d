"""目录导入 page: upload the workbook; the import runs as a background job whose page shows the progress and
offers the report (all or nothing: the errors row by row, as a workbook)."""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.extensions import db
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.security import may_change_community_settings
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.procurement import services as procurement
from erp.procurement.reports import catalogue_workbook
from erp.procurement.views import bp
from erp.procurement.views.forms import ImportForm


@bp.get("/catalogue/export.xlsx")
@requires("procurement.catalogue.read")
def export_catalogue():
    items = db.session.scalars(procurement.item_query(db.session, current_user.community_id, {}))
    return send_file(BytesIO(catalogue_workbook(items)), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"统一用药目录-{local_today():%Y%m%d}.xlsx")


@bp.route("/catalogue/import", methods=["GET", "POST"])
@requires("procurement.catalogue.write")
def import_catalogue():
    if not may_change_community_settings(current_user):
        abort(403)
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("procurement/import.html", form=form, columns=procurement.CATALOGUE_COLUMNS)
    job = procurement.submit_import(db.session, current_user, form.file.data.read(), form.file.data.filename or "")
    db.session.commit()
    flash(_("目录导入已开始：检查全部行后才写入，任何一行有错都不导入；完成后可下载导入报告"), "info")
    return redirect(url_for("core.job_page", job_id=job.id), 303)
