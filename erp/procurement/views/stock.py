"""统一配送 pages: receipts (the delivery grid against an order, acceptance), stock by batch, transfers to
members, dispensing, and the 账实核对 of 1302 against the stock ledger."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Department, Institution
from erp.core.money import decimal_str
from erp.core.services import institution_by_code
from erp.core.web import can, requires, shows
from erp.procurement.models import (CatalogueItem, Dispensing, PurchaseOrder, Receipt, StockBatch, Transfer)
from erp.procurement.services import dispensing, receipts, reconciliation, transfers
from erp.procurement.services.flow_common import central_pharmacy, member_by_code, packages_text
from erp.procurement.views import bp
from erp.procurement.views.flow_common import act, form_lines, refused, whole_number


def _date(text: str) -> date | str:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


@bp.get("/receipts")
@requires("procurement.receipt.read")
def receipt_list():
    view = ListView(
        title=_("收货验收"),
        statement=select(Receipt).join(Receipt.institution),
        columns=[Column("number", _("单号"), sort=Receipt.number),
                 Column("institution", _("收货单位"), value=lambda r: f"{r.institution.code} {r.institution.name}"),
                 Column("order", _("采购订单"), value=lambda r: r.order.number),
                 Column("supplier", _("供应商"), value=lambda r: r.supplier.name),
                 Column("date", _("日期"), "date", sort=Receipt.date),
                 Column("amount", _("金额"), "amount"),
                 Column("state", _("状态"), value=lambda r: _(r.state_title))],
        filters=[Filter("state", _("状态"), lambda s, v: s.where(Receipt.state == v),
                        (("draft", _("待验收")), ("accepted", _("已入库")), ("cancelled", _("已作废"))))],
        default_sort="-number", row_url=lambda r: url_for("procurement.receipt_page", receipt_id=r.id))
    return view.render()


@bp.route("/receipts/new", methods=["GET", "POST"])
@requires("procurement.receipt.write")
def receipt_new():
    order = db.session.get(PurchaseOrder, request.values.get("order", type=int) or 0)
    if order is None:
        approved = list(db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.state == "approved")
                                           .order_by(PurchaseOrder.id.desc()).limit(200)))
        return render_template("procurement/receipt_pick.html", orders=approved)
    destinations = list(db.session.scalars(select(Institution).order_by(Institution.code)))
    if request.method == "POST":
        rows = form_lines(request.form, ("po_line", "quantity", "batch", "expiry", "codes"))
        rows = [r for r in rows if r["quantity"]]
        try:
            chosen = request.form.get("institution", "")
            institution = institution_by_code(db.session, current_user.community_id, chosen, write=True) if chosen else None
            receipt = receipts.create_receipt(db.session, current_user, order, {
                "institution": institution, "acceptance_note": request.form.get("note", ""),
                "lines": [{"po_line": whole_number(r["po_line"]), "quantity": whole_number(r["quantity"]), "batch": r["batch"],
                           "expiry": _date(r["expiry"]), "trace_codes": r["codes"].split()} for r in rows]})
            db.session.commit()
            flash(_("收货单 %(number)s 已登记，待验收", number=receipt.number), "success")
            return redirect(url_for("procurement.receipt_page", receipt_id=receipt.id))
        except (BusinessError, TypeError) as exc:
            db.session.rollback()
            flash(refused(exc) if isinstance(exc, BusinessError) else _("有效期格式应为 YYYY-MM-DD"), "error")
            return render_template("procurement/receipt_form.html", order=order, destinations=destinations,
                                   form=request.form), 422
    return render_template("procurement/receipt_form.html", order=order, destinations=destinations, form={})


@bp.get("/receipts/<int:receipt_id>")
@requires("procurement.receipt.read")
@shows(Receipt, "receipt_id")
def receipt_page(receipt_id):
    receipt = db.session.get(Receipt, receipt_id) or abort(404)
    return render_template("procurement/receipt.html", receipt=receipt, money=decimal_str)


@bp.post("/receipts/<int:receipt_id>/<any(accept, cancel):action>")
@requires("procurement.receipt.read")
def receipt_action(receipt_id, action):
    if not can("procurement.receipt.accept" if action == "accept" else "procurement.receipt.write"):
        abort(403)
    receipt = db.session.get(Receipt, receipt_id) or abort(404)
    service = (lambda: receipts.accept_receipt(db.session, receipt, current_user, note=request.form.get("note"))) \
        if action == "accept" else (lambda: receipts.cancel_receipt(db.session, receipt))
    return act(service, url_for("procurement.receipt_page", receipt_id=receipt_id), _("已处理"))


@bp.get("/stock")
@requires("procurement.stock.read")
def stock_list():
    view = ListView(
        title=_("库存（按批号）"),
        statement=select(StockBatch).join(StockBatch.institution).join(StockBatch.item).where(StockBatch.quantity > 0),
        columns=[Column("institution", _("单位"), value=lambda b: f"{b.institution.code} {b.institution.name}",
                        sort=Institution.code),
                 Column("item", _("医保编码"), value=lambda b: b.item.code, sort=CatalogueItem.code),
                 Column("name", _("通用名"), value=lambda b: b.item.generic_name),
                 Column("batch", _("批号")),
                 Column("expiry", _("有效期至"), "date", sort=StockBatch.expiry),
                 Column("quantity", _("数量（包装）"), value=lambda b: f"{packages_text(b.item, b.quantity)} {b.item.package_unit}"),
                 Column("unit_cost", _("进价/包装"), value=lambda b: b.unit_cost.normalize()),
                 Column("value", _("金额"), "amount")],
        filters=[Filter("institution", _("单位编码"), lambda s, v: s.where(Institution.code == v)),
                 Filter("item", _("编码或名称"), lambda s, v: s.where((CatalogueItem.code == v) |
                                                                    CatalogueItem.generic_name.contains(v)))],
        default_sort="expiry")
    return view.render()


# ---- transfers and dispensing --------------------------------------------------------------------------


def _movement_list(title, model, endpoint, new_endpoint, write_permission, counterpart):
    view = ListView(
        title=title, statement=select(model).join(model.institution),
        columns=[Column("number", _("单号"), sort=model.number),
                 Column("institution", _("单位"), value=lambda m: f"{m.institution.code} {m.institution.name}"),
                 Column("counterpart", counterpart[0], value=counterpart[1]),
                 Column("date", _("日期"), "date", sort=model.date),
                 Column("amount", _("金额"), "amount"),
                 Column("state", _("状态"), value=lambda m: _(m.state_title))],
        filters=[Filter("state", _("状态"), lambda s, v: s.where(model.state == v),
                        (("draft", _("草稿")), ("posted", _("已记账"))))],
        default_sort="-number",
        actions=[(_("新建"), url_for(new_endpoint))] if can(write_permission) else [],
        row_url=lambda m: url_for(endpoint, document_id=m.id))
    return view.render()


@bp.get("/transfers")
@requires("procurement.transfer.read")
def transfer_list():
    return _movement_list(_("配送调拨"), Transfer, "procurement.transfer_page", "procurement.transfer_new",
                          "procurement.transfer.write", (_("调入单位"), lambda t: f"{t.receiver.code} {t.receiver.name}"))


@bp.get("/dispensing")
@requires("procurement.dispense.read")
def dispensing_list():
    return _movement_list(_("发药领用"), Dispensing, "procurement.dispensing_page", "procurement.dispensing_new",
                          "procurement.dispense.write", (_("科室"), lambda d: d.department.name))


def _grid_lines() -> list[dict]:
    """The entry grid's rows; a traceability code typed with a leading ``*`` is a split pack (拆零)."""
    lines = []
    for row in form_lines(request.form, ("item", "quantity", "trace_code")):
        code = row["trace_code"]
        lines.append({"item": row["item"], "quantity": whole_number(row["quantity"]),
                      "trace_code": code.lstrip("*") or None, "split_pack": code.startswith("*")})
    return lines


