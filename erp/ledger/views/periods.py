"""Ledger web pages: accounting periods, month close and reopen (结账, 反结账)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Institution, User
from erp.core.rendering import format_datetime
from erp.core.scoping import OutOfScope
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.ledger.models import Period
from erp.ledger.services import periods as period_service
from erp.ledger.services.bookkeeping import keeps_books
from erp.ledger.views.common import (bp, book_keeping_choices, default_institution, refusal_message,
                                     scoped_institution)
from erp.ledger.views.forms import PeriodForm, ReopenForm


@bp.get("/periods")
@requires("ledger.period.read")
def periods():
    chosen = request.args.get("institution")
    institutions = book_keeping_choices(chosen)
    if chosen is None:  # first visit: the switcher's institution, or the first one in scope
        chosen = default_institution(institutions) or ""
    year = request.args.get("year", type=int) or local_today().year
    statement = (select(Period).join(Institution, Institution.id == Period.institution_id)
                 .where(Period.year == year).order_by(Institution.code, Period.month))
    # one institution asked for by code is shown even if it keeps no books; 全部单位 lists those that do
    statement = statement.where(Institution.code == chosen) if chosen else statement.where(keeps_books())
    rows = db.session.scalars(statement).all()
    by_id = {i.id: i for i in institutions}
    missing = {p.institution_id for p in rows} - set(by_id)
    if missing:
        by_id.update({i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(missing)))})
    years = sorted(set(db.session.scalars(select(Period.year).distinct())) | {year}, reverse=True)
    # Months close in order and reopen in reverse: offer 结账 on the first open month of each institution and
    # 反结账 on its last closed one (the service checks the rules either way).
    next_to_close: dict[int, int] = {}
    last_closed: dict[int, int] = {}
    for p in rows:
        if p.state.value == "open":
            next_to_close.setdefault(p.institution_id, p.id)
        else:
            last_closed[p.institution_id] = p.id
    closer_ids = {p.closed_by_id for p in rows} - {None}
    closers = {row.id: row.display_name for row in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(closer_ids)))} if closer_ids else {}
    return render_template("ledger/periods.html", periods=rows, institutions=by_id, choices=institutions,
                           chosen=chosen, year=year, years=years, closers=closers, fmt_datetime=format_datetime,
                           closable=set(next_to_close.values()), reopenable=set(last_closed.values()),
                           current_year=local_today().year)


def period_action(form: PeriodForm, action):
    """Validate the form, run ``action(institution, year, month)`` in one transaction and flash its message
    (Markup allowed) or the refusal; back to the periods page."""
    back = url_for("ledger.periods", institution=request.form.get("back_institution", form.institution.data or ""),
                   year=request.form.get("back_year") or None)
    if not form.validate():
        flash(_("请求无效：请刷新页面后重试"), "error")
        return redirect(back)
    institution = scoped_institution(form.institution.data)
    if institution is None:
        abort(404)
    try:
        year, month = period_service.parse_period(form.period.data)
        message = action(institution, year, month)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(refusal_message(exc), "error")
    else:
        flash(message, "success")
    return redirect(back)


@bp.post("/periods/close")
@requires("ledger.period.close")
def close_period():
    def close(institution, year, month):
        period = period_service.close_period(db.session, institution, year, month, g.user)
        return _("%(institution)s %(period)s 已结账", institution=institution.name, period=period.label)

    return period_action(PeriodForm(), close)


@bp.post("/periods/reopen")
@requires("ledger.period.reopen")
def reopen_period():
    form = ReopenForm()

    def reopen(institution, year, month):
        period = period_service.reopen_period(db.session, institution, year, month, g.user, form.reason.data or "")
        return _("%(institution)s %(period)s 已反结账", institution=institution.name, period=period.label)

    return period_action(form, reopen)
