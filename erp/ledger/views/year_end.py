"""Ledger web pages of the period end: 期末结转 of a month (a draft voucher to review and post) and the
年结 page — the checklist, then the year-end close (年终结转) from the browser."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from flask_babel import gettext as _

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.scoping import OutOfScope
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.ledger.reports.checklist import year_end_checklist
from erp.ledger.services import periods as period_service
from erp.ledger.services import year_end
from erp.ledger.views.common import (bp, book_keeping_choices, default_institution, refusal_message,
                                     scoped_institution)
from erp.ledger.views.forms import PeriodForm
from erp.ledger.views.periods import period_action


@bp.post("/periods/carry-over")
@requires("ledger.period.close")
def carry_over():
    def carry(institution, year, month):
        voucher = year_end.prepare_carry_over(db.session, institution, year, month, g.user)
        link = url_for("ledger.voucher", voucher_id=voucher.id)
        return Markup(_("已生成期末结转凭证 <a href=\"%(link)s\">%(number)s</a>，请由他人审核后记账",
                        link=escape(link), number=escape(voucher.display_number)))

    return period_action(PeriodForm(), carry)


@bp.get("/years/close")
@requires("ledger.period.read")
def year_close_page():
    institutions = book_keeping_choices(request.args.get("institution"))
    code = request.args.get("institution") or default_institution(institutions)
    institution = scoped_institution(code)
    if institution is None:
        abort(404)
    year = request.args.get("year", type=int) or local_today().year - 1
    checks = year_end_checklist(db.session, institution, year)
    return render_template("ledger/year_close.html", institution=institution, institutions=institutions,
                           year=year, checks=checks, ready=all(check.ok for check in checks))


@bp.post("/years/close")
@requires("ledger.year.close")
def close_year():
    form = PeriodForm()  # period = the year's December
    institution = scoped_institution(form.institution.data)
    if institution is None:
        abort(404)
    try:
        year, _month = period_service.parse_period(form.period.data or "")
    except BusinessError:
        abort(404)
    page = redirect(url_for("ledger.year_close_page", institution=institution.code, year=year))
    if not form.validate():
        flash(_("请求无效：请刷新页面后重试"), "error")
        return page
    if not all(check.ok for check in year_end_checklist(db.session, institution, year)):
        flash(_("年结检查未通过，请先处理下列事项"), "error")
        return page
    try:
        voucher = year_end.close_year(db.session, institution, year, g.user)
        number = voucher.number if voucher else None
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("不能年结：%(message)s", message=refusal_message(exc)), "error")
        return page
    flash(_("%(institution)s %(year)s 年度已年结%(voucher)s，已开启下一年度", institution=institution.name, year=year,
            voucher=_("，年终结转凭证 %(number)s", number=number) if number else ""), "success")
    return page
