"""院长年薪 screens: the list, recording a year's salary, its approval (核定, by another user), its page (twelve
advances with their postings, the settlement after the appraisal)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, ListView
from erp.core.models import FundingSource, Institution
from erp.core.money import MoneyError
from erp.core.timeutil import local_today
from erp.core.web import can, requires, shows
from erp.payroll.models.dean_salary import DEAN_STATE_TITLES, DeanSalary
from erp.payroll.services import dean_salary, profiles_query
from erp.payroll.views.common import bp, form_amount
from erp.payroll.views.pools import form_decimal, run_action


@bp.get("/dean-salaries")
@requires("payroll.dean.read")
def dean_salaries():
    view = ListView(
        title=_("院长年薪"),
        statement=select(DeanSalary).join(Institution, Institution.id == DeanSalary.institution_id),
        columns=[
            Column("year", _("年度"), "int", sort=DeanSalary.year),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda s: s.institution.name),
            Column("employee", _("院长"), value=lambda s: s.employee.name),
            Column("state", _("状态"), value=lambda s: _(DEAN_STATE_TITLES[s.state])),
            Column("standard", _("标准年薪"), "amount"),
            Column("base", _("基本年薪"), "amount"),
            Column("annual", _("考核后年薪"), "amount"),
            Column("settlement", _("清算"), "amount"),
        ],
        default_sort="-year",
        actions=[(_("核定院长年薪"), url_for("payroll.new_dean_salary"))] if can("payroll.dean.write") else [],
        row_url=lambda s: url_for("payroll.dean_salary_page", salary_id=s.id),
    )
    return view.render()


@bp.route("/dean-salaries/new", methods=["GET", "POST"])
@requires("payroll.dean.write")
def new_dean_salary():
    heads = [p for p in db.session.scalars(profiles_query(current_user.community_id)) if p.is_head]
    sources = db.session.scalars(select(FundingSource).where(FundingSource.community_id == current_user.community_id,
                                                             FundingSource.fiscal.is_(True))
                                 .order_by(FundingSource.code)).all()
    form = request.form if request.method == "POST" else {"year": str(local_today().year)}
    error = None
    if request.method == "POST":
        try:
            options = {"average_pay": form_amount(form, "average_pay")} if form.get("average_pay") else {}
            for name in ("cap_multiple", "pass_mark"):
                if (value := form_decimal(form, name)) is not None:
                    options[name] = value
            salary = dean_salary.create_dean_salary(
                db.session, current_user.community_id, current_user, employee=int(form.get("employee") or 0),
                year=int(form.get("year") or 0), standard=form_amount(form, "standard"), base=form_amount(form, "base"),
                funding_source=form.get("funding_source") or None, **options)
            db.session.commit()
            return redirect(url_for("payroll.dean_salary_page", salary_id=salary.id))
        except (BusinessError, MoneyError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "message", None) or str(exc)
    return render_template("payroll/dean_new.html", form=form, heads=heads, sources=sources, error=error,
                           title=_("核定院长年薪")), 422 if error else 200


@bp.get("/dean-salaries/<int:salary_id>")
@requires("payroll.dean.read")
@shows(DeanSalary, "salary_id")
def dean_salary_page(salary_id: int):
    salary = dean_salary.get_dean_salary(db.session, salary_id)
    return render_template("payroll/dean.html", salary=salary, state_title=_(DEAN_STATE_TITLES[salary.state]),
                           title=_("院长年薪"))


@bp.post("/dean-salaries/<int:salary_id>/approve")
@requires("payroll.dean.approve")
def approve_dean_salary(salary_id: int):
    salary = dean_salary.get_dean_salary(db.session, salary_id, lock=True)
    return run_action(lambda: dean_salary.approve_dean_salary(db.session, salary, current_user),
                      url_for("payroll.dean_salary_page", salary_id=salary_id), _("院长年薪已核定"))


@bp.post("/dean-salaries/<int:salary_id>/advances/<int:month>/pay")
@requires("payroll.dean.post")
def pay_dean_advance(salary_id: int, month: int):
    salary = dean_salary.get_dean_salary(db.session, salary_id, lock=True)
    return run_action(lambda: dean_salary.pay_advance(db.session, salary, month, current_user),
                      url_for("payroll.dean_salary_page", salary_id=salary_id), _("预发已入账"))


@bp.post("/dean-salaries/<int:salary_id>/settle")
@requires("payroll.dean.post")
def settle_dean_salary(salary_id: int):
    salary = dean_salary.get_dean_salary(db.session, salary_id)

    def settle():
        score = form_decimal(request.form, "score")
        if score is None:
            raise BusinessError.for_field("score", _("请填写考核得分 (the score)"))
        dean_salary.settle(db.session, salary, score, current_user)
    return run_action(settle, url_for("payroll.dean_salary_page", salary_id=salary_id), _("年薪已清算"))
