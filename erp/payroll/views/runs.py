"""工资发放 pages: the runs, a new run, the run's page (review, slips, actions), a slip, the month's inputs."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core import jobs
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution
from erp.core.money import MoneyError, parse_amount
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.core.timeutil import local_today
from erp.core.web import can, requires, shows
from erp.payroll import services as payroll
from erp.payroll.models import RUN_KIND_TITLES, RUN_STATE_TITLES, PayrollInput, PayrollRun, Payslip, RunState
from erp.payroll.reports.slips import bank_file, slip_dict, slips_pdf, submit_slips_pdf
from erp.payroll.views.common import act, bp, chosen_institution, institutions

INPUTS = [("reward_performance", "奖励性绩效"), ("night_shifts", "夜班数"), ("annual_bonus", "全年一次性奖金"),
          ("bonus_merged", "奖金并入工资(1=是)")]


@bp.get("/runs")
@requires("payroll.run.read")
def runs():
    view = ListView(
        title=_("工资发放"),
        statement=select(PayrollRun).join(Institution, Institution.id == PayrollRun.institution_id),
        columns=[
            Column("number", _("批次号"), sort=PayrollRun.number),
            Column("institution", _("发放单位"), sort=Institution.code,
                   value=lambda r: _("全医共体") if r.community_wide else r.institution.name),
            Column("period", _("月份"), sort=PayrollRun.month),
            Column("kind", _("类型"), value=lambda r: _(RUN_KIND_TITLES[r.kind])),
            Column("state", _("状态"), value=lambda r: _(RUN_STATE_TITLES[r.state])),
            Column("slip_count", _("人数"), "int"), Column("gross_total", _("应发合计"), "amount"),
            Column("net_total", _("实发合计"), "amount"),
        ],
        filters=[Filter("state", _("状态"), lambda st, v: st.where(PayrollRun.state == RunState(v)),
                        tuple((s.value, _(t)) for s, t in RUN_STATE_TITLES.items()))],
        default_sort="-number",
        actions=[(_("新建发放批次"), url_for("payroll.new_run")), (_("录入当月变动"), url_for("payroll.inputs")),
                 (_("期初累计数"), url_for("payroll.openings"))] if can("payroll.run.write") else [],
        row_url=lambda r: url_for("payroll.run", run_id=r.id),
    )
    return view.render()


@bp.route("/runs/new", methods=["GET", "POST"])
@requires("payroll.run.write")
def new_run():
    today = local_today()
    if request.method == "POST":
        form = request.form
        created = {}

        def create():
            employees = [int(x) for x in form.get("employees", "").replace("，", ",").split(",") if x.strip()]
            created["run"] = payroll.create_run(
                db.session, current_user, institution=form.get("institution", ""), year=int(form.get("year") or 0),
                month=int(form.get("month") or 0), kind=form.get("kind", "regular"),
                community_wide=form.get("community_wide") == "1", employees=employees, note=form.get("note", ""))
        try:
            return _create(create, created)
        except ValueError:
            abort(400)
    return render_template("payroll/run_new.html", institutions=institutions(), year=today.year, month=today.month,
                           kinds=RUN_KIND_TITLES)


def _create(create, created):
    response = act(create, url_for("payroll.runs"), _("已创建发放批次"), url_for("payroll.new_run"))
    if "run" in created:
        response.location = url_for("payroll.run", run_id=created["run"].id)
    return response


def _run_or_404(run_id: int) -> PayrollRun:
    try:
        return payroll.run_by_id(db.session, run_id)
    except BusinessError:
        abort(404)


@bp.get("/runs/<int:run_id>")
@requires("payroll.run.read")
@shows(PayrollRun, "run_id")
def run(run_id):
    found = _run_or_404(run_id)
    slips = list(db.session.scalars(payroll.slips_of(db.session, found)).unique())
    reviews = payroll.review_run(db.session, found) if found.state is not RunState.DRAFT else []
    computing = payroll.active_job(db.session, found)
    return render_template("payroll/run.html", run=found, slips=[slip_dict(s, found) for s in slips],
                           reviews=reviews, states=RUN_STATE_TITLES, kinds=RUN_KIND_TITLES,
                           actions=_actions(found), job=_shown_job(computing), computing=computing)


def _shown_job(computing):
    """The job the page follows: the one just submitted (``?job=``) if it is the user's, else the user's compute
    of the run still under way (``computing``)."""
    job_id = request.args.get("job", type=int)
    if job_id:
        try:
            return jobs.job_for(db.session, current_user, job_id)
        except BusinessError:
            return None
    return computing if computing is not None and computing.user_id == current_user.id else None


def _actions(run: PayrollRun) -> list[tuple[str, str]]:
    state, found = run.state, []
    if state in (RunState.DRAFT, RunState.COMPUTED) and can("payroll.run.write"):
        found.append(("compute", _("计算") if state is RunState.DRAFT else _("重新计算")))
    if state is RunState.COMPUTED and can("payroll.run.approve"):
        found.append(("approve", _("审批")))
    if state is RunState.APPROVED and can("payroll.run.post"):
        found.append(("post", _("记账（工资计提）")))
    if state is RunState.POSTED and can("payroll.run.pay"):
        found.append(("pay", _("发放（银行付款）")))
    return found


ACTIONS = {"compute": ("payroll.run.write", payroll.submit_compute, "已开始后台计算"),
           "approve": ("payroll.run.approve", payroll.approve_run, "已审批"),
           "post": ("payroll.run.post", payroll.post_run, "已记账"),
           "pay": ("payroll.run.pay", payroll.pay_run, "已发放")}


@bp.post("/runs/<int:run_id>/<action>")
@requires("payroll.run.read")
def run_action(run_id, action):
    if action not in ACTIONS:
        abort(404)
    permission, service, message = ACTIONS[action]
    if not can(permission):
        abort(403)
    found = _run_or_404(run_id)
    target = url_for("payroll.run", run_id=run_id)
    if action == "compute":
        return _submitted(lambda: service(db.session, found, current_user), run_id, _(message))
    return act(lambda: service(db.session, found, current_user), target, _(message))


def _submitted(submit, run_id: int, message: str):
    """Submit a background job; the run's page then follows its progress."""
    submitted = {}
    response = act(lambda: submitted.setdefault("job", submit()), url_for("payroll.run", run_id=run_id), message)
    if "job" in submitted:
        response.location = url_for("payroll.run", run_id=run_id, job=submitted["job"].id)
    return response


