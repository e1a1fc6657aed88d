"""The voucher list (凭证): number (or a draft's provisional 草- number), amount, 制单人, 审核人, 记账人 and
status, with check boxes for 批量审核 / 批量记账 (:mod:`.review`); its Excel export carries the lines."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask import send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from erp.core.listview import Column, Filter, ListView
from erp.core.models import Institution
from erp.core.rendering import build_xlsx
from erp.core.timeutil import to_local, utcnow
from erp.core.web import can, requires
from erp.ledger.models import DIMENSIONS, Basis, Voucher, VoucherLine, VoucherState
from erp.ledger.services import periods as period_service
from erp.ledger.views.common import STATUS_TITLES, bp, dimension_labels

ZERO = Decimal("0.00")


def _period_filter(statement, value):
    year, month = period_service.parse_period(value)
    return statement.where(Voucher.year == year, Voucher.month == month)


def amount(voucher: Voucher) -> Decimal:
    """The voucher's amount: its financial debit total (negative for a 红字 reversal)."""
    return sum((line.debit for line in voucher.lines if line.basis is Basis.FINANCIAL), ZERO)


def _person(attribute: str):
    return lambda v: getattr(v, attribute).display_name if getattr(v, attribute) else ""


class VoucherList(ListView):
    """The core list view (its page: ledger/voucher_list.html) with an export of one row per line."""

    def _xlsx(self, vouchers):
        """One row per line: the voucher's columns, then the line's."""
        columns = [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns]
        columns += [{"key": "line_no", "label": _("行号"), "kind": "int"},
                    {"key": "basis", "label": _("会计体系"), "kind": "text"},
                    {"key": "account", "label": _("科目编码"), "kind": "text"},
                    {"key": "account_name", "label": _("科目"), "kind": "text"},
                    {"key": "dimensions", "label": _("辅助核算"), "kind": "text"},
                    {"key": "line_memo", "label": _("分录摘要"), "kind": "text"},
                    {"key": "debit", "label": _("借方"), "kind": "amount"},
                    {"key": "credit", "label": _("贷方"), "kind": "amount"}]
        rows = []
        vouchers = list(vouchers)
        labels = dimension_labels([line for voucher in vouchers for line in voucher.lines])
        for voucher in vouchers:
            head = {c.key: c.get(voucher) for c in self.columns}
            for line in voucher.lines:
                rows.append({**head, "line_no": line.line_no,
                             "basis": _("财务会计") if line.basis is Basis.FINANCIAL else _("预算会计"),
                             "account": line.account.code, "account_name": line.account.full_name,
                             "dimensions": "；".join(labels[(d, getattr(line, f"{d}_id"))] for d in DIMENSIONS
                                                    if getattr(line, f"{d}_id")),
                             "line_memo": line.memo, "debit": line.debit, "credit": line.credit})
        data = build_xlsx(self.title, columns, rows)
        name = f"{self.title}-{to_local(utcnow()):%Y%m%d%H%M}.xlsx"
        return send_file(BytesIO(data), download_name=name, as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/vouchers")
@requires("ledger.voucher.read")
def vouchers():
    actions = []
    if can("ledger.voucher.write"):
        actions = [(_("录入凭证"), url_for("ledger.new_voucher")), (_("导入凭证"), url_for("ledger.import_vouchers"))]
    statement = (select(Voucher).join(Voucher.institution)
                 .options(selectinload(Voucher.lines).selectinload(VoucherLine.account),
                          selectinload(Voucher.preparer), selectinload(Voucher.reviewer), selectinload(Voucher.poster)))
    view = VoucherList(
        title=_("凭证"),
        statement=statement,
        columns=[
            Column("number", _("凭证号"), sort=Voucher.number, value=lambda v: v.display_number),
            Column("institution", _("成员单位"), sort=Institution.code, value=lambda v: v.institution.name),
            Column("date", _("日期"), "date", sort=Voucher.date),
            Column("memo", _("摘要")),
            Column("amount", _("金额"), "amount", value=amount),
            Column("preparer", _("制单人"), value=_person("preparer")),
            Column("reviewer", _("审核人"), value=_person("reviewer")),
            Column("poster", _("记账人"), value=_person("poster")),
            Column("status", _("状态"), value=lambda v: _(STATUS_TITLES[v.status])),
        ],
        filters=[
            Filter("period", _("期间（年-月）"), _period_filter),
            Filter("state", _("状态"), lambda stmt, value: stmt.where(Voucher.state == VoucherState(value)),
                   (("draft", _("未审核")), ("reviewed", _("已审核")), ("posted", _("已记账")))),
        ],
        default_sort="-date",
        actions=actions,
        row_url=lambda v: url_for("ledger.voucher", voucher_id=v.id),
        template="ledger/voucher_list.html",
        context={"may_review": can("ledger.voucher.review"), "may_post": can("ledger.voucher.post")},
    )
    return view.render()
