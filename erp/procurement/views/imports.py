"""目录导入 page: upload the workbook; all or nothing, the errors row by row (and as a workbook to download)."""
from __future__ import annotations

import base64
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
        return render_template("procurement/import.html", form=form, errors=None, columns=procurement.CATALOGUE_COLUMNS)
    filename = form.file.data.filename or ""
    try:
        result = procurement.import_catalogue(db.session, current_user.community_id, form.file.data.read())
        db.session.commit()
    except procurement.CatalogueImportFailed as failure:
        db.session.rollback()
        report = procurement.error_report(failure.errors, filename)
        return render_template(
            "procurement/import.html", form=form, errors=failure.errors, message=failure.message, filename=filename,
            columns=procurement.CATALOGUE_COLUMNS,
            report_url=f"data:{XLSX_MIMETYPE};base64,{base64.b64encode(report).decode('ascii')}",
            report_name=f"目录导入错误-{filename.rsplit('.', 1)[0] or '报告'}.xlsx"), 422
    flash(_("目录已导入：新增 %(created)s 个，更新 %(updated)s 个，未变 %(unchanged)s 个", created=result.created,
            updated=result.updated, unchanged=result.unchanged), "success")
    for warning in result.warnings[:20]:
        flash(_("第 %(row)s 行 %(code)s：%(message)s", row=warning.row, code=warning.value, message=warning.message),
              "warning")
    return redirect(url_for("procurement.catalogue"))
