"""Ledger web pages: voucher list, entry grid, detail with post / reverse / delete, periods, Excel import.

Every action is one transaction: the Ledger service (or ``periods``) does the work, the view commits on
success and rolls back on a refusal, showing the service's message next to the cell it names
(``lines[2].account`` → row 3, column 科目) or as a flash message.
"""
from __future__ import annotations

import base64
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, send_file,
                   session, url_for)
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Department, Employee, FundingSource, Institution, Partner, Project, User
from erp.core.money import MoneyError, parse_amount
from erp.core.rendering import XLSX_MIMETYPE, format_datetime
from erp.core.scoping import OutOfScope
from erp.core.timeutil import local_today
from erp.core.web import ACTIVE_INSTITUTION_KEY, can, requires
from erp.ledger import chart
from erp.ledger import periods as period_service
from erp.ledger import voucher_import
from erp.ledger.forms import (AMOUNT_FIELDS, COLUMN_TITLES, DIMENSION_FIELDS, DIMENSION_TITLES, LINE_FIELDS,
                              ImportForm, LineRow, PeriodForm, ReopenForm, ReverseForm, VoucherForm, line_rows_from,
                              normalize_amount, normalize_code)
from erp.ledger.models import Account, Basis, Period, Voucher, VoucherLine, VoucherState
from erp.ledger.posting import Ledger, LineInput, VoucherInput

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

STATUS_TITLES = {"draft": "未记账", "posted": "已记账", "reversed": "已冲销"}
BLANK_ROWS = 4  # an empty voucher starts with this many lines; the grid adds more as they fill


# ------------------------------------------------------------------------------------------ helpers


def _institutions() -> list[Institution]:
    """The institutions the user may book for now (their scope, narrowed by the switcher)."""
    return list(db.session.scalars(select(Institution).where(Institution.active.is_(True))
                                   .order_by(Institution.code)))


def _default_institution(institutions: list[Institution]) -> str | None:
    wanted = request.args.get("institution")
    if wanted and any(i.code == wanted for i in institutions):
        return wanted
    active_id = session.get(ACTIVE_INSTITUTION_KEY)
    for institution in institutions:
        if institution.id == active_id:
            return institution.code
    return institutions[0].code if institutions else None


def _scoped_institution(code: str | None) -> Institution | None:
    if not code:
        return None
    return db.session.scalar(select(Institution).where(Institution.community_id == g.user.community_id,
                                                       Institution.code == code))


def _voucher_or_404(voucher_id: int) -> Voucher:
    """The voucher if it is in the user's scope (scoping filters the query): 404 otherwise."""
    voucher = db.session.scalar(select(Voucher).where(Voucher.id == voucher_id)
                                .options(selectinload(Voucher.lines).selectinload(VoucherLine.account)))
    if voucher is None:
        abort(404)
    return voucher


def _refusal_message(exc: Exception) -> str:
    if isinstance(exc, BusinessError):
        parts = [exc.message] + [m for messages in exc.fields.values() for m in messages if m != exc.message]
        return "；".join(parts)
    return str(exc)


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------- list, detail


def _period_filter(statement, value):
    year, month = period_service.parse_period(value)
    return statement.where(Voucher.year == year, Voucher.month == month)


@bp.get("/vouchers")
@requires("ledger.voucher.read")
def vouchers():
    actions = []
    if can("ledger.voucher.write"):
        actions = [(_("录入凭证"), url_for("ledger.new_voucher")), (_("导入凭证"), url_for("ledger.import_vouchers"))]
    view = ListView(
        title=_("凭证"),
        statement=select(Voucher).join(Voucher.institution),
        columns=[
            Column("number", _("凭证号"), sort=Voucher.number, value=lambda v: v.number or _("（未记账）")),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda v: v.institution.name),
            Column("date", _("日期"), "date", sort=Voucher.date),
            Column("memo", _("摘要")),
            Column("status", _("状态"), value=lambda v: _(STATUS_TITLES[v.status])),
        ],
        filters=[
            Filter("period", _("期间 (YYYY-MM)"), _period_filter),
            Filter("state", _("状态"), lambda stmt, value: stmt.where(Voucher.state == VoucherState(value)),
                   (("draft", _("未记账")), ("posted", _("已记账")))),
        ],
        default_sort="-date",
        actions=actions,
        row_url=lambda v: url_for("ledger.voucher", voucher_id=v.id),
    )
    return view.render()


