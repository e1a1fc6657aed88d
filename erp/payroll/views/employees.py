"""职工薪酬档案 pages: the list (with Excel export), the profile form, the Excel import."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Department, Employee, Institution
from erp.core.money import MoneyError
from erp.core.timeutil import local_today
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.web import can, requires
from erp.payroll import services as payroll
from erp.payroll.models import ESTABLISHMENT_TITLES, STAFF_CATEGORY_TITLES, PayrollProfile
from erp.payroll.services.employee_sheet import export_employees, import_employees
from erp.payroll.views.common import bp, form_amount, import_upload, institutions

FLAGS = ("general_practitioner", "public_health", "is_head")


@bp.get("/employees")
@requires("payroll.employee.read")
def employees():
    actions = [(_("新增职工"), url_for("payroll.new_employee")), (_("Excel 导入"), url_for("payroll.import_employees_page")),
               (_("导出档案（导入格式）"), url_for("payroll.export_employees_file"))] \
        if can("payroll.employee.write") else []
    view = ListView(
        title=_("职工薪酬档案"),
        statement=payroll.profiles_query(current_user.community_id),
        columns=[
            Column("code", _("职工编号"), sort=Employee.code, value=lambda p: p.employee.code),
            Column("name", _("姓名"), sort=Employee.name, value=lambda p: p.employee.name),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda p: p.institution.name),
            Column("department", _("科室"), value=lambda p: p.department.name if p.department else ""),
            Column("category", _("人员类别"), value=lambda p: _(STAFF_CATEGORY_TITLES[p.staff_category])),
            Column("establishment", _("编制"), value=lambda p: _(ESTABLISHMENT_TITLES[p.establishment])),
            Column("post", _("岗位")), Column("grade", _("薪级"), "int"),
            Column("hire_date", _("入职日期"), "date", sort=PayrollProfile.hire_date),
            Column("head", _("主要负责人"), value=lambda p: _("是") if p.is_head else ""),
        ],
        filters=[
            Filter("institution", _("成员单位编码"), lambda st, v: st.where(Institution.code == v)),
            Filter("q", _("姓名或编号"), lambda st, v: st.where(or_(Employee.name.contains(v, autoescape=True),
                                                                 Employee.code.contains(v, autoescape=True)))),
        ],
        actions=actions,
        row_url=lambda p: url_for("payroll.edit_employee", employee_id=p.employee_id),
    )
    return view.render()


def _form_values(form) -> dict:
    values = {key: (form.get(key) or "").strip() for key in (
        "name", "id_number", "department", "establishment", "post", "staff_category", "bank_name", "bank_account")}
    values["grade"] = int(form.get("grade") or 1)
    for key in FLAGS:
        values[key] = form.get(key) == "1"
    for key in ("insurance_base", "housing_fund_base"):
        values[key] = form_amount(form, key) if (form.get(key) or "").strip() else None
    for key in ("hire_date", "leave_date"):
        values[key] = date.fromisoformat(form[key]) if form.get(key) else None
    return values


def _render_form(profile, form, status=200):
    departments = list(db.session.scalars(select(Department).order_by(Department.institution_id, Department.code)))
    return render_template("payroll/employee_form.html", profile=profile, form=form, institutions=institutions(),
                           departments=departments, categories=STAFF_CATEGORY_TITLES,
                           establishments=ESTABLISHMENT_TITLES, flags=FLAGS), status


@bp.route("/employees/new", methods=["GET", "POST"])
@requires("payroll.employee.write")
def new_employee():
    if request.method == "GET":
        return _render_form(None, {"hire_date": local_today().isoformat(), "grade": "1"})
    try:
        values = _form_values(request.form)
        if not values["hire_date"]:
            values.pop("hire_date")
        profile = payroll.create_employee(db.session, current_user.community_id,
                                          institution=request.form.get("institution", ""), **values)
        db.session.commit()
    except (BusinessError, MoneyError, ValueError) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", None) or str(exc), "error")
        return _render_form(None, request.form, 422)
    flash(_("已保存"), "success")
    return redirect(url_for("payroll.edit_employee", employee_id=profile.employee_id))


@bp.route("/employees/<int:employee_id>", methods=["GET", "POST"])
@requires("payroll.employee.read")
def edit_employee(employee_id):
    try:
        profile = payroll.employee_profile(db.session, employee_id)
    except BusinessError:
        abort(404)
    if request.method == "GET":
        return _render_form(profile, {})
    if not can("payroll.employee.write"):
        abort(403)
    try:
        values = _form_values(request.form)
        values["department"] = values["department"] or None
        payroll.update_employee(db.session, profile, values)
        db.session.commit()
    except (BusinessError, MoneyError, ValueError) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", None) or str(exc), "error")
        return _render_form(payroll.employee_profile(db.session, employee_id), request.form, 422)
    flash(_("已保存"), "success")
    return redirect(url_for("payroll.edit_employee", employee_id=employee_id))


@bp.route("/employees/import", methods=["GET", "POST"])
@requires("payroll.employee.write")
def import_employees_page():
    errors = None
    if request.method == "POST":
        def run_import(data: bytes) -> str:
            created, updated = import_employees(db.session, current_user.community_id, data)
            return _("已导入：新增 %(c)s 人，更新 %(u)s 人", c=created, u=updated)
        done, errors = import_upload(run_import, url_for("payroll.employees"))
        if done is not None:
            return done
    return render_template("payroll/employee_import.html", errors=errors), 422 if errors else 200




@bp.get("/employees/export.xlsx")
@requires("payroll.employee.read")
def export_employees_file():
    data = export_employees(db.session, current_user.community_id)
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="职工薪酬档案.xlsx")
