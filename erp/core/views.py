"""Core web pages: sign-in, home, institution switcher, language, organisation lists (the audit log:
erp.core.audit_views)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from erp.core import security, services
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.home import home_tiles
from erp.core.forms import DepartmentForm, InstitutionForm, LoginForm
from erp.core.listview import Column, Filter, ListView
from erp.core.models import (COST_CLASS_TITLES, INSTITUTION_KIND_TITLES, CostClass, Department,
                             Institution, InstitutionKind)
from erp.core.scoping import current_scope
from erp.core.web import ACTIVE_INSTITUTION_KEY, can, in_locale, requires, submit_form

bp = Blueprint("core", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = security.authenticate(db.session, form.username.data, form.password.data,
                                         request.remote_addr)
        except security.AuthenticationFailed as exc:
            flash(in_locale(exc.message), "error")
        else:
            session.clear()
            login_user(user)
            return redirect(url_for("core.index"))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    security.end_sessions(db.session, current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("core.login"))


@bp.get("/")
@login_required
def index():
    scope = current_scope(db.session)
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()
    return render_template("index.html", institutions=institutions, scope=scope, tiles=home_tiles())


@bp.post("/switch-institution")
@login_required
def switch_institution():
    chosen = request.form.get("institution_id", type=int)
    if chosen is None:
        session.pop(ACTIVE_INSTITUTION_KEY, None)
    elif db.session.info["full_scope"].allows(chosen):
        session[ACTIVE_INSTITUTION_KEY] = chosen
    else:
        abort(403)
    return redirect(request.referrer or url_for("core.index"))


@bp.post("/language")
def set_language():
    locale = request.form.get("locale")
    if locale in ("zh_CN", "en"):
        session["locale"] = locale
    return redirect(request.referrer or url_for("core.index"))


@bp.get("/institutions")
@requires("core.institution.read")
def institutions():
    like = lambda stmt, value: stmt.where(or_(Institution.code.contains(value), Institution.name.contains(value)))
    view = ListView(
        title=_("成员单位"),
        statement=select(Institution),
        columns=[
            Column("code", _("编码"), sort=Institution.code),
            Column("name", _("名称"), sort=Institution.name),
            Column("kind", _("类型"), sort=Institution.kind, value=lambda i: _(INSTITUTION_KIND_TITLES[i.kind])),
            Column("parent", _("上级单位"), value=lambda i: i.parent.name if i.parent else ""),
            Column("uscc", _("统一社会信用代码")),
        ],
        filters=[
            Filter("q", _("编码或名称"), like),
            Filter("kind", _("类型"), lambda stmt, value: stmt.where(Institution.kind == InstitutionKind(value)),
                   tuple((k.value, v) for k, v in INSTITUTION_KIND_TITLES.items())),
        ],
        default_sort="code",
        actions=[(_("新增成员单位"), url_for("core.new_institution"))] if can("core.institution.write") else [],
    )
    return view.render()


@bp.route("/institutions/new", methods=["GET", "POST"])
@requires("core.institution.write")
def new_institution():
    form = InstitutionForm()
    done = submit_form(form, url_for("core.institutions"), lambda: services.create_institution(
        db.session, current_user.community, code=form.code.data, name=form.name.data,
        kind=InstitutionKind(form.kind.data), parent_code=form.parent.data or None, uscc=form.uscc.data or None))
    return done or render_template("form.html", form=form, title=_("新增成员单位"), cancel=url_for("core.institutions"))


@bp.get("/departments")
@requires("core.department.read")
def departments():
    view = ListView(
        title=_("科室"),
        statement=select(Department).join(Department.institution),
        columns=[
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda d: d.institution.name),
            Column("code", _("编码"), sort=Department.code),
            Column("name", _("名称"), sort=Department.name),
            Column("cost_class", _("成本类别"), sort=Department.cost_class,
                   value=lambda d: _(COST_CLASS_TITLES[d.cost_class])),
        ],
        filters=[Filter("cost_class", _("成本类别"),
                        lambda stmt, value: stmt.where(Department.cost_class == CostClass(value)),
                        tuple((k.value, v) for k, v in COST_CLASS_TITLES.items()))],
        default_sort="institution",
        actions=[(_("新增科室"), url_for("core.new_department"))] if can("core.department.write") else [],
    )
    return view.render()


@bp.route("/departments/new", methods=["GET", "POST"])
@requires("core.department.write")
def new_department():
    form = DepartmentForm()
    form.institution.choices = [(i.id, f"{i.code} {i.name}") for i in
                                db.session.scalars(select(Institution).order_by(Institution.code))]
    done = submit_form(form, url_for("core.departments"), lambda: services.create_department(
        db.session, db.session.get(Institution, form.institution.data), code=form.code.data, name=form.name.data,
        cost_class=CostClass(form.cost_class.data)))
    return done or render_template("form.html", form=form, title=_("新增科室"), cancel=url_for("core.departments"))


# ---- background jobs: the page polls the status; the result file downloads ------------------------------


def _my_job(job_id: int):
    from erp.core import jobs

    try:
        return jobs.job_for(db.session, current_user, job_id)
    except BusinessError:
        abort(404)


@bp.get("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    return render_template("job.html", job=_my_job(job_id), title=_("后台任务"))


@bp.get("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    from erp.core.schemas import JobSchema

    status = JobSchema().dump(_my_job(job_id))
    for field in ("error", "message"):  # the page's language, as it shows them
        status[field] = in_locale(status[field]) if status[field] else None
    return status


@bp.get("/jobs/<int:job_id>/result")
@login_required
def job_result(job_id: int):
    from erp.core import jobs
    from erp.core.api_framework import FileResult

    job = _my_job(job_id)
    try:
        return FileResult(*jobs.result_file(db.session, job)).send()
    except BusinessError:
        abort(404)

