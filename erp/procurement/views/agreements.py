"""价格协议 pages: every agreement with its state (现行 / 已取代 / 已到期), and a new agreement."""
from __future__ import annotations

from decimal import ROUND_HALF_UP

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Partner
from erp.core.security import may_change_community_settings
from erp.core.timeutil import local_today
from erp.core.web import can, requires, submit_form
from erp.procurement import services as procurement
from erp.procurement.models import PLATFORM_LABELS, CatalogueItem, Platform, PriceAgreement, Supplier
from erp.procurement.views import bp
from erp.procurement.views.forms import AgreementForm


def _state(agreement: PriceAgreement) -> str:
    today = local_today()
    if agreement.superseded_by_id:
        return _("已被取代")
    if agreement.valid_to is not None and agreement.valid_to < today:
        return _("已到期")
    return _("未生效") if agreement.valid_from > today else _("现行")


@bp.get("/agreements")
@requires("procurement.agreement.read")
def agreements():
    if request.args.get("platform") not in (None, "", *[p.value for p in Platform]):
        abort(400)
    writer = can("procurement.agreement.write") and may_change_community_settings(current_user)
    view = ListView(
        title=_("价格协议（统一谈判）"),
        statement=select(PriceAgreement).join(PriceAgreement.item).join(PriceAgreement.supplier)
        .join(Supplier.partner).where(PriceAgreement.community_id == current_user.community_id),
        columns=[
            Column("item", _("医保编码"), sort=CatalogueItem.code, value=lambda a: a.item.code),
            Column("item_name", _("通用名"), value=lambda a: f"{a.item.generic_name} {a.item.specification}"),
            Column("supplier", _("供应商"), sort=Partner.code, value=lambda a: f"{a.supplier.code} {a.supplier.name}"),
            Column("unit_price", _("协议单价"), kind="amount", sort=PriceAgreement.unit_price,
                   value=lambda a: format(a.unit_price.quantize(procurement.PRICE_QUANTUM, rounding=ROUND_HALF_UP), "f")),
            Column("valid_from", _("生效"), sort=PriceAgreement.valid_from),
            Column("valid_to", _("失效"), value=lambda a: a.valid_to or _("长期")),
            Column("platform", _("平台"), value=lambda a: _(PLATFORM_LABELS[a.platform])),
            Column("agreed_volume", _("约定量"), kind="int"),
            Column("state", _("状态"), value=_state),
        ],
        filters=[
            Filter("q", _("品种编码或名称"), lambda stmt, value: stmt.where(or_(
                CatalogueItem.code.startswith(value.upper(), autoescape=True),
                CatalogueItem.generic_name.contains(value, autoescape=True)))),
            Filter("supplier", _("供应商编码"), lambda stmt, value: stmt.where(Partner.code == value)),
            Filter("platform", _("平台"), lambda stmt, value: stmt.where(PriceAgreement.platform == Platform(value)),
                   tuple((k.value, _(v)) for k, v in PLATFORM_LABELS.items())),
        ],
        default_sort="item",
        row_url=lambda a: url_for("procurement.item", code=a.item.code),
        actions=[(_("新增价格协议"), url_for("procurement.new_agreement"))] if writer else [],
    )
    return view.render()


@bp.route("/agreements/new", methods=["GET", "POST"])
@requires("procurement.agreement.write")
def new_agreement():
    if not may_change_community_settings(current_user):
        abort(403)
    form = AgreementForm(item=request.args.get("item", "")[:32])

    def create():
        community = current_user.community_id
        item = procurement.item_by_code(db.session, community, form.item.data)
        supplier = procurement.supplier_by_code(db.session, community, form.supplier.data)
        return procurement.create_agreement(db.session, item, supplier, {
            "unit_price": form.unit_price.data.strip(), "valid_from": form.valid_from.data,
            "valid_to": form.valid_to.data, "platform": form.platform.data, "platform_code": form.platform_code.data,
            "agreed_volume": form.agreed_volume.data, "note": form.note.data}, current_user)

    done = submit_form(form, url_for("procurement.agreements"), create)
    return done or render_template("form.html", form=form, title=_("新增价格协议"), cancel=url_for("procurement.agreements"))
