"""统筹 screens (the lead hospital's plan: members, weights, allocations, the grassroots floor) and the
distribution inside an institution from an Excel sheet of points × quality."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, ListView
from erp.core.models import Institution, InstitutionKind
from erp.core.money import MoneyError, parse_amount
from erp.core.timeutil import local_today
from erp.core.web import can, requires
from erp.payroll.models.pooling import PLAN_STATE_TITLES, PoolingPlan
from erp.payroll.reports.pay_gap import pay_gap
from erp.payroll.services import distribution, pooling
from erp.payroll.services.years import clamp_year
from erp.payroll.views.common import bp, form_amount, payroll_number
from erp.payroll.views.pools import form_decimal, run_action


@bp.get("/pooling-plans")
@requires("payroll.pooling.read")
def pooling_plans():
    view = ListView(
        title=_("医共体绩效统筹"),
        statement=select(PoolingPlan),
        columns=[Column("year", _("年度"), "int", sort=PoolingPlan.year),
                 Column("state", _("状态"), value=lambda p: _(PLAN_STATE_TITLES[p.state])),
                 Column("share", _("统筹比例 τ"), value=lambda p: payroll_number(p.share)),
                 Column("floor", _("基层保底系数 λ"), value=lambda p: payroll_number(p.floor)),
                 Column("total", _("统筹总额"), "amount")],
        default_sort="-year",
        # the plan and the department distribution are two permissions (finance plans, HR distributes)
        actions=[(label, url_for(endpoint)) for label, endpoint, permission in (
            (_("新建统筹方案"), "payroll.new_pooling_plan", "payroll.pooling.write"),
            (_("科室二次分配"), "payroll.new_distribution", "payroll.distribution.write")) if can(permission)],
        row_url=lambda p: url_for("payroll.pooling_plan", plan_id=p.id),
    )
    return view.render()


def _members(text: str) -> list[dict]:
    """One member a line: 机构编码[,奖励性金额]."""
    members = []
    for number, line in enumerate(text.replace("，", ",").splitlines(), start=1):
        parts = [part.strip() for part in line.split(",") if part.strip()]
        if not parts:
            continue
        entry = {"institution": parts[0]}
        if len(parts) > 1:
            try:
                entry["incentive"] = parse_amount(parts[1], field=f"members[{number}]")
            except MoneyError as exc:
                raise BusinessError.for_field("members", f"第 {number} 行：{exc}") from None
        members.append(entry)
    return members


@bp.route("/pooling-plans/new", methods=["GET", "POST"])
@requires("payroll.pooling.write")
def new_pooling_plan():
    members = select(Institution).where(Institution.kind != InstitutionKind.VILLAGE_CLINIC).order_by(Institution.code)
    form = request.form if request.method == "POST" else {
        "year": str(local_today().year), "share": "0.30", "floor": "0.80",
        "members": "\n".join(i.code for i in db.session.scalars(members))}
    error = None
    if request.method == "POST":
        try:
            plan = pooling.create_plan(db.session, current_user.community_id, current_user,
                                       institution=form.get("institution", ""), year=int(form.get("year") or 0),
                                       share=form_decimal(form, "share") or 0, floor=form_decimal(form, "floor") or 0,
                                       members=_members(form.get("members", "")))
            db.session.commit()
            return redirect(url_for("payroll.pooling_plan", plan_id=plan.id))
        except (BusinessError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "message", None) or str(exc)
    leads = db.session.scalars(select(Institution).where(Institution.kind == InstitutionKind.LEAD_HOSPITAL)).all()
    return render_template("payroll/pooling_new.html", form=form, leads=leads, error=error,
                           title=_("新建统筹方案")), 422 if error else 200


@bp.get("/pooling-plans/<int:plan_id>")
@requires("payroll.pooling.read")
def pooling_plan(plan_id: int):
    plan = pooling.get_plan(db.session, plan_id)
    return render_template("payroll/pooling.html", plan=plan, summary=pooling.plan_summary(plan),
                           state_title=_(PLAN_STATE_TITLES[plan.state]), title=_("医共体绩效统筹"))


@bp.post("/pooling-plans/<int:plan_id>/approve")
@requires("payroll.pooling.approve")
def approve_pooling_plan(plan_id: int):
    plan = pooling.get_plan(db.session, plan_id)
    return run_action(lambda: pooling.approve_plan(db.session, plan, current_user),
                      url_for("payroll.pooling_plan", plan_id=plan_id), _("统筹方案已审批"))


@bp.route("/distributions/new", methods=["GET", "POST"])
@requires("payroll.distribution.write")
def new_distribution():
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()
    form = request.form if request.method == "POST" else {"year": str(local_today().year)}
    error = None
    if request.method == "POST":
        try:
            upload = request.files.get("file")
            people = distribution.people_from_workbook(upload.read() if upload else b"")
            found = distribution.create_distribution(
                db.session, current_user.community_id, current_user, institution=form.get("institution", ""),
                year=int(form.get("year") or 0), label=form.get("label", "").strip() or "绩效分配",
                amount=form_amount(form, "amount"), people=people)
            db.session.commit()
            return redirect(url_for("payroll.distribution_page", distribution_id=found.id))
        except (BusinessError, MoneyError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "message", None) or str(exc)
    return render_template("payroll/distribution_new.html", form=form, institutions=institutions, error=error,
                           columns=distribution.SHEET_COLUMNS, title=_("科室二次分配")), 422 if error else 200


@bp.get("/distributions/<int:distribution_id>")
@requires("payroll.distribution.read")
def distribution_page(distribution_id: int):
    found = distribution.get_distribution(db.session, distribution_id)
    return render_template("payroll/distribution.html", distribution=found, title=_("科室二次分配"))


@bp.get("/pay-gap")
@requires("payroll.run.read")
def pay_gap_report():
    year = request.args.get("year", type=int) or local_today().year
    options = {}
    for name in ("floor", "fixed_share_min"):
        try:
            if (value := form_decimal(request.args, name)) is not None:
                options[name] = value
        except BusinessError:
            pass
    report = pay_gap(db.session, current_user.community_id, clamp_year(year), **options)
    return render_template("payroll/pay_gap.html", report=report, title=_("收入差距分析"))
