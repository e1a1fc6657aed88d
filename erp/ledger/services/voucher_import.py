"""Excel import of vouchers (凭证导入): the rows grouped into vouchers, checked, and imported all or nothing.

One sheet, one row per voucher line; the first column (凭证号) groups the rows into vouchers. Every voucher
of the file goes through the Ledger service (``create_draft``) in the caller's transaction. If any row is
wrong the import raises :class:`ImportFailed` with a row-by-row report (Excel row number, column, message)
and the caller rolls back: nothing of the file is written. The workbook (columns, template,
reader, exact cell values, error report) is :mod:`erp.ledger.services.voucher_sheet`; its public names used
by the pages are re-exported here.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import Institution, User
from erp.core.money import MoneyError
from erp.core.scoping import OutOfScope
from erp.ledger.models import Basis, Voucher
from erp.ledger.services import chart
from erp.ledger.services.posting import Ledger, LineInput, VoucherInput
from erp.ledger.services.voucher_sheet import (COLUMN_BY_KEY, COLUMNS, HEADER_FIELDS, LINE_DIMENSIONS,
                                               SERVICE_FIELD_COLUMNS, ZERO, ImportFailed, RowError, SourceRow,
                                               attachment_count, build_template, cell_text, error_report_xlsx,
                                               exact_amount, exact_date, is_empty, read_rows, shown)

__all__ = ["COLUMNS", "ImportFailed", "RowError", "build_template", "error_report_xlsx", "exact_amount",
           "exact_date", "import_vouchers", "read_rows"]


@dataclass
class ParsedLine:
    row: SourceRow
    account: str
    debit: Decimal
    credit: Decimal
    dimensions: dict[str, str]
    memo: str
    cash_flow_item: str = ""


@dataclass
class VoucherGroup:
    key: str
    rows: list[SourceRow] = field(default_factory=list)
    lines: list[ParsedLine] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    failed: bool = False


# --------------------------------------------------------------------------------------------- import


class _Report:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, row: SourceRow | int, column_key: str | None, message: str, group: VoucherGroup | None = None,
            value: Any = None) -> None:
        number = row.number if isinstance(row, SourceRow) else row
        if value is None and isinstance(row, SourceRow) and column_key:
            value = row.cells.get(column_key)
        title = COLUMN_BY_KEY[column_key].title if column_key in COLUMN_BY_KEY else (column_key or "")
        self.errors.append(RowError(number, title, message, group.key if group else "", shown(value)))
        if group is not None:
            group.failed = True


def _group(rows: list[SourceRow], report: _Report) -> list[VoucherGroup]:
    groups: OrderedDict[str, VoucherGroup] = OrderedDict()
    current: VoucherGroup | None = None
    for row in rows:
        key = cell_text(row.cells.get("voucher"))
        if not key:
            if current is None:
                report.add(row, "voucher", "凭证号不能为空（第一条分录必须填写凭证号）")
                continue
            group = current
        else:
            group = groups.setdefault(key, VoucherGroup(key))
        group.rows.append(row)
        current = group
    return list(groups.values())


def _parse_group(group: VoucherGroup, report: _Report) -> None:
    """Header fields from the group's rows (first filled value wins; a different value is an error),
    and each row's line with exact amounts."""
    for name in HEADER_FIELDS:
        first: tuple[SourceRow, Any] | None = None
        for row in group.rows:
            value = row.cells.get(name)
            if is_empty(value):
                continue
            try:
                parsed = (exact_date(value) if name == "date" else attachment_count(value) if name == "attachments"
                          else cell_text(value, fold=name != "memo"))
            except ValueError as exc:
                report.add(row, name, str(exc), group)
                first = first or (row, None)
                continue
            if first is None:
                first = (row, parsed)
                group.header[name] = parsed
            elif first[1] is not None and parsed != first[1]:
                report.add(row, name, f"同一凭证（{group.key}）的{COLUMN_BY_KEY[name].title}不一致："
                                      f"第 {first[0].number} 行为 {shown(first[1])}", group)
        if first is None and COLUMN_BY_KEY[name].required:
            report.add(group.rows[0], name, f"请填写{COLUMN_BY_KEY[name].title}", group)
    if len(group.header.get("memo", "")) > 256:
        report.add(group.rows[0], "memo", "摘要最多 256 字", group)
    for row in group.rows:
        account = cell_text(row.cells.get("account"))
        if not account:
            report.add(row, "account", "请填写科目编码", group)
        amounts = {}
        for side in ("debit", "credit"):
            try:
                amounts[side] = exact_amount(row.cells.get(side), field=side)
            except MoneyError as exc:
                report.add(row, side, str(exc), group)
        if len(amounts) == 2 and (amounts["debit"] > 0) == (amounts["credit"] > 0):
            report.add(row, "debit", "每行借方、贷方只能填一个且大于零 (exactly one of debit or credit)", group,
                       value=f"借 {shown(row.cells.get('debit'))} / 贷 {shown(row.cells.get('credit'))}")
        memo = cell_text(row.cells.get("line_memo"), fold=False)
        if len(memo) > 256:
            report.add(row, "line_memo", "行摘要最多 256 字", group)
        if len(amounts) == 2:
            group.lines.append(ParsedLine(row, account, amounts["debit"], amounts["credit"],
                                          {d: cell_text(row.cells.get(d)) for d in LINE_DIMENSIONS}, memo,
                                          cell_text(row.cells.get("cash_flow_item"))))
    if group.failed:
        return
    if len(group.lines) < 2:
        report.add(group.rows[0], "voucher", f"凭证 {group.key} 只有 {len(group.lines)} 条分录，至少需要两条", group)
        return
    debit = sum((line.debit for line in group.lines), ZERO)
    credit = sum((line.credit for line in group.lines), ZERO)
    if debit != credit:
        rows = f"第 {group.rows[0].number}–{group.rows[-1].number} 行" if len(group.rows) > 1 else ""
        report.add(group.rows[0], "借方/贷方", f"凭证 {group.key}（{rows}）借贷不平衡：借方合计 {debit}，贷方合计 {credit}，"
                                            f"差额 {debit - credit}", group, value=f"借 {debit} / 贷 {credit}")


