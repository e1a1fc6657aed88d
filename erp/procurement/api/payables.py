"""统一支付 JSON API: supplier invoices (three-way match, 两票制), payments (partial, posted by another person),
the bank file, the overdue list and the 货款支付情况公示."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import g

from erp.core.api_framework import JSON, FileResult, api_route, paged_query
from erp.core.extensions import db
from erp.core.money import decimal_str
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today
from erp.procurement.api import bp
from erp.procurement.reports.payables import publication_file
from erp.procurement.schemas.payables import (InvoiceIn, InvoiceOut, InvoiceQuery, PaymentIn, PaymentOut,
                                              KpiQuery, PaymentQuery, PublicationQuery)
from erp.procurement.schemas.stock import PostIn
from erp.procurement.reports.kpis import kpi_file, kpi_rows, summary_lines, vbp_rows
from erp.procurement.services import kpis, payables, publication, suppliers

CSV = "text/csv"
RATE = Decimal("0.0001")


def _institution(code):
    return institution_by_code(db.session, g.user.community_id, code) if code else None


@api_route(bp, "/invoices", "POST", permission="procurement.invoice.write",
           summary="Register a supplier invoice matched to accepted receipt lines (quantity and price; 两票制: a "
                   "distributor's line records the manufacturer's invoice, a third invoice is refused)",
           body=InvoiceIn, response=InvoiceOut, status=201, idempotent=True)
def create_invoice(body):
    supplier = suppliers.supplier_by_code(db.session, g.user.community_id, body["supplier"])
    return payables.create_invoice(db.session, g.user, supplier, body)


@api_route(bp, "/invoices", permission="procurement.invoice.read", summary="Supplier invoices in your scope",
           query=InvoiceQuery, response=InvoiceOut, paged=True)
def list_invoices(query):
    supplier = suppliers.supplier_by_code(db.session, g.user.community_id, query["supplier"]) \
        if query.get("supplier") else None
    return paged_query(payables.institution_invoices(db.session, _institution(query.get("institution")), supplier),
                       query)


@api_route(bp, "/invoices/overdue", permission="procurement.invoice.read",
           summary="Invoices not fully paid after their due date (acceptance + the payment term)")
def overdue():
    return {"items": [{"id": i.id, "institution": i.institution.code, "supplier": i.supplier.code,
                       "invoice_no": i.invoice_no, "due_date": i.due_date.isoformat(),
                       "outstanding": decimal_str(i.outstanding)} for i in payables.overdue_invoices(db.session)]}


@api_route(bp, "/invoices/<int:invoice_id>", permission="procurement.invoice.read", summary="One invoice",
           response=InvoiceOut)
def show_invoice(invoice_id):
    return payables.invoice_by_id(db.session, invoice_id)


@api_route(bp, "/payments", "POST", permission="procurement.payment.write",
           summary="Prepare a payment to a supplier allocated to its invoices (partial payments allowed)",
           body=PaymentIn, response=PaymentOut, status=201, idempotent=True)
def create_payment(body):
    supplier = suppliers.supplier_by_code(db.session, g.user.community_id, body["supplier"])
    return payables.create_payment(db.session, g.user, supplier, body)


@api_route(bp, "/payments", permission="procurement.payment.read", summary="Payments in your scope",
           query=PaymentQuery, response=PaymentOut, paged=True)
def list_payments(query):
    return paged_query(payables.payment_query(institution=_institution(query.get("institution")),
                                              state=query.get("state")), query)


@api_route(bp, "/payments/<int:payment_id>", permission="procurement.payment.read", summary="One payment",
           response=PaymentOut)
def show_payment(payment_id):
    return payables.payment_by_id(db.session, payment_id)


@api_route(bp, "/payments/<int:payment_id>/post", "POST", permission="procurement.payment.post",
           summary="Approve and book a payment (not by its preparer): 应付账款 / 银行存款 with 平行记账",
           body=PostIn, response=PaymentOut)
def post_payment(payment_id, body):
    return payables.post_payment(db.session, payables.payment_by_id(db.session, payment_id), g.user,
                                 body.get("date"))


@api_route(bp, "/payments/<int:payment_id>/bank-file", permission="procurement.payment.read",
           summary="The bank's payment file of a payment (CSV)", produces=(CSV,))
def payment_bank_file(payment_id):
    payment = payables.payment_by_id(db.session, payment_id)
    return FileResult(payables.bank_file(payment).encode("utf-8"), f"付款文件_{payment.number}.csv", CSV)


@api_route(bp, "/reports/payment-publication", permission="procurement.invoice.read",
           summary="货款支付情况公示 per supplier for the month invoices fall due: due, paid on time, paid late "
                   "(days), unpaid (format=pdf|xlsx downloads it)",
           query=PublicationQuery, produces=(JSON, PDF_MIMETYPE, XLSX_MIMETYPE))
def payment_publication(query):
    result = publication.publication(db.session, query["period"])
    if query["format"] in ("pdf", "xlsx"):
        return publication_file(result, g.user.community.name, query["format"], g.user.display_name)
    rate = result.on_time_rate
    return {"period": result.period, "on_time_rate": None if rate is None else format(rate.quantize(RATE, rounding=ROUND_HALF_UP), "f"),
            "rows": [{"supplier": r.supplier.code, "name": r.supplier.name, "invoices": r.invoices,
                      "due": decimal_str(r.due), "paid_on_time": decimal_str(r.on_time), "paid_late": decimal_str(r.late),
                      "days_late": r.days_late, "unpaid": decimal_str(r.unpaid)} for r in result.rows]}


@api_route(bp, "/reports/procurement-kpis", permission="procurement.kpi.read",
           summary="采购绩效: 网采率 (drugs, high-value consumables), 集采 share and agreed-volume completion, 谈判药品配备, "
                   "on-time payment rate, stock turnover days — per member and community (format=pdf|xlsx)",
           query=KpiQuery, produces=(JSON, PDF_MIMETYPE, XLSX_MIMETYPE))
def procurement_kpis(query):
    result = kpis.kpis(db.session, g.user.community_id, query["period"], local_today())
    if query["format"] in ("pdf", "xlsx"):
        return kpi_file(result, g.user.community.name, query["format"], g.user.display_name)
    return {"period": result.period, "targets": {k: format(v, "f") for k, v in result.targets.items()},
            "on_time_payment_rate": None if result.on_time_rate is None else format(result.on_time_rate, "f"),
            "vbp_elapsed": format(result.elapsed, "f"), "summary": summary_lines(result),
            "rows": kpi_rows(result), "vbp_completion": vbp_rows(result)}
