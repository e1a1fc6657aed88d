"""``/api/v1/catalogue/items`` (addressed by code) and ``/api/v1/formularies``."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from erp.core.api_framework import api_route, paged_query
from erp.core.extensions import db
from erp.core.security import require_whole_community
from erp.core.services import institution_by_code
from erp.procurement import services as procurement
from erp.procurement.api import bp
from erp.procurement.models import CatalogueItem, Formulary
from erp.procurement.schemas.catalogue import (FormularyIn, FormularyOut, FormularyQuery, ItemIn, ItemOut,
                                               ItemPatch, ItemQuery)

CATALOGUE = "统一用药目录"


@api_route(bp, "/catalogue/items", permission="procurement.catalogue.read", summary="List the catalogue",
           query=ItemQuery, response=ItemOut, paged=True)
def list_items(query):
    return paged_query(procurement.item_query(db.session, g.user.community_id, query), query)


@api_route(bp, "/catalogue/items", "POST", permission="procurement.catalogue.write",
           summary="Add an item to the community catalogue", body=ItemIn, response=ItemOut, status=201,
           idempotent=True)
def create_item(body):
    require_whole_community(g.user, CATALOGUE)
    return procurement.create_item(db.session, g.user.community_id, body)


@api_route(bp, "/catalogue/items/<code>", permission="procurement.catalogue.read", summary="One catalogue item",
           response=ItemOut)
def get_item(code):
    return procurement.item_by_code(db.session, g.user.community_id, code)


@api_route(bp, "/catalogue/items/<code>", "PUT", permission="procurement.catalogue.write",
           summary="Replace a catalogue item's fields", body=ItemIn, response=ItemOut)
def replace_item(code, body):
    return _update_item(code, body)


@api_route(bp, "/catalogue/items/<code>", "PATCH", permission="procurement.catalogue.write",
           summary="Change some of a catalogue item's fields", body=ItemPatch, response=ItemOut)
def patch_item(code, body):
    return _update_item(code, body)


def _update_item(code: str, body: dict):
    """PUT and PATCH: the item locked, its fields changed (PUT's schema requires all, PATCH's any)."""
    require_whole_community(g.user, CATALOGUE)
    item = procurement.item_by_code(db.session, g.user.community_id, code, lock=True)
    return procurement.update_item(db.session, item, body)


@api_route(bp, "/formularies", permission="procurement.catalogue.read", summary="A member's formulary",
           query=FormularyQuery, response=FormularyOut, paged=True)
def list_formulary(query):
    institution = institution_by_code(db.session, g.user.community_id, query["institution"])
    statement = select(Formulary).join(Formulary.item).where(Formulary.institution_id == institution.id)
    if query.get("active") is not None:
        statement = statement.where(Formulary.active.is_(query["active"]))
    return paged_query(statement.order_by(CatalogueItem.code), query)


@api_route(bp, "/formularies", "POST", permission="procurement.formulary.write",
           summary="Put an item in (or take it out of) a member's formulary", body=FormularyIn,
           response=FormularyOut)
def set_formulary(body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    item = procurement.item_by_code(db.session, g.user.community_id, body["item"])
    return procurement.set_formulary(db.session, institution, item, active=body["active"],
                                     min_stock=body["min_stock"])