def _check_accounts(session: Session, group: VoucherGroup, institution: Institution, cache: dict,
                    report: _Report) -> None:
    """Every line's account, so that all bad codes of a voucher are reported at once."""
    for line in group.lines:
        if not line.account:
            continue
        key = (institution.id, line.account)
        if key not in cache:
            try:
                account = chart.account_for_posting(session, institution, line.account, "account")
                cache[key] = None if account.basis is Basis.FINANCIAL else (
                    f"科目 {account.code} {account.name} 是预算会计科目，由平行记账自动生成，不能导入")
            except BusinessError as exc:
                cache[key] = exc.message
        if cache[key]:
            report.add(line.row, "account", cache[key], group)


def _service_error(group: VoucherGroup, exc: BusinessError, report: _Report) -> None:
    """Place a Ledger refusal (fields like ``lines[2].account``) at its row and column."""
    placed = False
    for name, messages in (exc.fields or {}).items():
        match = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", name)
        for message in messages:
            if match and int(match[1]) < len(group.lines):
                column = SERVICE_FIELD_COLUMNS.get(match[2])
                report.add(group.lines[int(match[1])].row, column, message, group)
            elif name in ("date", "institution"):
                report.add(group.rows[0], name, message, group)
            else:
                report.add(group.rows[0], "voucher", message, group, value=group.key)
            placed = True
    if not placed:
        report.add(group.rows[0], "voucher", exc.message, group, value=group.key)


def import_vouchers(session: Session, user: User, data: bytes) -> list[Voucher]:
    """Create every voucher of the file as a draft, in the caller's transaction; raise ImportFailed (and
    leave the rollback to the caller) if anything is wrong. Nothing here commits."""
    report = _Report()
    groups = _group(read_rows(data), report)
    if not groups and not report.errors:
        raise ImportFailed([RowError(2, "", "文件中没有凭证行")])
    institutions: dict[str, Institution | None] = {}
    for group in groups:
        _parse_group(group, report)
        code = group.header.get("institution")
        if code and code not in institutions:
            institutions[code] = session.scalar(select(Institution).where(
                Institution.community_id == user.community_id, Institution.code == code))
        if code and institutions[code] is None:
            report.add(group.rows[0], "institution", f"单位编码 {code} 不存在或不在您的权限范围内", group)
    account_cache: dict = {}
    ledger = Ledger(session, user)
    created: list[Voucher] = []
    for group in groups:
        institution = institutions.get(group.header.get("institution", ""))
        if institution is not None:  # every bad account is reported, even in a voucher refused already
            _check_accounts(session, group, institution, account_cache, report)
        if group.failed:
            continue
        data_in = VoucherInput(
            institution=institution.code, date=group.header["date"], memo=group.header.get("memo", ""),
            attachment_count=group.header.get("attachments", 0),
            lines=[LineInput(account=line.account, debit=line.debit, credit=line.credit, memo=line.memo,
                             cash_flow_item=line.cash_flow_item or None,
                             **{d: (line.dimensions[d] or None) for d in LINE_DIMENSIONS}) for line in group.lines])
        try:
            created.append(ledger.create_draft(data_in))
        except BusinessError as exc:
            _service_error(group, exc, report)
        except OutOfScope:
            report.add(group.rows[0], "institution", f"单位编码 {institution.code} 不在您的权限范围内", group)
        if not session.is_active:  # a failed flush: the transaction is gone, stop here
            report.add(group.rows[0], "", "导入中止：数据库拒绝了此凭证，其后的凭证未检查", group)
            break
    if report.errors:
        raise ImportFailed(report.errors)
    return created
