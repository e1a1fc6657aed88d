"""请领单 and 统一采购 pages: the requisition list, entry grid and approval; consolidation (preview, then one
click makes the orders); the order list and page (approve, platform order number, cancel a line)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution, User
from erp.core.money import decimal_str
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today
from erp.core.web import can, requires, shows
from erp.procurement.models import (PLATFORM_LABELS, CatalogueItem, PurchaseOrder, Requisition, RequisitionState,
                                    Supplier)
from erp.procurement.services import orders, requisitions
from erp.procurement.services.flow_common import parse_period
from erp.procurement.views import bp
from erp.procurement.views.flow_common import act, form_lines, refused, whole_number


@bp.get("/requisitions")
@requires("procurement.requisition.read")
def requisition_list():
    states = tuple((s.value, label) for s, label in zip(RequisitionState, (_("草稿"), _("已提交"), _("已审批"), _("已退回"))))
    view = ListView(
        title=_("请领单"),
        statement=select(Requisition).join(Requisition.institution),
        columns=[Column("number", _("单号"), sort=Requisition.number),
                 Column("institution", _("成员单位"), value=lambda r: f"{r.institution.code} {r.institution.name}",
                        sort=Institution.code),
                 Column("date", _("日期"), "date", sort=Requisition.date),
                 Column("lines", _("行数"), "int", value=lambda r: len(r.lines)),
                 Column("state", _("状态"), value=lambda r: _(r.state_title))],
        filters=[Filter("state", _("状态"), lambda s, v: s.where(Requisition.state == RequisitionState(v)), states),
                 Filter("institution", _("单位编码"), lambda s, v: s.where(Institution.code == v))],
        default_sort="-number",
        actions=[(_("新建请领单"), url_for("procurement.requisition_new"))] if can("procurement.requisition.write") else [],
        row_url=lambda r: url_for("procurement.requisition_page", requisition_id=r.id))
    return view.render()


def _institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.code)))


@bp.route("/requisitions/new", methods=["GET", "POST"])
@requires("procurement.requisition.write")
def requisition_new():
    rows = [{"item": "", "quantity": ""}] * 8
    chosen = request.values.get("institution", "")
    if request.method == "POST":
        rows = form_lines(request.form, ("item", "quantity")) or rows
        try:
            institution = institution_by_code(db.session, current_user.community_id, chosen, write=True)
            requisition = requisitions.create_requisition(db.session, institution, current_user, {
                "memo": request.form.get("memo", ""),
                "lines": [{"item": r["item"], "quantity": whole_number(r["quantity"])} for r in rows]})
            if request.form.get("submit"):
                requisitions.submit_requisition(db.session, requisition, current_user)
            db.session.commit()
            flash(_("请领单 %(number)s 已保存", number=requisition.number), "success")
            return redirect(url_for("procurement.requisition_page", requisition_id=requisition.id))
        except BusinessError as exc:
            db.session.rollback()
            flash(refused(exc), "error")
    return render_template("procurement/requisition_form.html", institutions=_institutions(), chosen=chosen,
                           rows=rows + [{"item": "", "quantity": ""}] * 3), 200 if request.method == "GET" else 422


@bp.get("/requisitions/<int:requisition_id>")
@requires("procurement.requisition.read")
def requisition_page(requisition_id):
    requisition = db.session.get(Requisition, requisition_id) or abort(404)
    return render_template("procurement/requisition.html", requisition=requisition)


@bp.post("/requisitions/<int:requisition_id>/<any(submit, approve, reject):action>")
@requires("procurement.requisition.read")
def requisition_action(requisition_id, action):
    needed = "procurement.requisition.write" if action == "submit" else "procurement.requisition.approve"
    if not can(needed):
        abort(403)
    requisition = db.session.get(Requisition, requisition_id) or abort(404)
    service = {"submit": requisitions.submit_requisition, "approve": requisitions.approve_requisition,
               "reject": requisitions.reject_requisition}[action]
    return act(lambda: service(db.session, requisition, current_user),
               url_for("procurement.requisition_page", requisition_id=requisition_id), _("已处理"))


# ---- consolidation and orders --------------------------------------------------------------------------


def _default_period() -> str:
    return f"{local_today():%Y-%m}"


@bp.route("/orders/consolidate", methods=["GET", "POST"])
@requires("procurement.order.read")
def consolidate():
    """The preview of what consolidation would order (per supplier and platform, and what stays open), and
    the button that makes the orders."""
    period = request.values.get("period", "").strip() or _default_period()
    if request.method == "POST":
        if not can("procurement.order.write"):
            abort(403)
        try:
            made = orders.consolidate(db.session, current_user, period)
            db.session.commit()
            flash(_("已生成 %(n)s 张采购订单", n=len(made)), "success")
            return redirect(url_for("procurement.order_list", period=period))
        except BusinessError as exc:
            db.session.rollback()
            flash(refused(exc), "error")
    groups, unplaced, error, names = {}, [], None, {}
    try:
        year, month = parse_period(period)
        placements, open_items = orders.plan_consolidation(db.session, current_user.community_id, year, month,
                                                           local_today())
        names = {i.id: i for i in db.session.scalars(select(CatalogueItem).where(
            CatalogueItem.id.in_(set(placements) | set(open_items))))}
        suppliers = {s.id: s for s in db.session.scalars(select(Supplier))}
        for placement in sorted(placements.values(), key=lambda p: p.item_id):
            groups.setdefault((suppliers[placement.supplier_id], placement.platform), []).append(placement)
        unplaced = [(names[item_id], lines) for item_id, lines in open_items.items()]
    except BusinessError as exc:
        error = refused(exc)
    return render_template("procurement/consolidate.html", period=period, groups=groups, unplaced=unplaced,
                           error=error, items=names, platforms=PLATFORM_LABELS, money=decimal_str)


@bp.get("/orders")
@requires("procurement.order.read")
def order_list():
    states = (("draft", _("待审批")), ("approved", _("已审批")), ("cancelled", _("已作废")))

    def period_filter(statement, value):
        try:
            year, month = parse_period(value)
        except BusinessError:
            return statement.where(PurchaseOrder.id.is_(None))
        return statement.where(PurchaseOrder.year == year, PurchaseOrder.month == month)

    view = ListView(
        title=_("采购订单"),
        statement=select(PurchaseOrder),
        columns=[Column("number", _("订单号"), sort=PurchaseOrder.number),
                 Column("supplier", _("供应商"), value=lambda o: o.supplier.name),
                 Column("platform", _("平台"), value=lambda o: _(PLATFORM_LABELS[o.platform])),
                 Column("period", _("期间"), value=lambda o: f"{o.year}-{o.month:02d}"),
                 Column("amount", _("金额"), "amount", value=lambda o: o.amount),
                 Column("platform_order_no", _("平台订单号")),
                 Column("state", _("状态"), value=lambda o: _(o.state_title))],
        filters=[Filter("period", _("期间"), period_filter),
                 Filter("state", _("状态"), lambda s, v: s.where(PurchaseOrder.state == v), states)],
        default_sort="-number",
        actions=[(_("汇总请领单"), url_for("procurement.consolidate"))] if can("procurement.order.read") else [],
        row_url=lambda o: url_for("procurement.order_page", order_id=o.id))
    return view.render()


@bp.get("/orders/<int:order_id>")
@requires("procurement.order.read")
@shows(PurchaseOrder, "order_id")
def order_page(order_id):
    order = db.session.get(PurchaseOrder, order_id) or abort(404)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.community_id == current_user.community_id))}
    cancellable = {line.id for line in order.lines if orders.line_cancel_refusal(order, line) is None}
    return render_template("procurement/order.html", order=order, platforms=PLATFORM_LABELS, users=users,
                           money=decimal_str, cancellable=cancellable)


@bp.post("/orders/<int:order_id>/<any(approve, platform, cancel, cancel_line):action>")
@requires("procurement.order.read")
def order_action(order_id, action):
    needed = "procurement.order.approve" if action == "approve" else "procurement.order.write"
    if not can(needed):
        abort(403)
    order = db.session.get(PurchaseOrder, order_id) or abort(404)
    form = request.form
    service = {
        "approve": lambda: orders.approve_order(db.session, order, current_user),
        "platform": lambda: orders.set_platform_order(db.session, order, form.get("platform_order_no", "")),
        "cancel": lambda: orders.cancel_order(db.session, order, form.get("reason", "")),
        "cancel_line": lambda: orders.cancel_order_line(db.session, order, form.get("line", type=int) or 0,
                                                        form.get("reason", "")),
    }[action]
    return act(service, url_for("procurement.order_page", order_id=order_id), _("已处理"))
