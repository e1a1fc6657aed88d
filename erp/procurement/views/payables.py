"""统一支付 pages: invoices, payments (approve, bank file), the 货款支付情况公示 and the KPI page with charts."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, ListView
from erp.core.money import decimal_str
from erp.core.timeutil import local_today
from erp.core.web import requires, shows
from erp.procurement.models import Invoice, Payment
from erp.procurement.reports.kpis import kpi_file, kpi_rows, summary_lines, vbp_rows
from erp.procurement.reports.payables import publication_file, publication_rows, publication_totals
from erp.procurement.services import kpis, payables, publication
from erp.procurement.views import bp
from erp.procurement.views.flow_common import act, refused


@bp.get("/invoices")
@requires("procurement.invoice.read")
def invoice_list():
    return ListView(
        title=_("供应商发票"), statement=select(Invoice),
        columns=[Column("number", _("登记号"), sort=Invoice.number), Column("invoice_no", _("发票号码")),
                 Column("supplier", _("供应商"), value=lambda i: i.supplier.name),
                 Column("institution", _("单位"), value=lambda i: i.institution.code),
                 Column("invoice_date", _("开票日期"), "date"), Column("due_date", _("付款到期日"), "date", sort=Invoice.due_date),
                 Column("amount", _("金额"), "amount"), Column("paid", _("已付"), "amount"),
                 Column("outstanding", _("未付"), "amount")],
        default_sort="due_date").render()


@bp.get("/payments")
@requires("procurement.payment.read")
def payment_list():
    return ListView(
        title=_("货款支付"), statement=select(Payment),
        columns=[Column("number", _("付款单号"), sort=Payment.number),
                 Column("supplier", _("供应商"), value=lambda p: p.supplier.name),
                 Column("institution", _("单位"), value=lambda p: p.institution.code),
                 Column("date", _("付款日期"), "date", sort=Payment.date), Column("amount", _("金额"), "amount"),
                 Column("state", _("状态"), value=lambda p: _("已记账") if p.state.value == "posted" else _("待审批"))],
        default_sort="-number", row_url=lambda p: url_for("procurement.payment_page", payment_id=p.id)).render()


@bp.get("/payments/<int:payment_id>")
@requires("procurement.payment.read")
@shows(Payment, "payment_id")
def payment_page(payment_id):
    payment = db.session.get(Payment, payment_id) or abort(404)
    if request.args.get("file") == "bank":
        return payables_file(payment)
    return render_template("procurement/payment.html", payment=payment, money=decimal_str)


def payables_file(payment: Payment):
    from erp.core.api_framework import FileResult

    return FileResult(payables.bank_file(payment).encode("utf-8"), f"付款文件_{payment.number}.csv", "text/csv").send()


@bp.post("/payments/<int:payment_id>/post")
@requires("procurement.payment.post")
def payment_post(payment_id):
    payment = db.session.get(Payment, payment_id) or abort(404)
    return act(lambda: payables.post_payment(db.session, payment, current_user),
               url_for("procurement.payment_page", payment_id=payment_id), _("已记账"))


def _month() -> str:
    return request.args.get("period", "").strip() or f"{local_today():%Y-%m}"


@bp.get("/payment-publication")
@requires("procurement.invoice.read")
def payment_publication():
    period, error, result = _month(), None, None
    try:
        result = publication.publication(db.session, period)
    except BusinessError as exc:
        error = refused(exc)
    if result is not None and request.args.get("format") in ("pdf", "xlsx"):
        return publication_file(result, current_user.community.name, request.args["format"],
                                current_user.display_name).send()
    return render_template("procurement/publication.html", period=period, error=error, result=result,
                           rows=publication_rows(result) if result else [],
                           totals=publication_totals(result) if result else {}, money=decimal_str)


@bp.get("/kpis")
@requires("procurement.kpi.read")
def kpi_page():
    period, error, result = request.args.get("period", "").strip() or f"{local_today():%Y}", None, None
    try:
        result = kpis.kpis(db.session, current_user.community_id, period, local_today())
    except BusinessError as exc:
        error = refused(exc)
    if result is not None and request.args.get("format") in ("pdf", "xlsx"):
        return kpi_file(result, current_user.community.name, request.args["format"], current_user.display_name).send()
    bars = []
    if result is not None:
        for key, label in (("online_drugs", _("药品网采率")), ("online_high_value", _("高值耗材网采率")),
                           ("vbp_share", _("集采中选药品占比")), ("negotiated_coverage", _("谈判药品配备率"))):
            value = getattr(result.community, key)
            bars.append((label, float(value) if value is not None else None, result.targets.get(key)))
        if result.on_time_rate is not None:
            bars.append((_("按期付款率"), float(result.on_time_rate), None))
    return render_template("procurement/kpis.html", period=period, error=error, result=result, bars=bars,
                           rows=kpi_rows(result) if result else [], vbp=vbp_rows(result) if result else [],
                           summary=summary_lines(result) if result else [])
