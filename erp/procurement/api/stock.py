"""统一配送 JSON API: receipts (验收入库), stock, transfers, dispensing and the stock reconciliation."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import g

from erp.core.api_framework import api_route, paged_query
from erp.core.extensions import db
from erp.procurement.api import bp
from erp.core.money import decimal_str
from erp.core.services import institution_by_code
from erp.procurement.schemas.flow import PeriodQuery
from erp.procurement.schemas.stock import (AcceptIn, DispensingIn, DispensingOut, DispensingQuery, MovementQuery,
                                           PostIn, ReceiptIn, ReceiptOut, ReceiptQuery, StockOut, StockQuery,
                                           TransferIn, TransferOut)
from erp.core.timeutil import local_today
from erp.procurement.services import (alerts, catalogue, dispensing, orders, receipts, reconciliation, stock,
                                     trace_export, transfers)
from erp.procurement.services.flow_common import central_pharmacy, member_by_code


def _institution(code: str | None, *, write: bool = False):
    return institution_by_code(db.session, g.user.community_id, code, write=write) if code else None


@api_route(bp, "/receipts", "POST", permission="procurement.receipt.write",
           summary="Register a delivery against an approved order (draft): batch, expiry, 追溯码; over-receipt, "
                   "expired batch and bad batch format refused", body=ReceiptIn, response=ReceiptOut, status=201,
           idempotent=True)
def create_receipt(body):
    order = orders.order_by_id(db.session, body["purchase_order"])
    data = {**body, "institution": _institution(body.get("institution"), write=True)}
    return receipts.create_receipt(db.session, g.user, order, data)


@api_route(bp, "/receipts", permission="procurement.receipt.read", summary="Receipts in your scope",
           query=ReceiptQuery, response=ReceiptOut, paged=True)
def list_receipts(query):
    return paged_query(receipts.receipt_query(institution=_institution(query.get("institution")),
                                              state=query.get("state"), order_id=query.get("purchase_order")), query)


@api_route(bp, "/receipts/<int:receipt_id>", permission="procurement.receipt.read", summary="One receipt",
           response=ReceiptOut)
def show_receipt(receipt_id):
    return receipts.receipt_by_id(db.session, receipt_id)


@api_route(bp, "/receipts/<int:receipt_id>/accept", "POST", permission="procurement.receipt.accept",
           summary="验收入库 (not by who registered it): stock in, prices follow cost, voucher 库存物品 / 应付账款",
           body=AcceptIn, response=ReceiptOut)
def accept_receipt(receipt_id, body):
    return receipts.accept_receipt(db.session, receipts.receipt_by_id(db.session, receipt_id), g.user,
                                   body.get("date"), body.get("note"))


@api_route(bp, "/receipts/<int:receipt_id>/cancel", "POST", permission="procurement.receipt.write",
           summary="Cancel a draft receipt (its packages no longer count against the order)", response=ReceiptOut)
def cancel_receipt(receipt_id):
    return receipts.cancel_receipt(db.session, receipts.receipt_by_id(db.session, receipt_id))


@api_route(bp, "/stock", permission="procurement.stock.read",
           summary="Stock by institution, item and batch: quantity, unit cost, selling price (零差率), value",
           query=StockQuery, response=StockOut, paged=True)
def list_stock(query):
    item = catalogue.item_by_code(db.session, g.user.community_id, query["item"]) if query.get("item") else None
    page = paged_query(stock.stock_query(institution=_institution(query.get("institution")), item=item), query)
    stock.with_selling_prices(db.session, page.items)
    return page


@api_route(bp, "/stock/alerts", permission="procurement.stock.read",
           summary="Near-expiry batches (within the community's window, default 6 months) and formulary items below "
                   "the member's minimum stock")
def stock_alerts():
    return {
        "near_expiry": [{"institution": b.institution.code, "item": b.item.code, "item_name": b.item.generic_name,
                         "batch": b.batch, "expiry": b.expiry.isoformat(), "min_units": b.quantity,
                         "value": decimal_str(b.value)}
                        for b in alerts.near_expiry(db.session, g.user.community_id, local_today())],
        "below_minimum": [{"institution": row.formulary.institution.code, "item": row.formulary.item.code,
                           "item_name": row.formulary.item.generic_name, "min_stock": row.formulary.min_stock,
                           "on_hand": format(row.on_hand.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")}
                          for row in alerts.below_minimum(db.session)],
    }


@api_route(bp, "/transfers", "POST", permission="procurement.transfer.write",
           summary="A transfer (配送) from the central pharmacy to a member (draft); quantities in minimum units",
           body=TransferIn, response=TransferOut, status=201, idempotent=True)
def create_transfer(body):
    source = _institution(body.get("from_institution"), write=True) or central_pharmacy(db.session, g.user.community_id)
    target = member_by_code(db.session, g.user.community_id, body["to_institution"], "to_institution")
    return transfers.create_transfer(db.session, g.user, source, target, body)


@api_route(bp, "/transfers", permission="procurement.transfer.read", summary="Transfers in your scope",
           query=MovementQuery, response=TransferOut, paged=True)
def list_transfers(query):
    return paged_query(transfers.transfer_query(institution=_institution(query.get("institution")),
                                                state=query.get("state")), query)


@api_route(bp, "/transfers/<int:transfer_id>", permission="procurement.transfer.read", summary="One transfer",
           response=TransferOut)
def show_transfer(transfer_id):
    return transfers.transfer_by_id(db.session, transfer_id)


@api_route(bp, "/transfers/<int:transfer_id>/post", "POST", permission="procurement.transfer.post",
           summary="Send it: first expiry first out at cost, 内部往来 vouchers in both books (not by its preparer)",
           body=PostIn, response=TransferOut)
def post_transfer(transfer_id, body):
    return transfers.post_transfer(db.session, transfers.transfer_by_id(db.session, transfer_id), g.user,
                                   body.get("date"))


@api_route(bp, "/dispensing", "POST", permission="procurement.dispense.write",
           summary="Dispensing / consumption by a member (draft): minimum units, 追溯码 per box, 拆零 flagged",
           body=DispensingIn, response=DispensingOut, status=201, idempotent=True)
def create_dispensing(body):
    institution = _institution(body["institution"], write=True)
    return dispensing.create_dispensing(db.session, g.user, institution, body)


@api_route(bp, "/dispensing", permission="procurement.dispense.read", summary="Dispensing in your scope",
           query=DispensingQuery, response=DispensingOut, paged=True)
def list_dispensing(query):
    return paged_query(dispensing.dispensing_query(institution=_institution(query.get("institution")),
                                                   state=query.get("state"), no_code=query.get("no_code")), query)


@api_route(bp, "/dispensing/<int:dispensing_id>", permission="procurement.dispense.read", summary="One dispensing",
           response=DispensingOut)
def show_dispensing(dispensing_id):
    return dispensing.dispensing_by_id(db.session, dispensing_id)


@api_route(bp, "/dispensing/<int:dispensing_id>/post", "POST", permission="procurement.dispense.post",
           summary="Post it: stock out (first expiry first out, never negative), revenue = cost (零差率)",
           body=PostIn, response=DispensingOut)
def post_dispensing(dispensing_id, body):
    return dispensing.post_dispensing(db.session, dispensing.dispensing_by_id(db.session, dispensing_id), g.user,
                                      body.get("date"))


@api_route(bp, "/reports/stock-reconciliation", permission="procurement.stock.read",
           summary="账实核对: the ledger's 1302 库存物品 balance against the stock ledger, per member and in total")
def stock_reconciliation():
    result = reconciliation.reconcile(db.session, g.user.community_id)
    return {"rows": [{"institution": row.institution.code, "name": row.institution.name,
                      "ledger": decimal_str(row.ledger), "stock": decimal_str(row.stock),
                      "difference": decimal_str(row.difference), "reconciled": row.reconciled} for row in result.rows],
            "ledger_total": decimal_str(result.ledger_total), "stock_total": decimal_str(result.stock_total),
            "difference": decimal_str(result.difference), "reconciled": result.reconciled}


@api_route(bp, "/trace-codes/export", permission="procurement.dispense.read",
           summary="The month's dispensed 药品追溯码 in the 医保 upload's fields (med_list_codg, drug_trac_codg, trdn_flag, "
                   "sel_retn_time, sel_retn_cnt, manu_lotnum, expy_end); uncoded lines apart", query=PeriodQuery)
def trace_codes_export(query):
    coded, uncoded = trace_export.trace_rows(db.session, query["period"])
    return {"period": query["period"], "fields": list(trace_export.FIELDS), "rows": coded, "uncoded": uncoded}