def _dimension_labels(lines: list[VoucherLine]) -> dict[tuple[str, int], str]:
    """(dimension, id) -> "code name" for the dimensions the lines carry."""
    models = {"department": Department, "partner": Partner, "funding_source": FundingSource,
              "employee": Employee, "project": Project}
    labels: dict[tuple[str, int], str] = {}
    for dimension, model in models.items():
        ids = {getattr(line, f"{dimension}_id") for line in lines} - {None}
        if ids:
            for row in db.session.execute(select(model.id, model.code, model.name).where(model.id.in_(ids))):
                labels[(dimension, row.id)] = f"{row.code} {row.name}"
    return labels


def _pdf_url(voucher: Voucher) -> str | None:
    """The printable voucher (记账凭证 PDF) from the reports pages, when that module is installed. Its API
    twin (``GET /api/v1/vouchers/<id>/pdf``) wants a bearer token, which a browser link does not carry."""
    if "ledger_reports.voucher_pdf" not in current_app.view_functions:
        return None
    try:
        return url_for("ledger_reports.voucher_pdf", voucher_id=voucher.id)
    except BuildError:
        return None


@bp.get("/vouchers/<int:voucher_id>")
@requires("ledger.voucher.read")
def voucher(voucher_id: int):
    found = _voucher_or_404(voucher_id)
    financial = [line for line in found.lines if line.basis is Basis.FINANCIAL]
    budget = [line for line in found.lines if line.basis is Basis.BUDGET]
    reverse_form = ReverseForm(formdata=None, date=local_today())
    return render_template(
        "ledger/voucher.html", voucher=found, status_titles=STATUS_TITLES, financial=financial, budget=budget,
        totals={name: (sum((l.debit for l in lines), Decimal("0.00")), sum((l.credit for l in lines), Decimal("0.00")))
                for name, lines in (("financial", financial), ("budget", budget))},
        dimension_labels=_dimension_labels(found.lines), dimension_titles=DIMENSION_TITLES,
        dimension_fields=DIMENSION_FIELDS, reverse_form=reverse_form, pdf_url=_pdf_url(found),
        is_preparer=found.preparer_id == g.user.id,
        separation=found.institution.community.separation_of_duties)


# ------------------------------------------------------------------------------------------ entry


def _entry_form(institutions: list[Institution]) -> VoucherForm:
    form = VoucherForm()
    form.institution.choices = [(i.code, f"{i.code} {i.name}") for i in institutions]
    return form


def _render_entry(form: VoucherForm, rows: list[LineRow], *, title: str, action: str, grid_errors=(),
                  status: int = 200, editing: Voucher | None = None):
    while len(rows) < BLANK_ROWS:
        rows.append(LineRow.blank())
    totals = _typed_totals(rows)
    return render_template("ledger/voucher_form.html", form=form, rows=rows, blank_row=LineRow.blank(), title=title,
                           action=action, grid_errors=list(grid_errors), totals=totals, editing=editing,
                           line_fields=LINE_FIELDS, column_titles=COLUMN_TITLES,
                           dimension_fields=DIMENSION_FIELDS), status


def _typed_totals(rows: list[LineRow]) -> dict[str, Decimal]:
    """The totals of the amounts that parse (the page shows them before any script runs)."""
    totals = {"debit": Decimal("0.00"), "credit": Decimal("0.00")}
    for row in rows:
        for side in AMOUNT_FIELDS:
            try:
                totals[side] += parse_amount(normalize_amount(row.values[side]) or "0")
            except MoneyError:
                pass
    totals["difference"] = totals["debit"] - totals["credit"]
    return totals


_LINE_FIELD = re.compile(r"lines\[(\d+)\]\.(\w+)")


def _place_errors(exc: BusinessError, form: VoucherForm, entered: list[LineRow], grid_errors: list[str]) -> None:
    """Show a service refusal next to the cell it names; ``lines`` and unknown fields go above the grid."""
    for name, messages in exc.fields.items():
        match = _LINE_FIELD.fullmatch(name)
        if match and int(match[1]) < len(entered) and match[2] in LINE_FIELDS:
            for message in messages:
                entered[int(match[1])].add_error(match[2], message)
        elif name in ("institution", "date", "memo", "attachment_count"):
            field = getattr(form, name)
            field.errors = list(field.errors) + list(messages)
        else:
            grid_errors.extend(messages)
    if not exc.fields:
        grid_errors.append(exc.message)