@bp.post("/runs/<int:run_id>/payslips.pdf")
@requires("payroll.run.read")
def run_pdf(run_id):
    """The batch PDF is printed in the background: the page shows the job and then its download link."""
    found = _run_or_404(run_id)
    return _submitted(lambda: submit_slips_pdf(db.session, found, current_user), run_id,
                      _("已开始生成工资条 PDF"))


@bp.get("/runs/<int:run_id>/bank-file.xlsx")
@requires("payroll.run.read")
def run_bank_file(run_id):
    found = _run_or_404(run_id)
    if found.state in (RunState.DRAFT, RunState.COMPUTED):
        abort(404)
    return send_file(BytesIO(bank_file(db.session, found)), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"代发工资-{found.number}.xlsx")


def _slip_or_404(slip_id: int) -> Payslip:
    slip = db.session.get(Payslip, slip_id)
    if slip is None:
        abort(404)
    return slip


@bp.get("/payslips/<int:slip_id>")
@requires("payroll.run.read")
def payslip(slip_id):
    slip = _slip_or_404(slip_id)
    return render_template("payroll/payslip.html", slip=slip_dict(
        slip, institution=db.session.get(Institution, slip.institution_id)))


@bp.get("/payslips/<int:slip_id>.pdf")
@requires("payroll.run.read")
def payslip_pdf(slip_id):
    slip = _slip_or_404(slip_id)
    return send_file(BytesIO(slips_pdf(db.session, [slip], "工资条")), mimetype=PDF_MIMETYPE, as_attachment=True,
                     download_name=f"工资条-{slip.employee.name}-{slip.year}-{slip.month:02d}.pdf")


@bp.route("/inputs", methods=["GET", "POST"])
@requires("payroll.run.read")
def inputs():
    """当月变动: the month's variable inputs of an institution's staff, one row per employee."""
    options = institutions()
    institution = chosen_institution(options)
    today = local_today()
    year = request.values.get("year", type=int) or today.year
    month = request.values.get("month", type=int) or today.month
    if not 1 <= month <= 12 or institution is None:
        abort(404)
    profiles = list(db.session.scalars(payroll.profiles_query(current_user.community_id, institution.id)).unique())
    if request.method == "POST":
        if not can("payroll.run.write"):
            abort(403)

        def save():
            values = []
            for profile in profiles:
                for code, title in INPUTS:
                    text = request.form.get(f"{code}-{profile.employee_id}", "").strip()
                    if text or (profile.employee_id, code) in current:
                        try:
                            value = parse_amount(text, field=code) if text else None
                        except MoneyError as exc:
                            raise BusinessError(f"{profile.employee.name} {title}：{exc}") from None
                        values.append({"employee": profile.employee_id, "code": code, "value": value})
            payroll.set_inputs(db.session, current_user.community_id, year, month, values)
        current = _current_inputs(profiles, year, month)
        here = url_for("payroll.inputs", institution=institution.code, year=year, month=month)
        return act(save, here, _("已保存当月变动"))
    return render_template("payroll/inputs.html", institutions=options, institution=institution, year=year,
                           month=month, profiles=profiles, inputs=INPUTS,
                           current=_current_inputs(profiles, year, month), editable=can("payroll.run.write"))


def _current_inputs(profiles, year: int, month: int) -> dict[tuple[int, str], Decimal]:
    ids = [p.employee_id for p in profiles] or [0]
    return {(row.employee_id, row.code): row.value for row in db.session.scalars(select(PayrollInput).where(
        PayrollInput.employee_id.in_(ids), PayrollInput.year == year, PayrollInput.month == month))}
