"""``/api/v1/suppliers`` (addressed by code)."""
from __future__ import annotations

from flask import g
from sqlalchemy import or_, select

from erp.core.api_framework import api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Partner
from erp.core.security import require_whole_community
from erp.core.timeutil import local_today
from erp.procurement import services as procurement
from erp.procurement.api import bp
from erp.procurement.models import Supplier
from erp.procurement.schemas.suppliers import SupplierIn, SupplierOut, SupplierPatch, SupplierQuery

SUPPLIERS = "供应商档案"


@api_route(bp, "/suppliers", permission="procurement.supplier.read", summary="List the suppliers",
           query=SupplierQuery, response=SupplierOut, paged=True)
def list_suppliers(query):
    statement = select(Supplier).join(Supplier.partner).where(Supplier.community_id == g.user.community_id)
    if text := (query.get("q") or "").strip():
        statement = statement.where(or_(Partner.code.contains(text, autoescape=True),
                                        Partner.name.contains(text, autoescape=True)))
    if query.get("role"):
        statement = statement.where(Supplier.role == query["role"])
    if query.get("licence") == "valid":
        statement = statement.where(Supplier.licence_expires >= local_today())
    elif query.get("licence") == "expired":
        statement = statement.where(Supplier.licence_expires < local_today())
    return paged_query(statement.order_by(Partner.code), query)


@api_route(bp, "/suppliers", "POST", permission="procurement.supplier.write", summary="Add a supplier",
           body=SupplierIn, response=SupplierOut, status=201, idempotent=True)
def create_supplier(body):
    require_whole_community(g.user, SUPPLIERS)
    return procurement.create_supplier(db.session, g.user.community_id, body)


@api_route(bp, "/suppliers/<code>", permission="procurement.supplier.read", summary="One supplier",
           response=SupplierOut)
def get_supplier(code):
    return procurement.supplier_by_code(db.session, g.user.community_id, code)


@api_route(bp, "/suppliers/<code>", "PATCH", permission="procurement.supplier.write",
           summary="Change a supplier (licence, bank account, name …; the code stays)", body=SupplierPatch,
           response=SupplierOut)
def patch_supplier(code, body):
    require_whole_community(g.user, SUPPLIERS)
    supplier = procurement.supplier_by_code(db.session, g.user.community_id, code)
    return procurement.update_supplier(db.session, supplier, body)
