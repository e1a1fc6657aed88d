"""记账模板 web pages: the kinds, a kind's lines with its version history, and the edit form.

Saving is one transaction through :func:`erp.ledger.services.posting_templates.save_template`; a refusal shows the
service's message at the row it names (``lines[2].account`` → the third filled row, column 科目).
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.rendering import format_datetime
from erp.core.security import may_change_community_settings
from erp.core.web import can, requires
from erp.ledger.services import chart, posting_templates
from erp.ledger.models import Account

bp = Blueprint("ledger_templates", __name__, url_prefix="/ledger/templates")
BLANK_ROWS = 3  # empty rows offered for new lines
LINE_FIELDS = ("role", "qualifier", "account", "description")
FIELD_ERROR = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def _account_names(codes) -> dict[str, str]:
    statement = chart.visible_accounts(current_user.community_id).where(Account.code.in_(set(codes)))
    return {a.code: a.name for a in db.session.scalars(statement)}


@bp.get("/")
@requires("ledger.chart.read")
def index():
    kinds = posting_templates.template_kinds(db.session, current_user.community_id)
    return render_template("ledger/templates/index.html", kinds=kinds)


def _page(kind: str, version: int | None, rows: list[dict] | None = None, errors: dict | None = None,
          note: str = "", status: int = 200):
    template = posting_templates.posting_template(db.session, current_user.community_id, kind, version)
    versions = posting_templates.template_versions(db.session, current_user.community_id, kind)
    editable = template.current and can("ledger.chart.write") and may_change_community_settings(current_user)
    if rows is None:
        rows = [{"role": l.role, "qualifier": l.qualifier, "account": l.account, "description": l.description}
                for l in template.lines]
    form_rows = rows + [dict.fromkeys(LINE_FIELDS, "") for _blank in range(BLANK_ROWS)]
    names = _account_names([l.account for l in template.lines] + [r["account"] for r in rows])
    return render_template("ledger/templates/detail.html", template=template, versions=versions, names=names,
                           editable=editable, form_rows=form_rows, errors=errors or {}, note=note,
                           fmt_datetime=format_datetime), status


@bp.get("/<kind>")
@requires("ledger.chart.read")
def show(kind):
    version = request.args.get("version", type=int)
    try:
        return _page(kind, version)
    except BusinessError:
        abort(404)  # no such kind or version in the community


def _submitted_rows() -> list[dict]:
    """The filled rows of the edit grid, in order (a row with neither role nor account is left out)."""
    count = request.form.get("rows", type=int) or 0
    rows = []
    for i in range(min(count, 300)):
        row = {name: request.form.get(f"{name}-{i}", "").strip() for name in LINE_FIELDS}
        if row["role"] or row["account"]:
            rows.append(row)
    return rows


@bp.post("/<kind>")
@requires("ledger.chart.write")
def save(kind):
    rows, note = _submitted_rows(), request.form.get("note", "").strip()[:256]
    try:
        saved = posting_templates.save_template(db.session, current_user.community_id, kind, rows,
                                                user=current_user, note=note)
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status)
        errors: dict = {}
        for name, messages in exc.fields.items():
            match = FIELD_ERROR.match(name)
            errors[(int(match.group(1)), match.group(2)) if match else name] = messages
        if not exc.fields:
            flash(exc.message, "error")
        return _page(kind, None, rows, errors, note, exc.status)
    flash(_("已保存记账模板 %(ref)s", ref=saved.ref), "success")
    return redirect(url_for("ledger_templates.show", kind=kind))
