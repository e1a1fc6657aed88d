"""两个允许 pool screens: the list, a new pool, its page (the chain S → P, every figure down to the ledger accounts,
the checks, 核增, recompute, approval) and the account mapping the finance officer edits."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution
from erp.core.money import MoneyError
from erp.core.timeutil import local_today
from erp.core.web import can, requires
from erp.payroll.models.performance_pool import POOL_ITEM_TITLES, POOL_STATE_TITLES, PerformancePool, PoolItem
from erp.payroll.services import ledger_figures, performance_pool
from erp.payroll.services.years import check_year
from erp.payroll.views.common import bp, form_amount

RATES = ("development_fund_rate", "welfare_fund_rate", "reward_share", "growth", "appraisal_factor", "basic_share",
         "pay_multiple", "personnel_share_min")


def form_decimal(form, name: str) -> Decimal | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BusinessError.for_field(name, _("应为数字 (a number)")) from None
    if not value.is_finite() or value.as_tuple().exponent < -6 or abs(value) >= 10 ** 9:
        raise BusinessError.for_field(name, _("应为数字 (a number)"))
    return value


def pool_parameters(form) -> dict:
    values = {name: form_decimal(form, name) for name in RATES}
    values["deduct_exam_lab"] = form.get("deduct_exam_lab") == "on"
    for name in ("previous_pool", "local_average_wage"):
        if (form.get(name) or "").strip():
            values[name] = form_amount(form, name)
    if (form.get("staff_count") or "").strip():
        count = form_decimal(form, "staff_count")
        if count is None or count != count.to_integral() or not 0 <= count <= 1_000_000:
            raise BusinessError.for_field("staff_count", _("职工人数应为整数 (a whole number)"))
        values["staff_count"] = int(count)
    return {key: value for key, value in values.items() if value is not None}


def run_action(action, done_url: str, message: str):
    """One business action from a page: commit and say so, or roll back and show the refusal."""
    try:
        action()
        db.session.commit()
        flash(message, "success")
    except (BusinessError, MoneyError) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", None) or str(exc), "error")
    return redirect(done_url)


@bp.get("/performance-pools")
@requires("payroll.pool.read")
def pools():
    view = ListView(
        title=_("绩效工资总量（两个允许）"),
        statement=select(PerformancePool).join(Institution, Institution.id == PerformancePool.institution_id),
        columns=[
            Column("year", _("年度"), "int", sort=PerformancePool.year),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda p: p.institution.name),
            Column("state", _("状态"), value=lambda p: _(POOL_STATE_TITLES[p.state])),
            Column("service_revenue", _("医疗服务收入 S"), "amount"),
            Column("surplus", _("结余 U"), "amount"),
            Column("total", _("绩效工资总量 P"), "amount", sort=PerformancePool.total),
            Column("basic", _("基础性"), "amount"),
            Column("incentive", _("奖励性"), "amount"),
        ],
        filters=[Filter("year", _("年度"), lambda stmt, value: stmt.where(PerformancePool.year == int(value))
                        if value.isascii() and value.isdigit() and len(value) == 4 else stmt)],
        default_sort="-year",
        actions=[(_("核定绩效工资总量"), url_for("payroll.new_pool")), (_("核算口径"), url_for("payroll.pool_mapping"))]
        if can("payroll.pool.write") else [(_("核算口径"), url_for("payroll.pool_mapping"))],
        row_url=lambda p: url_for("payroll.pool", pool_id=p.id),
    )
    return view.render()


@bp.route("/performance-pools/new", methods=["GET", "POST"])
@requires("payroll.pool.write")
def new_pool():
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()
    form = request.form if request.method == "POST" else {"year": str(local_today().year)}
    if request.method == "POST":
        try:
            year = int(form.get("year") or 0)
            check_year(year)
            pool = performance_pool.create_pool(db.session, current_user.community_id, current_user,
                                                institution=form.get("institution", ""), year=year,
                                                **pool_parameters(form))
            db.session.commit()
            return redirect(url_for("payroll.pool", pool_id=pool.id))
        except (BusinessError, MoneyError, ValueError) as exc:
            db.session.rollback()
            flash(getattr(exc, "message", None) or str(exc), "error")
    return render_template("payroll/pool_new.html", form=form, institutions=institutions, title=_("核定绩效工资总量"))


@bp.get("/performance-pools/<int:pool_id>")
@requires("payroll.pool.read")
def pool(pool_id: int):
    found = performance_pool.get_pool(db.session, pool_id)
    return render_template("payroll/pool.html", pool=found, items=PoolItem, titles=POOL_ITEM_TITLES,
                           categories=performance_pool.INCREASE_CATEGORIES, rates=RATES,
                           state_title=_(POOL_STATE_TITLES[found.state]), title=_("绩效工资总量"))


@bp.post("/performance-pools/<int:pool_id>/compute")
@requires("payroll.pool.write")
def compute_pool(pool_id: int):
    found = performance_pool.get_pool(db.session, pool_id)
    return run_action(lambda: performance_pool.recompute_pool(db.session, found, pool_parameters(request.form),
                                                                    current_user),
                      url_for("payroll.pool", pool_id=pool_id), _("已按上年结账数据重新核算"))


@bp.post("/performance-pools/<int:pool_id>/increases")
@requires("payroll.pool.write")
def add_pool_increase(pool_id: int):
    found = performance_pool.get_pool(db.session, pool_id)
    return run_action(lambda: performance_pool.add_increase(db.session, found, {
        "category": request.form.get("category", ""), "amount": form_amount(request.form, "amount"),
        "reason": request.form.get("reason", "")}, current_user), url_for("payroll.pool", pool_id=pool_id),
        _("已增加核增项目"))


@bp.post("/performance-pools/<int:pool_id>/approve")
@requires("payroll.pool.approve")
def approve_pool(pool_id: int):
    found = performance_pool.get_pool(db.session, pool_id)
    return run_action(lambda: performance_pool.approve_pool(db.session, found, current_user),
                      url_for("payroll.pool", pool_id=pool_id), _("绩效工资总量已审批"))


@bp.route("/performance-pools/mapping", methods=["GET", "POST"])
@requires("payroll.pool.read")
def pool_mapping():
    if request.method == "POST":
        if not can("payroll.pool.write"):
            return redirect(url_for("payroll.pool_mapping"))
        accounts = [{"account": code} for code in request.form.get("accounts", "").replace("，", ",").replace(
            "\n", ",").split(",") if code.strip()]
        accounts = [{"account": entry["account"].strip()} for entry in accounts]
        return run_action(lambda: ledger_figures.set_item_accounts(db.session, current_user.community_id,
                                                                   current_user, request.form.get("item", ""),
                                                                   accounts),
                          url_for("payroll.pool_mapping"), _("核算口径已保存"))
    mapping = ledger_figures.pool_mapping(db.session, current_user.community_id)
    return render_template("payroll/pool_mapping.html", mapping=mapping, titles=POOL_ITEM_TITLES,
                           measures=ledger_figures.MEASURES, measure_titles=ledger_figures.MEASURE_TITLES,
                           editable=can("payroll.pool.write"), title=_("两个允许核算口径"))
