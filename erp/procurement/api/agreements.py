"""``/api/v1/price-agreements`` (统一谈判, with history) and the 中药饮片 selling price
``PUT /api/v1/catalogue/items/{code}/price``."""
from __future__ import annotations

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import aliased

from erp.core.api_framework import api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Partner
from erp.core.security import require_whole_community
from erp.core.services import institution_by_code
from erp.procurement import services as procurement
from erp.procurement.api import bp
from erp.procurement.models import CatalogueItem, PriceAgreement, Supplier
from erp.procurement.schemas.agreements import AgreementIn, AgreementOut, AgreementQuery, PriceIn, PriceOut, PriceQuery
from erp.procurement.schemas.settings import SettingsIn, SettingsOut


@api_route(bp, "/price-agreements", permission="procurement.agreement.read",
           summary="Price agreements with their history (every version); ?on=DATE for those in force",
           query=AgreementQuery, response=AgreementOut, paged=True)
def list_agreements(query):
    statement = (select(PriceAgreement).join(PriceAgreement.item).join(PriceAgreement.supplier).join(Supplier.partner)
                 .where(PriceAgreement.community_id == g.user.community_id))
    if query.get("item"):
        statement = statement.where(CatalogueItem.code == procurement.normalise_code(query["item"]))
    if query.get("supplier"):
        statement = statement.where(Partner.code == query["supplier"].strip())
    if query.get("platform"):
        statement = statement.where(PriceAgreement.platform == query["platform"])
    if query.get("on"):
        day = query["on"]
        inner = aliased(PriceAgreement)
        newer = select(inner.id).where(
            inner.item_id == PriceAgreement.item_id, inner.supplier_id == PriceAgreement.supplier_id,
            *procurement.covering(day, inner)).order_by(inner.id.desc()).limit(1).scalar_subquery()
        statement = statement.where(PriceAgreement.id == newer)
    return paged_query(statement.order_by(CatalogueItem.code, Partner.code, PriceAgreement.id), query)


@api_route(bp, "/price-agreements", "POST", permission="procurement.agreement.write",
           summary="Record a negotiated price (supersedes the pair's earlier agreements from its start)",
           body=AgreementIn, response=AgreementOut, status=201, idempotent=True)
def create_agreement(body):
    require_whole_community(g.user, "价格协议")
    item = procurement.item_by_code(db.session, g.user.community_id, body["item"])
    supplier = procurement.supplier_by_code(db.session, g.user.community_id, body["supplier"])
    return procurement.create_agreement(db.session, item, supplier, body, g.user)


@api_route(bp, "/price-agreements/<int:agreement_id>", permission="procurement.agreement.read",
           summary="One price agreement", response=AgreementOut)
def get_agreement(agreement_id):
    return procurement.agreement_by_id(db.session, g.user.community_id, agreement_id)


@api_route(bp, "/catalogue/items/<code>/price", "PUT", permission="procurement.price.write",
           summary="Set a member's selling price of a 中药饮片 (up to the markup cap); any other item, or above "
                   "the cap, is refused with zero_markup", body=PriceIn, response=PriceOut)
def set_price(code, body):
    institution = institution_by_code(db.session, g.user.community_id, body["institution"], write=True)
    item = procurement.item_by_code(db.session, g.user.community_id, code)
    return procurement.set_selling_price(db.session, institution, item, body["selling_price"], g.user)


@api_route(bp, "/catalogue/items/<code>/price", permission="procurement.catalogue.read",
           summary="A member's cost and selling price of an item", query=PriceQuery, response=PriceOut)
def get_price(code, query):
    institution = institution_by_code(db.session, g.user.community_id, query["institution"])
    item = procurement.item_by_code(db.session, g.user.community_id, code)
    row = procurement.selling_price_row(db.session, institution, item)
    if row is None:
        raise procurement.NoCost.for_field("item", f"{institution.code} 尚无 {item.code} 的进价 (no cost recorded yet)")
    return row


@api_route(bp, "/procurement/settings", permission="procurement.catalogue.read",
           summary="The community's procurement parameters (markup cap, payment term …)", response=SettingsOut)
def get_settings():
    return procurement.settings_for(db.session, g.user.community_id)


@api_route(bp, "/procurement/settings", "PATCH", permission="procurement.settings.write",
           summary="Change the community's procurement parameters", body=SettingsIn, response=SettingsOut)
def patch_settings(body):
    require_whole_community(g.user, "采购参数")
    return procurement.update_settings(db.session, g.user.community_id, body)
