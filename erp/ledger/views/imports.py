"""Ledger web pages: the Excel import of vouchers (凭证导入) and its template."""
from __future__ import annotations

import base64
from io import BytesIO

from flask import flash, g, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from erp.core.extensions import db
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.ledger.services import voucher_import
from erp.ledger.views.common import bp, default_institution, institutions_in_scope
from erp.ledger.views.forms import ImportForm

@bp.get("/vouchers/import/template.xlsx")
@requires("ledger.voucher.write")
def import_template():
    data = voucher_import.build_template(default_institution(institutions_in_scope()) or "", local_today())
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="凭证导入模板.xlsx")


@bp.route("/vouchers/import", methods=["GET", "POST"])
@requires("ledger.voucher.write")
def import_vouchers():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("ledger/import.html", form=form, errors=None)
    upload = form.file.data
    filename = upload.filename or ""
    try:
        created = voucher_import.import_vouchers(db.session, g.user, upload.read())
        count = len(created)
        db.session.commit()
    except voucher_import.ImportFailed as failure:
        db.session.rollback()
        report = voucher_import.error_report_xlsx(failure.errors, filename)
        report_url = f"data:{XLSX_MIMETYPE};base64,{base64.b64encode(report).decode('ascii')}"
        return render_template("ledger/import.html", form=form, errors=failure.errors, message=failure.message,
                               filename=filename, report_url=report_url,
                               report_name=f"凭证导入错误-{filename.rsplit('.', 1)[0] or '报告'}.xlsx")
    flash(_("已导入 %(count)s 张凭证（未记账），请审核后记账", count=count), "success")
    return redirect(url_for("ledger.vouchers", state="draft"))
