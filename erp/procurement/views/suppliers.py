"""供应商 pages: the list (licence state), a new supplier, a supplier's page (edit)."""
from __future__ import annotations

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
from erp.procurement.models import ROLE_LABELS, Supplier, SupplierRole
from erp.procurement.views import bp, found_or_404
from erp.procurement.views.forms import SupplierForm

FIELDS = ("code", "name", "uscc", "role", "licence_number", "licence_expires", "bank_name", "bank_account", "active")


def _writer() -> bool:
    return can("procurement.supplier.write") and may_change_community_settings(current_user)


def _licence(supplier: Supplier) -> str:
    if supplier.licence_valid:
        return _("有效至 %(day)s", day=supplier.licence_expires.isoformat())
    return _("已过期（%(day)s）— 禁止下单、收货、付款", day=supplier.licence_expires.isoformat())


@bp.get("/suppliers")
@requires("procurement.supplier.read")
def suppliers():
    def licence_filter(stmt, value):
        today = local_today()
        return stmt.where(Supplier.licence_expires >= today if value == "valid" else Supplier.licence_expires < today)

    view = ListView(
        title=_("供应商"),
        statement=select(Supplier).join(Supplier.partner).where(Supplier.community_id == current_user.community_id),
        columns=[
            Column("code", _("编码"), sort=Partner.code),
            Column("name", _("名称"), sort=Partner.name),
            Column("uscc", _("统一社会信用代码")),
            Column("role", _("角色"), value=lambda s: _(ROLE_LABELS[s.role])),
            Column("licence_number", _("许可证号")),
            Column("licence_expires", _("许可证"), sort=Supplier.licence_expires, value=_licence),
            Column("bank_account", _("银行账号"), value=lambda s: f"{s.bank_name} {s.bank_account}".strip()),
        ],
        filters=[
            Filter("q", _("编码或名称"), lambda stmt, value: stmt.where(or_(
                Partner.code.contains(value, autoescape=True), Partner.name.contains(value, autoescape=True)))),
            Filter("role", _("角色"), lambda stmt, value: stmt.where(Supplier.role == SupplierRole(value)),
                   tuple((k.value, _(v)) for k, v in ROLE_LABELS.items())),
            Filter("licence", _("许可证"), licence_filter, (("valid", _("有效")), ("expired", _("已过期")))),
        ],
        default_sort="code",
        row_url=lambda s: url_for("procurement.supplier", code=s.code),
        actions=[(_("新增供应商"), url_for("procurement.new_supplier"))] if _writer() else [],
    )
    if request.args.get("role") not in (None, "", *[r.value for r in SupplierRole]):
        abort(400)
    return view.render()


@bp.route("/suppliers/new", methods=["GET", "POST"])
@requires("procurement.supplier.write")
def new_supplier():
    if not may_change_community_settings(current_user):
        abort(403)
    form = SupplierForm()
    done = submit_form(form, url_for("procurement.suppliers"), lambda: procurement.create_supplier(
        db.session, current_user.community_id, {name: getattr(form, name).data for name in FIELDS}))
    return done or render_template("form.html", form=form, title=_("新增供应商"), cancel=url_for("procurement.suppliers"))


@bp.route("/suppliers/<code>", methods=["GET", "POST"])
@requires("procurement.supplier.read")
def supplier(code):
    found = found_or_404(procurement.supplier_by_code, code)
    if request.method == "POST" and not _writer():
        abort(403)
    form = SupplierForm(obj=found) if request.method == "GET" else SupplierForm()
    if request.method == "POST":
        form.code.data = found.code
    done = submit_form(form, url_for("procurement.suppliers"), lambda: procurement.update_supplier(
        db.session, found, {name: getattr(form, name).data for name in FIELDS if name != "code"}))
    title = f"{_('供应商')} {found.code} {found.name} · {_licence(found)}"
    return done or render_template("form.html", form=form, title=title, cancel=url_for("procurement.suppliers"))
