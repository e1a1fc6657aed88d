"""Ledger web pages: a voucher's page with post / reverse / delete (记账, 红字冲销); the list is
:mod:`.voucher_list`, 审核 / 出纳签字 and the batches :mod:`.review`."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.scoping import OutOfScope
from erp.core.timeutil import local_today
from erp.core.web import requires, shows
from erp.ledger.models import Basis, Voucher
from erp.ledger.services import review
from erp.ledger.services.posting import Ledger
from erp.ledger.services.statement_maps import cash_flow_items
from erp.ledger.views.common import STATUS_TITLES, bp, dimension_labels, refusal_message, voucher_or_404
from erp.ledger.views.forms import DIMENSION_FIELDS, DIMENSION_TITLES, ReverseForm


def _pdf_url(voucher: Voucher) -> str | None:
    """The printable voucher (记账凭证 PDF) from the reports pages, when that module is installed. Its API
    twin (``GET /api/v1/vouchers/<id>/pdf``) wants a bearer token, which a browser link does not carry."""
    if "ledger_reports.voucher_pdf" not in current_app.view_functions:
        return None
    try:
        return url_for("ledger_reports.voucher_pdf", voucher_id=voucher.id)
    except BuildError:
        return None


@bp.get("/vouchers/<int:voucher_id>")
@requires("ledger.voucher.read")
@shows(Voucher, "voucher_id")
def voucher(voucher_id: int):
    found = voucher_or_404(voucher_id)
    financial = [line for line in found.lines if line.basis is Basis.FINANCIAL]
    budget = [line for line in found.lines if line.basis is Basis.BUDGET]
    reverse_form = ReverseForm(formdata=None, date=local_today())
    return render_template(
        "ledger/voucher.html", voucher=found, status_titles=STATUS_TITLES, financial=financial, budget=budget,
        totals={name: (sum((l.debit for l in lines), Decimal("0.00")), sum((l.credit for l in lines), Decimal("0.00")))
                for name, lines in (("financial", financial), ("budget", budget))},
        dimension_labels=dimension_labels(found.lines), dimension_titles=DIMENSION_TITLES,
        dimension_fields=DIMENSION_FIELDS, cash_flow_items=cash_flow_items(), reverse_form=reverse_form,
        pdf_url=_pdf_url(found),
        is_preparer=found.preparer_id == g.user.id, is_reviewer=found.reviewer_id == g.user.id,
        separation=found.institution.community.separation_of_duties,
        settings=review.settings_for(db.session, found.institution.community_id),
        needs_cashier=found.status in ("draft", "reviewed") and review.needs_cashier(db.session, found))


@bp.post("/vouchers/<int:voucher_id>/delete")
@requires("ledger.voucher.write")
def delete_voucher(voucher_id: int):
    found = voucher_or_404(voucher_id)
    try:
        Ledger(db.session, g.user).delete_draft(found)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(refusal_message(exc), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    flash(_("未记账凭证已删除"), "success")
    return redirect(url_for("ledger.vouchers", state="draft"))


@bp.post("/vouchers/<int:voucher_id>/post")
@requires("ledger.voucher.post")
def post_voucher(voucher_id: int):
    found = voucher_or_404(voucher_id)
    try:
        Ledger(db.session, g.user).post(found)
        number = found.number
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("不能记账：%(message)s", message=refusal_message(exc)), "error")
    else:
        flash(_("已记账，凭证号 %(number)s", number=number), "success")
    return redirect(url_for("ledger.voucher", voucher_id=voucher_id))


@bp.post("/vouchers/<int:voucher_id>/reverse")
@requires("ledger.voucher.reverse")
def reverse_voucher(voucher_id: int):
    found = voucher_or_404(voucher_id)
    form = ReverseForm()
    if not form.validate():
        flash("；".join(m for messages in form.errors.values() for m in messages), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    try:
        reversal = Ledger(db.session, g.user).reverse(found, form.date.data, (form.memo.data or "").strip() or None)
        number, reversal_id = reversal.number, reversal.id
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("不能冲销：%(message)s", message=refusal_message(exc)), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    flash(_("已冲销，红字冲销凭证 %(number)s", number=number), "success")
    return redirect(url_for("ledger.voucher", voucher_id=reversal_id))
