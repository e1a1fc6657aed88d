"""请领单 and 统一采购 JSON API: requisitions, consolidation, purchase orders and 非网采 overrides."""
from __future__ import annotations

from flask import g

from erp.core.api_framework import api_route, paged_query
from erp.core.extensions import db
from erp.procurement.api import bp
from erp.core.services import institution_by_code
from erp.procurement.schemas.flow import (ConsolidateIn, OrderOut, OrderQuery, OverrideIn, OverrideOut,
                                          PeriodQuery, PlatformOrderIn, ReasonIn, RequisitionIn, RequisitionOut,
                                          RequisitionQuery)
from erp.procurement.services import catalogue, orders, requisitions, suppliers
from erp.procurement.services.agreements import parse_unit_price
from erp.procurement.services.flow_common import parse_period


@api_route(bp, "/requisitions", "POST", permission="procurement.requisition.write",
           summary="A member's 请领单 (draft): catalogue items in its formulary, quantities in packages",
           body=RequisitionIn, response=RequisitionOut, status=201, idempotent=True)
def create_requisition(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    return requisitions.create_requisition(db.session, institution, g.user, body)


@api_route(bp, "/requisitions", permission="procurement.requisition.read", summary="Requisitions in your scope",
           query=RequisitionQuery, response=RequisitionOut, paged=True)
def list_requisitions(query):
    institution = institution_by_code(db.session, g.user.community_id, query["institution"]) \
        if query.get("institution") else None
    period = parse_period(query["period"]) if query.get("period") else None
    return paged_query(requisitions.requisition_query(institution=institution, state=query.get("state"),
                                                      period=period), query)


@api_route(bp, "/requisitions/<int:requisition_id>", permission="procurement.requisition.read",
           summary="One requisition with its lines", response=RequisitionOut)
def show_requisition(requisition_id):
    return requisitions.requisition_by_id(db.session, requisition_id)


@api_route(bp, "/requisitions/<int:requisition_id>/submit", "POST", permission="procurement.requisition.write",
           summary="Submit a requisition to the member's approver", response=RequisitionOut)
def submit_requisition(requisition_id):
    return requisitions.submit_requisition(db.session, requisitions.requisition_by_id(db.session, requisition_id),
                                           g.user)


@api_route(bp, "/requisitions/<int:requisition_id>/approve", "POST", permission="procurement.requisition.approve",
           summary="Approve a submitted requisition (not by its requester)", response=RequisitionOut)
def approve_requisition(requisition_id):
    return requisitions.approve_requisition(db.session, requisitions.requisition_by_id(db.session, requisition_id),
                                            g.user)


@api_route(bp, "/requisitions/<int:requisition_id>/reject", "POST", permission="procurement.requisition.approve",
           summary="Send a submitted requisition back (it may be submitted again)", response=RequisitionOut)
def reject_requisition(requisition_id):
    return requisitions.reject_requisition(db.session, requisitions.requisition_by_id(db.session, requisition_id),
                                           g.user)


@api_route(bp, "/purchase-orders/consolidate", "POST", permission="procurement.order.write",
           summary="统一采购: one purchase order per supplier and platform from every approved, unconsolidated "
                   "requisition line of the period, priced by the agreement in force (answers the created orders)",
           body=ConsolidateIn, status=201)
def consolidate(body):
    created = orders.consolidate(db.session, g.user, body["period"], body.get("date"))
    return OrderOut(many=True).dump(created)


@api_route(bp, "/purchase-orders/unplaced", permission="procurement.order.read",
           summary="Approved requisition lines of a period that consolidation leaves open: no agreement in force "
                   "and no 非网采 override", query=PeriodQuery)
def unplaced(query):
    return {"items": [{"item": item.code, "item_name": item.generic_name, "requisition_lines": lines,
                       "reason": "no_agreement"}
                      for item, lines in orders.unplaced_lines(db.session, g.user.community_id, query["period"])]}


@api_route(bp, "/purchase-orders", permission="procurement.order.read", summary="Purchase orders in your scope",
           query=OrderQuery, response=OrderOut, paged=True)
def list_orders(query):
    supplier = suppliers.supplier_by_code(db.session, g.user.community_id, query["supplier"]) \
        if query.get("supplier") else None
    period = parse_period(query["period"]) if query.get("period") else None
    return paged_query(orders.order_query(state=query.get("state"), period=period,
                                          supplier_id=supplier.id if supplier else None), query)


@api_route(bp, "/purchase-orders/<int:order_id>", permission="procurement.order.read",
           summary="One purchase order with its lines and the requisition lines each serves", response=OrderOut)
def show_order(order_id):
    return orders.order_by_id(db.session, order_id)


@api_route(bp, "/purchase-orders/<int:order_id>/approve", "POST", permission="procurement.order.approve",
           summary="Approve a purchase order (not by who consolidated it; licence valid)", response=OrderOut)
def approve_order(order_id):
    return orders.approve_order(db.session, orders.order_by_id(db.session, order_id), g.user)


@api_route(bp, "/purchase-orders/<int:order_id>/platform-order", "POST", permission="procurement.order.write",
           summary="Record the trading platform's order number of an approved order", body=PlatformOrderIn,
           response=OrderOut)
def platform_order(order_id, body):
    return orders.set_platform_order(db.session, orders.order_by_id(db.session, order_id), body["platform_order_no"])


@api_route(bp, "/purchase-orders/<int:order_id>/cancel", "POST", permission="procurement.order.write",
           summary="Cancel a draft order: its requisition lines are free again", body=ReasonIn, response=OrderOut)
def cancel_order(order_id, body):
    return orders.cancel_order(db.session, orders.order_by_id(db.session, order_id), body["reason"])


@api_route(bp, "/purchase-orders/<int:order_id>/lines/<int:line_id>/cancel", "POST",
           permission="procurement.order.write",
           summary="Cancel an order line nothing was received on: its requisition lines are free again. An approved "
                   "order goes back to draft (its new total needs approving again); once anything was received "
                   "on it: 409 order_receiving",
           body=ReasonIn, response=OrderOut)
def cancel_order_line(order_id, line_id, body):
    order = orders.order_by_id(db.session, order_id)
    orders.cancel_order_line(db.session, order, line_id, body["reason"])
    return orders.order_by_id(db.session, order_id)


@api_route(bp, "/purchase-overrides", "POST", permission="procurement.order.override",
           summary="总会计师: allow an item without an agreement in force to be ordered (非网采) from a supplier at a "
                   "price for a period, with a reason", body=OverrideIn, response=OverrideOut, status=201)
def create_override(body):
    community_id = g.user.community_id
    data = {"item": catalogue.item_by_code(db.session, community_id, body["item"]),
            "supplier": suppliers.supplier_by_code(db.session, community_id, body["supplier"]),
            "unit_price": parse_unit_price(body["unit_price"]), "period": body["period"], "reason": body["reason"]}
    return orders.create_override(db.session, g.user, data)
