"""Ledger web pages: the voucher entry grid (录入凭证, 修改凭证) and the JSON its cells look codes up in."""
from __future__ import annotations

import re
from decimal import Decimal

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Department, Employee, FundingSource, Institution, Partner, Project
from erp.core.money import MoneyError, parse_amount
from erp.core.scoping import OutOfScope
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.ledger.models import Voucher, VoucherState
from erp.ledger.services import chart
from erp.ledger.services.posting import Ledger, LineInput, VoucherInput
from erp.ledger.services.statement_maps import cash_flow_items
from erp.ledger.views.common import (bp, default_institution, dimension_labels, institutions_in_scope, parse_date,
                                     scoped_institution, voucher_or_404)
from erp.ledger.views.forms import (AMOUNT_FIELDS, COLUMN_TITLES, DIMENSION_FIELDS, DIMENSION_TITLES, LINE_FIELDS,
                                    LineRow, VoucherForm, line_rows_from, normalize_amount, normalize_code)

BLANK_ROWS = 4  # an empty voucher starts with this many lines; the grid adds more as they fill


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
                           dimension_fields=DIMENSION_FIELDS, cash_flow_items=cash_flow_items()), status


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
                         cash_flow_item=normalize_code(row.values["cash_flow_item"]) or None,
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
    institutions = institutions_in_scope()
    form = _entry_form(institutions)
    title, action = _("录入凭证"), url_for("ledger.new_voucher")
    if request.method == "GET":
        form.institution.data = default_institution(institutions)
        form.date.data = parse_date(request.args.get("date")) or local_today()
        return _render_entry(form, [], title=title, action=action)
    rows = line_rows_from(request.form)
    created, grid_errors, status = _save_voucher(form, rows, institutions)
    if created is None:
        return _render_entry(form, rows, title=title, action=action, grid_errors=grid_errors, status=status)
    link = url_for("ledger.voucher", voucher_id=created.id)
    flash(Markup(_("凭证已保存（未记账，临时编号 %(number)s）：<a href=\"%(link)s\">%(institution)s %(date)s "
                   "%(memo)s</a>", number=escape(created.display_number), link=escape(link),
                   institution=escape(form.institution.data), date=created.date.isoformat(),
                   memo=escape(created.memo))), "success")
    if request.form.get("then") == "new":  # 保存并新增: same institution and date, empty grid
        return redirect(url_for("ledger.new_voucher", institution=form.institution.data,
                                date=created.date.isoformat()))
    return redirect(link)


def _rows_of(voucher: Voucher) -> list[LineRow]:
    labels = dimension_labels(voucher.lines)
    rows = []
    for line in voucher.lines:
        if line.generated:
            continue
        values = {"account": line.account.code, "debit": f"{line.debit:,.2f}" if line.debit else "",
                  "credit": f"{line.credit:,.2f}" if line.credit else "", "memo": line.memo,
                  "cash_flow_item": line.cash_flow_item or ""}
        for dimension in DIMENSION_FIELDS:
            dimension_id = getattr(line, f"{dimension}_id")
            values[dimension] = labels[(dimension, dimension_id)].split(" ", 1)[0] if dimension_id else ""
        rows.append(LineRow(values))
    return rows


@bp.route("/vouchers/<int:voucher_id>/edit", methods=["GET", "POST"])
@requires("ledger.voucher.write")
def edit_voucher(voucher_id: int):
    """Edit a draft in place, in one transaction."""
    found = voucher_or_404(voucher_id)
    if found.state is VoucherState.REVIEWED:
        flash(_("已审核凭证不能修改，请先取消审核"), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    if found.state is not VoucherState.DRAFT:
        flash(_("已记账凭证不能修改，请冲销后重新录入"), "error")
        return redirect(url_for("ledger.voucher", voucher_id=voucher_id))
    institutions = institutions_in_scope()
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


# ------------------------------------------------------------------------------- JSON for the grid


@bp.get("/accounts/search")
@requires("ledger.chart.read")
def account_search():
    """Leaf financial accounts an institution may post to, by code prefix or any level's name, with their
    full names: what the grid offers."""
    institution = scoped_institution(request.args.get("institution"))
    if institution is None:
        return jsonify({"error": "unknown institution or outside your scope", "items": []}), 404
    limit = min(max(request.args.get("limit", 20, type=int), 1), 50)
    q = normalize_code(request.args.get("q", ""))
    items = [{"code": account.code, "name": account.name, "full_name": full_name, "required": account.required,
              "required_titles": [str(DIMENSION_TITLES[d]) for d in account.required if d in DIMENSION_TITLES]}
             for account, full_name in chart.search_accounts(db.session, institution, q, limit)]
    return jsonify({"institution": institution.code, "items": items})


@bp.get("/vouchers/dimensions")
@requires("ledger.voucher.write")
def voucher_dimensions():
    """The codes the grid's dimension cells offer for an institution (科室/职工 are the institution's own)."""
    institution = scoped_institution(request.args.get("institution"))
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
