"""全成本核算 web pages: the department cost report (with PDF / Excel), the drivers grid and the plan."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import COST_CLASS_TITLES, CostClass, Department, Institution
from erp.core.rendering import format_cell
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today
from erp.core.web import ACTIVE_INSTITUTION_KEY, can, requires
from erp.costing import services as costing
from erp.costing.reports import (number_str, reconciliation_lines, report_columns, report_file, report_rows,
                                 report_totals)
from erp.ledger.services import PeriodRange

bp = Blueprint("costing", __name__, url_prefix="/costing")


def _institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.code)))


def _chosen_institution(institutions: list[Institution]) -> Institution | None:
    code = request.values.get("institution", "").strip()
    if code:
        return institution_by_code(db.session, current_user.community_id, code)
    active = session.get(ACTIVE_INSTITUTION_KEY)
    for institution in institutions:
        if institution.id == active:
            return institution
    return institutions[0] if institutions else None


def _default_period() -> str:
    today = local_today()
    return f"{today.year}-{today.month:02d}"


@bp.get("/")
@requires("costing.read")
def report():
    institutions = _institutions()
    period_text = request.args.get("period", "").strip() or _default_period()
    error, result, status = None, None, 200
    try:
        institution = _chosen_institution(institutions)
        if institution is None:
            abort(404)
        result = costing.department_cost_report(db.session, institution, costing.parse_cost_period(period_text))
    except BusinessError as exc:
        db.session.rollback()
        error, status = exc.message, exc.status
        institution = None
    fmt = request.args.get("format")
    if result is not None and fmt in ("pdf", "xlsx"):
        return report_file(result, fmt, current_user.display_name).send()
    return render_template("costing/report.html", institutions=institutions, institution=institution,
                           chosen=request.args.get("institution") or (institution.code if institution else ""),
                           period=period_text, report=result, error=error,
                           rows=report_rows(result) if result else [],
                           totals=report_totals(result) if result else {},
                           reconciliation=reconciliation_lines(result) if result else [],
                           columns=report_columns(), cost_class_titles=COST_CLASS_TITLES,
                           base_title=costing.base_title, number_str=number_str, rate_str=_rate,
                           fmt_cell=lambda value, kind, blank_zero=False: format_cell(value, kind,
                                                                                      blank_zero=blank_zero)), status


def _rate(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), "f")


def _month_arg() -> tuple[str, PeriodRange]:
    text = request.values.get("period", "").strip() or _default_period()
    return text, costing.parse_cost_month(text)


def _drivers_page(institutions, institution, period_text, period, status=200, error=None):
    departments = list(db.session.scalars(select(Department).where(Department.institution_id == institution.id)
                                          .order_by(Department.code))) if institution else []
    values = {}
    if institution is not None and period is not None:
        for row in costing.driver_rows(db.session, institution, period):
            values[(row.department_id, row.kind)] = number_str(row.value)
    plan = costing.allocation_plan(db.session, institution) if institution else []
    return render_template("costing/drivers.html", institutions=institutions, institution=institution,
                           period=period_text, departments=departments, values=values,
                           kinds=list(costing.DRIVER_KINDS.values()), plan=plan, error=error,
                           cost_class_titles=COST_CLASS_TITLES, step_classes=costing.STEP_CLASSES,
                           allocation_bases=costing.ALLOCATION_BASES, split_bases=list(costing.SPLIT_BASES),
                           base_title=costing.base_title, clinical=CostClass.CLINICAL,
                           editable=can("costing.write")), status


@bp.get("/drivers")
@requires("costing.read")
def drivers():
    institutions = _institutions()
    try:
        institution = _chosen_institution(institutions)
        period_text, period = _month_arg()
    except BusinessError as exc:
        return _drivers_page(institutions, None, request.args.get("period", ""), None, exc.status, exc.message)
    return _drivers_page(institutions, institution, period_text, period)


@bp.post("/drivers")
@requires("costing.write")
def save_drivers():
    institutions = _institutions()
    institution = _chosen_institution(institutions)
    if institution is None:
        abort(404)
    period_text = request.form.get("period", "")
    try:
        period = _month_arg()[1]
        departments = db.session.scalars(select(Department).where(Department.institution_id == institution.id))
        entries = [{"department": d.code, "kind": kind, "value": request.form[f"v-{d.id}-{kind}"].strip()}
                   for d in departments for kind in costing.DRIVER_KINDS if f"v-{d.id}-{kind}" in request.form]
        result = costing.set_drivers(db.session, institution, period.year, period.start, entries)
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        return _drivers_page(institutions, institution, period_text, None, exc.status, exc.message)
    flash(_("已保存分摊参数：%(changed)s 项更新，%(deleted)s 项删除", **result), "success")
    return redirect(url_for("costing.drivers", institution=institution.code, period=period.period))


@bp.post("/rules")
@requires("costing.write")
def save_rules():
    institutions = _institutions()
    institution = _chosen_institution(institutions)
    if institution is None:
        abort(404)
    period_text = request.form.get("period", "")
    entries = [{"from_class": c.value, "base_kind": request.form.get(f"rule-{c.value}") or None}
               for c in costing.PLAN_CLASSES if f"rule-{c.value}" in request.form]
    for code in request.form.getlist("remove_override"):
        department = db.session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                                Department.code == code))
        if department is not None:
            entries.append({"from_class": department.cost_class.value, "department": code, "base_kind": None})
    override_department = request.form.get("override_department", "").strip()
    try:
        if override_department:
            department = db.session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                                    Department.code == override_department))
            if department is None:
                raise BusinessError.for_field("override_department", f"科室 {override_department!r} 不存在")
            entries.append({"from_class": department.cost_class.value, "department": override_department,
                            "base_kind": request.form.get("override_base") or None})
        costing.set_rules(db.session, institution, entries)
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        try:
            period = _month_arg()[1]
        except BusinessError:
            period = None
        return _drivers_page(institutions, institution, period_text, period, exc.status, exc.message)
    flash(_("已保存分摊方案"), "success")
    return redirect(url_for("costing.drivers", institution=institution.code, period=period_text))