@bp.route("/transfers/new", methods=["GET", "POST"])
@requires("procurement.transfer.write")
def transfer_new():
    members = list(db.session.scalars(select(Institution).where(Institution.community_id == current_user.community_id)
                                      .order_by(Institution.code).execution_options(skip_scope=True)))
    if request.method == "POST":
        try:
            source = central_pharmacy(db.session, current_user.community_id)
            target = member_by_code(db.session, current_user.community_id, request.form.get("to_institution", ""),
                                    "to_institution")
            transfer = transfers.create_transfer(db.session, current_user, source, target, {"lines": [
                {"item": l["item"], "quantity": l["quantity"]} for l in _grid_lines()]})
            db.session.commit()
            return redirect(url_for("procurement.transfer_page", document_id=transfer.id))
        except BusinessError as exc:
            db.session.rollback()
            flash(refused(exc), "error")
    return render_template("procurement/movement_form.html", kind="transfer", members=members, departments=[])


@bp.route("/dispensing/new", methods=["GET", "POST"])
@requires("procurement.dispense.write")
def dispensing_new():
    members = list(db.session.scalars(select(Institution).order_by(Institution.code)))
    departments = list(db.session.scalars(select(Department).order_by(Department.institution_id, Department.code)))
    if request.method == "POST":
        try:
            institution = institution_by_code(db.session, current_user.community_id,
                                              request.form.get("institution", ""), write=True)
            record = dispensing.create_dispensing(db.session, current_user, institution, {
                "department": request.form.get("department", ""), "setting": request.form.get("setting"),
                "lines": _grid_lines()})
            db.session.commit()
            return redirect(url_for("procurement.dispensing_page", document_id=record.id))
        except BusinessError as exc:
            db.session.rollback()
            flash(refused(exc), "error")
    return render_template("procurement/movement_form.html", kind="dispensing", members=members,
                           departments=departments)


@bp.get("/transfers/<int:document_id>")
@requires("procurement.transfer.read")
@shows(Transfer, "document_id")
def transfer_page(document_id):
    document = db.session.get(Transfer, document_id) or abort(404)
    return render_template("procurement/movement.html", document=document, kind="transfer", money=decimal_str,
                           expected=transfers.expected_values(db.session, document))


@bp.get("/dispensing/<int:document_id>")
@requires("procurement.dispense.read")
@shows(Dispensing, "document_id")
def dispensing_page(document_id):
    document = db.session.get(Dispensing, document_id) or abort(404)
    return render_template("procurement/movement.html", document=document, kind="dispensing", money=decimal_str,
                           expected=dispensing.expected_values(db.session, document))


@bp.post("/transfers/<int:document_id>/post")
@requires("procurement.transfer.post")
def transfer_post(document_id):
    document = db.session.get(Transfer, document_id) or abort(404)
    return act(lambda: transfers.post_transfer(db.session, document, current_user),
               url_for("procurement.transfer_page", document_id=document_id), _("已记账"))


@bp.post("/dispensing/<int:document_id>/post")
@requires("procurement.dispense.post")
def dispensing_post(document_id):
    document = db.session.get(Dispensing, document_id) or abort(404)
    return act(lambda: dispensing.post_dispensing(db.session, document, current_user),
               url_for("procurement.dispensing_page", document_id=document_id), _("已记账"))


@bp.get("/stock-reconciliation")
@requires("procurement.stock.read")
def stock_reconciliation():
    result = reconciliation.reconcile(db.session, current_user.community_id)
    return render_template("procurement/reconciliation.html", result=result, money=decimal_str)
