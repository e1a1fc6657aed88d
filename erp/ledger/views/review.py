"""Ledger web actions of the review step: 审核, 取消审核, 出纳签字 on a voucher's page, and 批量审核 / 批量记账 of
the vouchers selected in the list (:mod:`.voucher_list`), and the community's settings of the workflow. Each
is one transaction; a refusal is a message."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.scoping import OutOfScope
from erp.core.web import can, requires
from erp.ledger.services import review, selection
from erp.ledger.views.common import bp, refusal_message, voucher_or_404
from erp.ledger.views.forms import SettingsForm

ACTIONS = {  # route suffix -> (service, permission, done message, refused message)
    "review": (review.review, "ledger.voucher.review", "已审核", "不能审核"),
    "unreview": (review.unreview, "ledger.voucher.review", "已取消审核", "不能取消审核"),
    "cashier-sign": (review.sign_as_cashier, "ledger.voucher.cashier", "出纳已签字", "不能签字"),
}


def _act(voucher_id: int, name: str):
    action, _permission, done, refused = ACTIONS[name]
    found = voucher_or_404(voucher_id)
    try:
        action(db.session, g.user, found)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("%(refused)s：%(message)s", refused=_(refused), message=refusal_message(exc)), "error")
    else:
        flash(_(done), "success")
    return redirect(url_for("ledger.voucher", voucher_id=voucher_id))


@bp.post("/vouchers/<int:voucher_id>/review")
@requires("ledger.voucher.review")
def review_voucher(voucher_id: int):
    return _act(voucher_id, "review")


@bp.post("/vouchers/<int:voucher_id>/unreview")
@requires("ledger.voucher.review")
def unreview_voucher(voucher_id: int):
    return _act(voucher_id, "unreview")


@bp.post("/vouchers/<int:voucher_id>/cashier-sign")
@requires("ledger.voucher.cashier")
def sign_voucher(voucher_id: int):
    return _act(voucher_id, "cashier-sign")


@bp.post("/vouchers/batch")
@requires("ledger.voucher.read")
def batch_vouchers():
    """批量审核 (action=review) or 批量记账 (action=post) of the checked vouchers: all or none."""
    ids = sorted({int(value) for value in request.form.getlist("ids") if value.isascii() and value.isdigit()})
    action = request.form.get("action")
    back = redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/ledger/")
                    else url_for("ledger.vouchers"))
    batches = {"review": (selection.review_many, "ledger.voucher.review", "已审核 %(count)s 张凭证"),
               "post": (selection.post_many_selected, "ledger.voucher.post", "已记账 %(count)s 张凭证")}
    if action not in batches:
        flash(_("未知操作"), "error")
        return back
    run, permission, done = batches[action]
    if not can(permission):
        abort(403)
    if not ids:
        flash(_("请先勾选凭证"), "error")
        return back
    try:
        vouchers = run(db.session, g.user, ids)
        count = len(vouchers)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("批量操作未执行：%(message)s", message=refusal_message(exc)), "error")
    else:
        flash(_(done, count=count), "success")
    return back


@bp.route("/settings", methods=["GET", "POST"])
@requires("ledger.settings.write")
def settings():
    """凭证审核与记账设置 of the community (a whole-community user changes them)."""
    current = review.settings_for(db.session, g.user.community_id)
    if request.method == "POST":
        form = SettingsForm()
        if not form.validate():
            flash(_("请求无效：请刷新页面后重试"), "error")
        else:
            try:
                review.update_settings(db.session, g.user, {"poster_may_review": form.poster_may_review.data,
                                                            "cashier_sign": form.cashier_sign.data})
                db.session.commit()
            except (BusinessError, OutOfScope) as exc:
                db.session.rollback()
                flash(refusal_message(exc), "error")
            else:
                flash(_("设置已保存"), "success")
        return redirect(url_for("ledger.settings"))
    form = SettingsForm(formdata=None, poster_may_review=current.poster_may_review, cashier_sign=current.cashier_sign)
    return render_template("ledger/settings.html", form=form)
