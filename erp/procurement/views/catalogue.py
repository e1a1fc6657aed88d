"""统一用药目录 pages: the searchable list (Excel export), a new item, an item's page (edit, agreements with
history, formularies, the members' prices and the 中药饮片 price form)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution
from erp.core.security import may_change_community_settings
from erp.core.services import institution_by_code
from erp.core.timeutil import to_local
from erp.core.web import can, requires, submit_form
from erp.procurement import services as procurement
from erp.procurement.models import (CATEGORY_LABELS, FLAG_LABELS, FLAGS, PLATFORM_LABELS, CatalogueItem, Formulary,
                                    SellingPrice)
from erp.procurement.views import bp, found_or_404
from erp.procurement.views.forms import FormularyForm, ItemForm, PriceForm


def flags_text(item: CatalogueItem) -> str:
    return "、".join(_(FLAG_LABELS[flag]) for flag in item.flags)


def _valid(value: str, allowed) -> str:
    return value if value in allowed else ""


@bp.get("/catalogue")
@requires("procurement.catalogue.read")
def catalogue():
    # the filters go through the service's query (the one the API answers with); unknown choices are ignored
    query = {"q": request.args.get("q", "").strip()[:64],
             "category": _valid(request.args.get("category", ""), {c.value for c in CATEGORY_LABELS}),
             "flag": _valid(request.args.get("flag", ""), FLAGS)}
    keep = lambda stmt, value: stmt  # noqa: E731  (applied by the query above)
    writer = can("procurement.catalogue.write") and may_change_community_settings(current_user)
    view = ListView(
        title=_("统一用药目录"),
        statement=procurement.item_query(db.session, current_user.community_id, query).order_by(None),
        columns=[
            Column("code", _("医保编码"), sort=CatalogueItem.code),
            Column("generic_name", _("通用名"), sort=CatalogueItem.generic_name),
            Column("category", _("类别"), value=lambda i: _(CATEGORY_LABELS[i.category])),
            Column("dosage_form", _("剂型")),
            Column("specification", _("规格")),
            Column("package_unit", _("包装"), value=lambda i: f"{i.units_per_package}{i.min_unit}/{i.package_unit}"),
            Column("manufacturer", _("生产企业")),
            Column("flags", _("标识"), value=flags_text),
            Column("active", _("状态"), value=lambda i: _("启用") if i.active else _("停用")),
        ],
        filters=[
            Filter("q", _("编码或名称"), keep),
            Filter("category", _("类别"), keep, tuple((k.value, _(v)) for k, v in CATEGORY_LABELS.items())),
            Filter("flag", _("标识"), keep, tuple((k, _(v)) for k, v in FLAG_LABELS.items())),
        ],
        default_sort="code",
        row_url=lambda item: url_for("procurement.item", code=item.code),
        actions=[(_("新增品种"), url_for("procurement.new_item")), (_("导入目录"), url_for("procurement.import_catalogue"))]
        if writer else [],
    )
    return view.render()


def _item_data(form: ItemForm) -> dict:
    return {name: getattr(form, name).data for name in (
        "code", "category", "generic_name", "trade_name", "dosage_form", "specification", "package_unit",
        "min_unit", "units_per_package", "manufacturer", "approval_number", "flags", "active")}


@bp.route("/catalogue/new", methods=["GET", "POST"])
@requires("procurement.catalogue.write")
def new_item():
    if not may_change_community_settings(current_user):
        abort(403)
    form = ItemForm()
    done = submit_form(form, url_for("procurement.item", code=(form.code.data or "").strip().upper()),
                       lambda: procurement.create_item(db.session, current_user.community_id, _item_data(form)))
    return done or render_template("form.html", form=form, title=_("新增目录品种"),
                                   cancel=url_for("procurement.catalogue"))


@bp.route("/catalogue/<code>", methods=["GET", "POST"])
@requires("procurement.catalogue.read")
def item(code):
    found = found_or_404(procurement.item_by_code, code)
    editable = can("procurement.catalogue.write") and may_change_community_settings(current_user)
    form = ItemForm(obj=found, flags=found.flags) if request.method == "GET" else ItemForm()
    if request.method == "POST":
        if not editable:
            abort(403)
        form.code.data, form.category.data = found.code, found.category.value
        done = submit_form(form, url_for("procurement.item", code=found.code),
                           lambda: procurement.update_item(db.session, found, _item_data(form)))
        if done:
            return done
    members = list(db.session.scalars(select(Institution).order_by(Institution.code)))
    price_form, formulary_form = PriceForm(prefix="price"), FormularyForm(prefix="formulary")
    price_form.institution.choices = formulary_form.institution.choices = [(m.code, f"{m.code} {m.name}")
                                                                           for m in members]
    return render_template(
        "procurement/item.html", item=found, form=form, editable=editable, price_form=price_form,
        may_price=can("procurement.price.write") and found.may_mark_up, flags=flags_text(found),
        formulary_form=formulary_form, may_formulary=can("procurement.formulary.write"),
        history=procurement.agreement_history(db.session, found), platforms=PLATFORM_LABELS,
        formularies=list(db.session.scalars(select(Formulary).join(Formulary.institution).where(
            Formulary.item_id == found.id).order_by(Institution.code))),
        prices=list(db.session.scalars(select(SellingPrice).join(SellingPrice.institution).where(
            SellingPrice.item_id == found.id).order_by(Institution.code))),
        settings=procurement.settings_for(db.session, current_user.community_id),
        local=lambda moment: f"{to_local(moment):%Y-%m-%d %H:%M}" if moment else "")


def _member_action(code: str, form, action, done: str, incomplete: str):
    """A form on the item's page acting for one member (its price, its formulary): the member in the user's
    scope, one transaction, the outcome flashed, back to the item's page."""
    found = found_or_404(procurement.item_by_code, code)
    form.institution.choices = [(m.code, m.code) for m in db.session.scalars(select(Institution))]
    if form.validate_on_submit():
        member = institution_by_code(db.session, current_user.community_id, form.institution.data, write=True)
        try:
            action(found, member, form)
            db.session.commit()
            flash(done % {"member": member.name}, "success")
        except BusinessError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    else:
        flash(incomplete, "error")
    return redirect(url_for("procurement.item", code=found.code))


@bp.post("/catalogue/<code>/price")
@requires("procurement.price.write")
def set_price(code):
    return _member_action(code, PriceForm(prefix="price"), lambda item, member, form: procurement.set_selling_price(
        db.session, member, item, form.selling_price.data.strip(), current_user),
        _("%(member)s 的售价已保存"), _("请选择成员单位并填写售价"))


@bp.post("/catalogue/<code>/formulary")
@requires("procurement.formulary.write")
def set_formulary(code):
    return _member_action(code, FormularyForm(prefix="formulary"), lambda item, member, form: procurement.set_formulary(
        db.session, member, item, active=form.action.data == "add", min_stock=form.min_stock.data),
        _("%(member)s 的用药目录已更新"), _("请选择成员单位和操作"))
