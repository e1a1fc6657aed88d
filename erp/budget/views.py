"""预算 web pages: the budget holder's overview (tile + community roll-up), budgets with their lines in force,
versions and actions, the drill-down of a line, the execution report (ECharts chart, PDF, Excel), fund usage,
and the public-health / 医保 programmes."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Community, Institution
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today
from erp.core.web import can, requires
from erp.budget import services as budget
from erp.budget.models import (BUDGET_STATE_TITLES, CONTROL_TITLES, ENTRY_KIND_TITLES, Budget, BudgetLine,
                               InsuranceBudget, PublicHealthFund)
from erp.budget.reports import budget_workbook, execution_file, line_rows, month_rows, totals
from erp.budget.reports.funds import insurance_file, public_health_file, usage_file

bp = Blueprint("budget", __name__, url_prefix="/budget")


def _year() -> int:
    try:
        return int(request.args.get("year") or local_today().year)
    except ValueError:
        return local_today().year


def _years() -> list[int]:
    this = local_today().year
    return [this + 1, this, this - 1, this - 2]


@bp.get("/")
@requires("budget.read")
def home():
    year = _year()
    return render_template("budget/home.html", year=year, years=_years(), tile=budget.holder_tile(db.session, year),
                           rows=budget.community_rollup(db.session, year))


@bp.get("/budgets")
@requires("budget.read")
def budgets():
    year = _year()
    items = list(db.session.scalars(select(Budget).join(Institution, Institution.id == Budget.institution_id)
                                    .where(Budget.year == year).order_by(Institution.code)))
    institutions = list(db.session.scalars(select(Institution).order_by(Institution.code)))
    return render_template("budget/budgets.html", year=year, years=_years(), items=items, institutions=institutions,
                           state_titles=BUDGET_STATE_TITLES)


@bp.post("/budgets")
@requires("budget.write")
def create_budget():
    try:
        institution = institution_by_code(db.session, current_user.community_id, request.form.get("institution", ""),
                                          write=True)
        created = budget.create_budget(db.session, institution, int(request.form.get("year") or 0), user=current_user)
        upload = request.files.get("file")
        if upload and upload.filename:
            budget.set_lines(db.session, budget.version_of(created, 1), budget.workbook.read_lines(upload.read()))
        db.session.commit()
    except (BusinessError, ValueError) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", str(exc)), "error")
        return redirect(url_for("budget.budgets"))
    return redirect(url_for("budget.detail", budget_id=created.id))


@bp.get("/budgets/<int:budget_id>")
@requires("budget.read")
def detail(budget_id: int):
    item = budget.budget_by_id(db.session, budget_id)
    if request.args.get("format") == "xlsx":
        return budget_workbook(item).send()
    return render_template("budget/detail.html", budget=item, control_titles=CONTROL_TITLES,
                           state_titles=BUDGET_STATE_TITLES, may_write=can("budget.write"),
                           may_approve=can("budget.approve"))


ACTIONS = {"submit": ("budget.write", budget.submit), "approve": ("budget.approve", budget.approve),
           "execute": ("budget.approve", budget.execute), "close": ("budget.approve", budget.close),
           "return": ("budget.approve", budget.return_to_draft)}


@bp.post("/budgets/<int:budget_id>/<action>")
@requires("budget.read")
def act(budget_id: int, action: str):
    if action not in ACTIONS and action not in ("import", "adjust", "approve-version", "reject-version",
                                                "submit-version"):
        return redirect(url_for("budget.detail", budget_id=budget_id))
    try:
        item = budget.budget_by_id(db.session, budget_id)
        _do(item, action)
        db.session.commit()
        flash("已完成 (done)", "info")
    except BusinessError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("budget.detail", budget_id=budget_id))


def _do(item: Budget, action: str) -> None:
    def need(permission: str) -> None:
        if not can(permission):
            raise BusinessError(f"无权限 {permission} (permission needed)", code="forbidden")

    if action in ACTIONS:
        permission, run = ACTIONS[action]
        need(permission)
        run(db.session, item, current_user)
    elif action == "import":
        need("budget.write")
        upload = request.files.get("file")
        if not upload or not upload.filename:
            raise BusinessError.for_field("file", "请选择 Excel 文件 (choose a workbook)")
        pending = [v for v in item.versions if v.state.value == "draft"]
        if not pending:
            raise BusinessError("没有可编辑的草稿版本 (no draft version to import into)", code="version_not_draft")
        budget.set_lines(db.session, pending[-1], budget.workbook.read_lines(upload.read()))
    elif action == "adjust":
        need("budget.write")
        budget.create_adjustment(db.session, item, user=current_user, reason=request.form.get("reason", ""))
    else:
        version = budget.version_of(item, request.form.get("version", type=int) or 0)
        if action == "submit-version":
            need("budget.write")
            budget.submit_version(db.session, version, current_user)
        elif action == "approve-version":
            need("budget.approve")
            budget.approve_version(db.session, version, current_user)
        else:
            need("budget.approve")
            budget.reject_version(db.session, version, current_user, request.form.get("reason", ""))


@bp.get("/lines/<int:line_id>")
@requires("budget.read")
def line(line_id: int):
    found = db.session.get(BudgetLine, line_id)
    if found is None:
        return redirect(url_for("budget.budgets"))
    return render_template("budget/line.html", line=found, entries=budget.line_entries(db.session, line_id),
                           kind_titles=ENTRY_KIND_TITLES)


@bp.get("/execution")
@requires("budget.read")
def execution():
    year = _year()
    items = list(db.session.scalars(select(Budget).join(Institution, Institution.id == Budget.institution_id)
                                    .where(Budget.year == year).order_by(Institution.code)))
    chosen = request.args.get("budget", type=int)
    selected = next((b for b in items if b.id == chosen), items[0] if items else None)
    report = budget.execution.execution(db.session, selected) if selected else None
    if report is not None and request.args.get("format") in ("pdf", "xlsx"):
        return execution_file(report, request.args["format"], current_user.display_name).send()
    chart = None
    if report is not None:
        chart = {"plan": [str(v) for v in report.plan_by_month], "actual": [str(v) for v in report.actual_by_month]}
    return render_template("budget/execution.html", year=year, years=_years(), items=items, selected=selected,
                           report=report, rows=line_rows(report) if report else [],
                           totals=totals(report) if report else {}, months=month_rows(report) if report else [],
                           chart=chart)


@bp.get("/funds")
@requires("budget.fund.read")
def funds():
    from erp.budget.models import FundReceipt

    receipts = list(db.session.scalars(select(FundReceipt).order_by(FundReceipt.date.desc(), FundReceipt.id.desc())
                                       .limit(200)))
    usage = budget.funds.fund_usage(db.session, current_user.community_id)
    if request.args.get("format") in ("pdf", "xlsx"):
        community = db.session.get(Community, current_user.community_id)
        return usage_file(usage, request.args["format"], current_user.display_name, community.name).send()
    drill = None
    if request.args.get("institution") and request.args.get("funding_source"):
        drill = budget.funds.spending_vouchers(db.session, request.args.get("institution", type=int) or 0,
                                               request.args.get("funding_source", type=int) or 0)
    return render_template("budget/funds.html", receipts=receipts, usage=usage, drill=drill,
                           purposes=budget.funds.PURPOSES, years=_years())


@bp.get("/funds/<int:receipt_id>")
@requires("budget.fund.read")
def receipt(receipt_id: int):
    return redirect(url_for("budget.funds") + f"#receipt-{receipt_id}")


@bp.get("/programmes")
@requires("budget.fund.read")
def programmes():
    community = current_user.community_id
    fmt, which = request.args.get("format"), request.args.get("id", type=int)
    if fmt in ("pdf", "xlsx") and which:
        community = db.session.get(Community, community).name
        if request.args.get("kind") == "insurance":
            item = budget.programmes.insurance_budget(db.session, current_user.community_id, which)
            return insurance_file(item, fmt, current_user.display_name, community).send()
        item = budget.programmes.public_health_fund(db.session, current_user.community_id, which)
        return public_health_file(item, fmt, current_user.display_name, community).send()
    health = list(db.session.scalars(select(PublicHealthFund).where(PublicHealthFund.community_id == community)
                                     .order_by(PublicHealthFund.year.desc())))
    insurance = list(db.session.scalars(select(InsuranceBudget).where(InsuranceBudget.community_id == community)
                                        .order_by(InsuranceBudget.year.desc())))
    settings = budget.parameters.in_force(db.session, current_user.community_id)
    return render_template("budget/programmes.html", health=health, insurance=insurance, years=_years(),
                           year=_year(), settings=settings)
