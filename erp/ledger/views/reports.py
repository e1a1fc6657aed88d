"""Report pages: 科目余额表 with drill-down (→ 明细账 → 凭证), 总账, 明细账 and the statements, each with
PDF and Excel downloads. The parameters are those of the report API, so every link can be shared."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import Community, Institution
from erp.core.scoping import current_scope
from erp.core.timeutil import local_today
from erp.core.web import requires
from erp.ledger import reports
from erp.ledger.models import Account
from erp.ledger.services.chart import visible_accounts
from erp.ledger.services.posting import voucher_in_scope

bp = Blueprint("ledger_reports", __name__, url_prefix="/ledger/reports")

WHOLE_COMMUNITY = "*"
PAGES = {
    "trial-balance": "科目余额表",
    "general-ledger": "总账",
    "detail-ledger": "明细账",
    **reports.STATEMENT_TITLES,
}
TARGET_KEYS = ("institution", "institutions", "community")


def _bool(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    return value.lower() in ("1", "true", "yes", "on")


def _params() -> dict:
    """The request's report parameters, with the page's defaults (the active institution, this month)."""
    params = {key: value.strip() for key, value in request.args.items() if value.strip()}
    scope = current_scope(db.session)
    if params.get("institution") == WHOLE_COMMUNITY:
        params.pop("institution")
        params["community"] = db.session.get(Community, current_user.community_id).code
    if not any(params.get(key) for key in TARGET_KEYS) and scope is not None:
        if len(scope.institution_ids) == 1:
            only = db.session.get(Institution, next(iter(scope.institution_ids)))
            params["institution"] = only.code
        elif scope.whole_community:
            params["community"] = db.session.get(Community, current_user.community_id).code
        elif own := [i for i in current_user.institutions if scope.allows(i.id)]:
            params["institution"] = own[0].code  # e.g. the township centre, not its village clinics
    if not params.get("period") and not params.get("from"):
        params["period"] = local_today().strftime("%Y-%m")
    params["consolidated"] = _bool(params.get("consolidated"))
    return params


def _choices() -> tuple[list[Institution], bool]:
    scope = current_scope(db.session)
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()
    return institutions, bool(scope and scope.whole_community)


def _page(name: str, template: str, **extra):
    params = _params()
    report, error, status = None, None, 200
    if name == "detail-ledger" and not params.get("account"):
        error = _("请选择科目")  # the page opens on the account picker
    elif any(params.get(key) for key in TARGET_KEYS):
        try:
            report = reports.build_report(db.session, current_user, name, params)
        except BusinessError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
    fmt = request.args.get("format", "")
    if report is not None and fmt in ("pdf", "xlsx"):
        data, filename, mimetype = reports.report_file(report, fmt, current_user)
        return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)
    institutions, whole = _choices()
    selected = WHOLE_COMMUNITY if params.get("community") else params.get("institution", "")
    return render_template(template, name=name, title=_(PAGES[name]), report=report, error=error, params=params,
                           institutions=institutions, whole_community=whole, selected=selected,
                           download=_download_url, pages=PAGES, accounts=_accounts(name, params),
                           anchor=reports.period_anchor_of(report.target, report.rng) if report is not None else None,
                           **extra), status


def _accounts(name: str, params: dict) -> list[Account]:
    """The account picker of the ledgers: the chart the chosen institution uses (the shared one otherwise)."""
    if name not in ("general-ledger", "detail-ledger"):
        return []
    institution = db.session.scalar(select(Institution).where(
        Institution.community_id == current_user.community_id, Institution.code == params.get("institution", "")))
    return db.session.scalars(visible_accounts(current_user.community_id, institution)
                              .order_by(Account.code)).all()


def _download_url(fmt: str) -> str:
    args = request.args.to_dict()
    args["format"] = fmt
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def link_args(report) -> dict:
    """The target and range of a report, as query arguments for drill-down links."""
    return {**report.target.query_args(), **report.rng.query_args()}


@bp.app_template_global("report_link_args")
def _report_link_args(report) -> dict:
    return link_args(report)


@bp.app_template_filter("report_amount")
def _amount(value, blank_zero: bool = False) -> str:
    if value is None:
        return ""
    return reports.format_amount(value, blank_zero=blank_zero)


@bp.get("/")
@requires("ledger.report.read")
def index():
    return render_template("ledger/reports/index.html", title=_("财务报表"), pages=PAGES)


@bp.get("/trial-balance")
@requires("ledger.report.read")
def trial_balance():
    return _page("trial-balance", "ledger/reports/trial_balance.html")


@bp.get("/general-ledger")
@requires("ledger.report.read")
def general_ledger():
    return _page("general-ledger", "ledger/reports/general_ledger.html")


@bp.get("/detail-ledger")
@requires("ledger.report.read")
def detail_ledger():
    return _page("detail-ledger", "ledger/reports/detail_ledger.html")


@bp.get("/statements/<name>")
@requires("ledger.report.read")
def statement(name: str):
    if name not in reports.STATEMENTS:
        abort(404)
    return _page(name, "ledger/reports/statement.html")


@bp.get("/vouchers/<int:voucher_id>/pdf")
@requires("ledger.voucher.read")
def voucher_pdf(voucher_id: int):
    try:
        document = reports.voucher_print(voucher_in_scope(db.session, voucher_id))
    except BusinessError:
        abort(404)
    return send_file(BytesIO(document.pdf()), mimetype=reports.PDF_MIMETYPE, as_attachment=False,
                     download_name=document.filename())