def _save_voucher(form: VoucherForm, rows: list[LineRow], institutions: list[Institution],
                  replacing: Voucher | None = None) -> tuple[Voucher | None, list[str], int]:
    """Validate the grid, create the draft (or correct the one being edited) through the service and
    commit; or roll back and return the messages. Returns (voucher, grid errors, HTTP status)."""
    grid_errors: list[str] = []
    status = 200
    valid = form.validate()
    if form.institution.data not in {i.code for i in institutions}:
        form.institution.errors = list(form.institution.errors) + [
            _("成员单位不在您当前的权限范围内（请检查右上角的单位切换）")]
        valid, status = False, 403
    entered = [row for row in rows if not row.is_blank]
    for row in entered:
        row.values = {name: value.strip() for name, value in row.values.items()}
        if not normalize_code(row.values["account"]):
            row.add_error("account", _("请填写科目"))
        for side in AMOUNT_FIELDS:
            try:
                parse_amount(normalize_amount(row.values[side]) or "0", field=side)
            except MoneyError as exc:
                row.add_error(side, str(exc))
    if not valid or grid_errors or any(row.errors for row in entered):
        return None, grid_errors, status
    data = VoucherInput(
        institution=form.institution.data, date=form.date.data, memo=(form.memo.data or "").strip(),
        attachment_count=form.attachment_count.data or 0,
        lines=[LineInput(account=normalize_code(row.values["account"]),
                         debit=normalize_amount(row.values["debit"]) or "0",
                         credit=normalize_amount(row.values["credit"]) or "0",
                         memo=row.values["memo"],
                         **{d: normalize_code(row.values[d]) or None for d in DIMENSION_FIELDS})
               for row in entered])
    ledger = Ledger(db.session, g.user)
    try:
        voucher = ledger.update_draft(replacing, data) if replacing is not None else ledger.create_draft(data)
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        _place_errors(exc, form, entered, grid_errors)
        return None, grid_errors, 200
    except OutOfScope:
        db.session.rollback()
        form.institution.errors = list(form.institution.errors) + [_("成员单位不在您的权限范围内")]
        return None, grid_errors, 403
    return voucher, grid_errors, status


@bp.route("/vouchers/new", methods=["GET", "POST"])
@requires("ledger.voucher.write")
def new_voucher():
    institutions = _institutions()
    form = _entry_form(institutions)
    title, action = _("录入凭证"), url_for("ledger.new_voucher")
    if request.method == "GET":
        form.institution.data = _default_institution(institutions)
        form.date.data = _parse_date(request.args.get("date")) or local_today()
        return _render_entry(form, [], title=title, action=action)
    rows = line_rows_from(request.form)
    created, grid_errors, status = _save_voucher(form, rows, institutions)
    if created is None:
        return _render_entry(form, rows, title=title, action=action, grid_errors=grid_errors, status=status)
    link = url_for("ledger.voucher", voucher_id=created.id)
    flash(Markup(_("凭证已保存（未记账）：<a href=\"%(link)s\">%(institution)s %(date)s %(memo)s</a>",
                   link=escape(link), institution=escape(form.institution.data), date=created.date.isoformat(),
                   memo=escape(created.memo))), "success")
    if request.form.get("then") == "new":  # 保存并新增: same institution and date, empty grid
        return redirect(url_for("ledger.new_voucher", institution=form.institution.data,
                                date=created.date.isoformat()))
    return redirect(link)


def _rows_of(voucher: Voucher) -> list[LineRow]:
    labels = _dimension_labels(voucher.lines)
    rows = []
    for line in voucher.lines:
        if line.generated:
            continue
        values = {"account": line.account.code, "debit": f"{line.debit:.2f}" if line.debit else "",
                  "credit": f"{line.credit:.2f}" if line.credit else "", "memo": line.memo}
        for dimension in DIMENSION_FIELDS:
            dimension_id = getattr(line, f"{dimension}_id")
            values[dimension] = labels[(dimension, dimension_id)].split(" ", 1)[0] if dimension_id else ""
        rows.append(LineRow(values))
    return rows


