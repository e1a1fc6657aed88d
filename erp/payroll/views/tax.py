"""个税试算: the HR officer's calculator — 累计预扣法 month by month, and a bonus taxed both ways."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.money import MoneyError
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.payroll import services as payroll
from erp.payroll.views.common import bp, form_amount

FIELDS = ("income", "special", "additional", "other")


@bp.route("/tax-calculator", methods=["GET", "POST"])
@requires("payroll.tax.calculate")
def tax_calculator():
    form = request.form if request.method == "POST" else {
        "year": str(local_today().year), "start_month": "1", "months": "12", "income": "18000.00",
        "special": "3200.00", "additional": "2500.00", "other": "0.00", "bonus": "", "bonus_month": "12"}
    results, comparison, error, status = None, None, None, 200
    if request.method == "POST":
        try:
            year, start, count = (int(form.get(key) or 0) for key in ("year", "start_month", "months"))
            if not 2019 <= year <= 9999:
                raise BusinessError.for_field("year", _("年度无效 (invalid year)"))
            if not 1 <= start <= 12 or not 1 <= count <= 13 - start:  # checked before the months are built
                raise BusinessError.for_field("months", _("月数应使各月落在同一年度内 "
                                                          "(months must stay within the year)"))
            figures = payroll.MonthFigures(*(form_amount(form, key) for key in FIELDS))
            parameters = payroll.parameters_in_force(db.session, current_user.community_id,
                                                     date(year, min(max(start, 1), 12), 1))
            table, basic = payroll.cumulative_tables(parameters)
            results = payroll.cumulative_withholding(table, basic, start, [figures] * max(count, 0))
            bonus = form_amount(form, "bonus")
            if bonus:
                month = int(form.get("bonus_month") or 12)
                paid = [r for r in results if r.month < month]
                before = payroll.CumulativeState(len(paid), figures.income * len(paid),
                                                 (figures.special + figures.additional + figures.other) * len(paid),
                                                 sum((r.tax for r in paid), start=payroll.ZERO))
                comparison = payroll.compare_bonus(table, payroll.monthly_table(parameters), basic, before, month,
                                                   figures, bonus)
        except (BusinessError, MoneyError, ValueError) as exc:
            error, status = getattr(exc, "message", None) or str(exc), 422
            results = None
    return render_template("payroll/tax_calculator.html", form=form, results=results, comparison=comparison,
                           error=error, fields=FIELDS), status
