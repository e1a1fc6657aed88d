"""Ledger web pages: voucher list and detail, periods."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution
from erp.core.web import requires
from erp.ledger.api import get_voucher
from erp.ledger.models import Period, Voucher, VoucherState
from erp.ledger.periods import parse_period

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def _period_filter(statement, value):
    year, month = parse_period(value)
    return statement.where(Voucher.year == year, Voucher.month == month)


@bp.get("/vouchers")
@requires("ledger.voucher.read")
def vouchers():
    from flask import url_for

    view = ListView(
        title=_("凭证"),
        statement=select(Voucher).join(Voucher.institution),
        columns=[
            Column("number", _("凭证号"), sort=Voucher.number, value=lambda v: v.number or _("（未记账）")),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda v: v.institution.name),
            Column("date", _("日期"), "date", sort=Voucher.date),
            Column("memo", _("摘要")),
            Column("status", _("状态"), value=lambda v: _(STATUS_TITLES[v.status])),
        ],
        filters=[
            Filter("period", _("期间 (YYYY-MM)"), _period_filter),
            Filter("state", _("状态"), lambda stmt, value: stmt.where(Voucher.state == VoucherState(value)),
                   (("draft", _("未记账")), ("posted", _("已记账")))),
        ],
        default_sort="-date",
        row_url=lambda v: url_for("ledger.voucher", voucher_id=v.id),
    )
    return view.render()


STATUS_TITLES = {"draft": "未记账", "posted": "已记账", "reversed": "已冲销"}


@bp.get("/vouchers/<int:voucher_id>")
@requires("ledger.voucher.read")
def voucher(voucher_id: int):
    return render_template("ledger/voucher.html", voucher=get_voucher(voucher_id), status_titles=STATUS_TITLES)


@bp.get("/periods")
@requires("ledger.period.read")
def periods():
    rows = db.session.scalars(select(Period).join(Institution, Institution.id == Period.institution_id)
                              .order_by(Institution.code, Period.year.desc(), Period.month)).all()
    institutions = {i.id: i for i in db.session.scalars(select(Institution))}
    return render_template("ledger/periods.html", periods=rows, institutions=institutions)