@bp.route("/vouchers/<int:voucher_id>/edit", methods=["GET", "POST"])
@requires("ledger.voucher.write")
def edit_voucher(voucher_id: int):
    """Edit a draft in place, in one transaction."""
    found = _voucher_or_404(voucher_id)
    if found.state is not VoucherState.DRAFT:
        flash(_("已记账凭证不能修改，请冲销后重新录入"), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    institutions = _institutions()
    form = _entry_form(institutions)
    title = _("修改凭证（未记账）")
    action = url_for("ledger.edit_voucher", voucher_id=voucher_id)
    if request.method == "GET":
        form.institution.data = found.institution.code
        form.date.data = found.date
        form.memo.data = found.memo
        form.attachment_count.data = found.attachment_count
        return _render_entry(form, _rows_of(found), title=title, action=action, editing=found)
    rows = line_rows_from(request.form)
    created, grid_errors, status = _save_voucher(form, rows, institutions, replacing=found)
    if created is None:
        return _render_entry(form, rows, title=title, action=action, grid_errors=grid_errors, status=status,
                             editing=found)
    flash(_("凭证已修改（未记账）"), "success")
    return redirect(url_for("ledger.voucher", voucher_id=created.id))


@bp.post("/vouchers/<int:voucher_id>/delete")
@requires("ledger.voucher.write")
def delete_voucher(voucher_id: int):
    found = _voucher_or_404(voucher_id)
    try:
        Ledger(db.session, g.user).delete_draft(found)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_refusal_message(exc), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    flash(_("未记账凭证已删除"), "success")
    return redirect(url_for("ledger.vouchers", state="draft"))


@bp.post("/vouchers/<int:voucher_id>/post")
@requires("ledger.voucher.post")
def post_voucher(voucher_id: int):
    found = _voucher_or_404(voucher_id)
    try:
        Ledger(db.session, g.user).post(found)
        number = found.number
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("不能记账：%(message)s", message=_refusal_message(exc)), "error")
    else:
        flash(_("已记账，凭证号 %(number)s", number=number), "success")
    return redirect(url_for("ledger.voucher", voucher_id=voucher_id))


@bp.post("/vouchers/<int:voucher_id>/reverse")
@requires("ledger.voucher.reverse")
def reverse_voucher(voucher_id: int):
    found = _voucher_or_404(voucher_id)
    form = ReverseForm()
    if not form.validate():
        flash("；".join(m for messages in form.errors.values() for m in messages), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    try:
        reversal = Ledger(db.session, g.user).reverse(found, form.date.data, (form.memo.data or "").strip() or None)
        number, reversal_id = reversal.number, reversal.id
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_("不能冲销：%(message)s", message=_refusal_message(exc)), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    flash(_("已冲销，红字冲销凭证 %(number)s", number=number), "success")
    return redirect(url_for("ledger.voucher", voucher_id=reversal_id))


# ------------------------------------------------------------------------------- JSON for the grid


@bp.get("/accounts/search")
@requires("ledger.chart.read")
def account_search():
    """Leaf financial accounts an institution may post to, by code prefix or name: what the grid offers."""
    institution = _scoped_institution(request.args.get("institution"))
    if institution is None:
        return jsonify({"error": "unknown institution or outside your scope", "items": []}), 404
    limit = min(max(request.args.get("limit", 20, type=int), 1), 50)
    q = normalize_code(request.args.get("q", ""))
    statement = (chart.visible_accounts(institution.community_id, institution)
                 .where(Account.basis == Basis.FINANCIAL, Account.has_children.is_(False)))
    if q:
        statement = statement.where(or_(Account.code.startswith(q, autoescape=True),
                                        Account.name.contains(q, autoescape=True)))
    statement = statement.order_by(Account.code, Account.institution_id.desc().nulls_last()).limit(limit * 2)
    items, seen = [], set()
    for account in db.session.scalars(statement):
        if account.code in seen or not chart.is_leaf(db.session, account, institution):
            continue
        seen.add(account.code)
        items.append({"code": account.code, "name": account.name, "required": account.required,
                      "required_titles": [str(DIMENSION_TITLES[d]) for d in account.required if d in DIMENSION_TITLES]})
        if len(items) >= limit:
            break
    return jsonify({"institution": institution.code, "items": items})


@bp.get("/vouchers/dimensions")
@requires("ledger.voucher.write")
def voucher_dimensions():
    """The codes the grid's dimension cells offer for an institution (科室/职工 are the institution's own)."""
    institution = _scoped_institution(request.args.get("institution"))
    if institution is None:
        return jsonify({"error": "unknown institution or outside your scope"}), 404
    community_id = institution.community_id

    def pairs(statement):
        return [{"code": code, "name": name} for code, name in db.session.execute(statement)]

    return jsonify({
        "institution": institution.code,
        "department": pairs(select(Department.code, Department.name).where(
            Department.institution_id == institution.id, Department.active.is_(True)).order_by(Department.code)),
        "employee": pairs(select(Employee.code, Employee.name).where(Employee.institution_id == institution.id)
                          .order_by(Employee.code)),
        "partner": pairs(select(Partner.code, Partner.name).where(Partner.community_id == community_id)
                         .order_by(Partner.code)),
        "funding_source": pairs(select(FundingSource.code, FundingSource.name).where(
            FundingSource.community_id == community_id).order_by(FundingSource.code)),
        "project": pairs(select(Project.code, Project.name).where(Project.community_id == community_id)
                         .order_by(Project.code)),
    })


# ------------------------------------------------------------------------------------------ periods


@bp.get("/periods")
@requires("ledger.period.read")
def periods():
    institutions = _institutions()
    chosen = request.args.get("institution")
    if chosen is None:  # first visit: the switcher's institution, or the first one in scope
        chosen = _default_institution(institutions) or ""
    year = request.args.get("year", type=int) or local_today().year
    statement = (select(Period).join(Institution, Institution.id == Period.institution_id)
                 .where(Period.year == year).order_by(Institution.code, Period.month))
    if chosen:
        statement = statement.where(Institution.code == chosen)
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
                           closable=set(next_to_close.values()), reopenable=set(last_closed.values()))


def _period_action(form: PeriodForm, action):
    back = url_for("ledger.periods", institution=request.form.get("back_institution", form.institution.data or ""),
                   year=request.form.get("back_year") or None)
    if not form.validate():
        flash(_("请求无效：请刷新页面后重试"), "error")
        return redirect(back)
    institution = _scoped_institution(form.institution.data)
    if institution is None:
        abort(404)
    try:
        year, month = period_service.parse_period(form.period.data)
        message = action(institution, year, month)
        db.session.commit()
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(_refusal_message(exc), "error")
    else:
        flash(message, "success")
    return redirect(back)


@bp.post("/periods/close")
@requires("ledger.period.close")
def close_period():
    def close(institution, year, month):
        period = period_service.close_period(db.session, institution, year, month, g.user)
        return _("%(institution)s %(period)s 已结账", institution=institution.name, period=period.label)

    return _period_action(PeriodForm(), close)


@bp.post("/periods/reopen")
@requires("ledger.period.reopen")
def reopen_period():
    form = ReopenForm()

    def reopen(institution, year, month):
        period = period_service.reopen_period(db.session, institution, year, month, g.user, form.reason.data or "")
        return _("%(institution)s %(period)s 已反结账", institution=institution.name, period=period.label)

    return _period_action(form, reopen)


# ------------------------------------------------------------------------------------------- import


@bp.get("/vouchers/import/template.xlsx")
@requires("ledger.voucher.write")
def import_template():
    data = voucher_import.build_template(_default_institution(_institutions()) or "", local_today())
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="凭证导入模板.xlsx")


@bp.route("/vouchers/import", methods=["GET", "POST"])
@requires("ledger.voucher.write")
def import_vouchers():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("ledger/import.html", form=form, errors=None)
    upload = form.file.data
    filename = upload.filename or ""
    try:
        created = voucher_import.import_vouchers(db.session, g.user, upload.read())
        count = len(created)
        db.session.commit()
    except voucher_import.ImportFailed as failure:
        db.session.rollback()
        report = voucher_import.error_report_xlsx(failure.errors, filename)
        report_url = f"data:{XLSX_MIMETYPE};base64,{base64.b64encode(report).decode('ascii')}"
        return render_template("ledger/import.html", form=form, errors=failure.errors, message=failure.message,
                               filename=filename, report_url=report_url,
                               report_name=f"凭证导入错误-{filename.rsplit('.', 1)[0] or '报告'}.xlsx")
    flash(_("已导入 %(count)s 张凭证（未记账），请审核后记账", count=count), "success")
    return redirect(url_for("ledger.vouchers", state="draft"))
