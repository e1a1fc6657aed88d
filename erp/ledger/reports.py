"""Books and statements from the kept balances: 科目余额表, 总账, 明细账, 资产负债表 (会政财01表), 收入费用表
(会政财02表), 预算收入支出表 (会政预01表) and 本期预算结余与本期盈余差异调节表; plus the 记账凭证 print.

Every report covers a :class:`Target` — one institution, a group of institutions, or the whole community
(consolidated by :mod:`erp.ledger.consolidation` unless asked for a plain sum) — and a
:class:`PeriodRange` of months of one fiscal year.

Where the numbers come from
    The trial balance and the statements read the ``balance`` table only: one GROUP BY per report over
    (institution, account, year, month) — its primary key prefix — with the month buckets summed in SQL
    (month 0 = brought forward, months before the range, months in the range). Leaf amounts are rolled up
    to every parent in Python over the (small) chart. The detail ledger scans voucher lines, but only those
    of the one account (and its sub-accounts) in the period range.

Statements and the year-end closing voucher
    Revenue, expense and the budget accounts are emptied on 31 December by the closing voucher
    (``VoucherKind.CLOSING``, see ``year_end``). The income statement, the budget statement and the
    reconciliation must show the year's figures *before* that voucher, so their snapshot subtracts the
    closing vouchers' lines (one voucher per institution and year). The trial balance, the ledgers and the
    balance sheet show the books as they are.

Amounts are ``Decimal`` with two places throughout; nets are debit-positive (debit − credit) and the
presentation side follows the sign (a net debit balance shows in the debit column).
"""
from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Forbidden, NotFound
from erp.core.models import Community, Department, Institution, User
from erp.core.money import amount_in_words, decimal_str
from erp.core.rendering import (Column, StatementHeader, XlsxSheet, build_xlsx, build_xlsx_sheets, format_amount,
                                render_pdf, render_statement_pdf)
from erp.core.scoping import current_scope
from erp.core.services import institution_by_code
from erp.ledger import periods
from erp.ledger.models import (Account, Balance, Basis, BudgetMapping, Employee, FundingSource, Partner, Project,
                               Voucher, VoucherKind, VoucherLine, VoucherState)

ZERO = Decimal("0.00")
BASES = ("financial", "budget", "all")
PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "pdf", "xlsx")


def money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def split_net(net: Decimal) -> tuple[Decimal, Decimal]:
    """A debit-positive net as (debit, credit) columns: a net debit shows on the debit side."""
    return (net, ZERO) if net > 0 else (ZERO, -net)


def direction(net: Decimal) -> str:
    return "借" if net > 0 else "贷" if net < 0 else "平"


# =========================================================================================== target, period


@dataclass(frozen=True)
class Target:
    """What a report covers: one institution, a group, or the whole community."""

    institutions: tuple[Institution, ...]
    community: Community | None = None  # set for the whole community
    consolidated: bool = False

    @property
    def ids(self) -> list[int]:
        return sorted(i.id for i in self.institutions)

    @property
    def community_id(self) -> int:
        return self.institutions[0].community_id

    @property
    def codes(self) -> dict[int, str]:
        return {i.id: i.code for i in self.institutions}

    @property
    def label(self) -> str:
        """编制单位 as printed on the statement."""
        kind = "（合并）" if self.consolidated else "（汇总）"
        if self.community is not None:
            return self.community.name + kind
        if len(self.institutions) == 1:
            return self.institutions[0].name
        return "、".join(i.name for i in self.institutions) + kind

    @property
    def file_label(self) -> str:
        if self.community is not None:
            return self.community.code + ("合并" if self.consolidated else "汇总")
        if len(self.institutions) == 1:
            return self.institutions[0].name
        return "+".join(i.code for i in self.institutions) + ("合并" if self.consolidated else "汇总")

    def query_args(self) -> dict[str, str]:
        """The request parameters that select this target again (for links)."""
        if self.community is not None:
            return {"community": self.community.code, **({} if self.consolidated else {"consolidated": "false"})}
        if len(self.institutions) == 1:
            return {"institution": self.institutions[0].code}
        return {"institutions": ",".join(i.code for i in self.institutions),
                **({"consolidated": "true"} if self.consolidated else {})}


def resolve_target(session: Session, user: User, *, institution: str | None = None,
                   institutions: str | None = None, community: str | None = None,
                   consolidated: bool | None = None) -> Target:
    """The institutions a report covers, checked against the user's scope.

    An institution outside the scope is 404 (as everywhere: the session does not see it). The whole
    community (consolidated or not) needs a whole-community scope: anything else is 403, because a
    scoped user's "community" would silently be only their own institutions.
    """
    given = [name for name, value in (("institution", institution), ("institutions", institutions),
                                      ("community", community)) if value]
    if len(given) != 1:
        raise BusinessError.for_field("institution", "请指定 institution、institutions 或 community 之一 "
                                                     "(give exactly one of institution, institutions, community)")
    if institution:
        return Target((institution_by_code(session, user.community_id, institution.strip()),))
    if institutions:
        codes = list(dict.fromkeys(c.strip() for c in institutions.split(",") if c.strip()))
        if not codes:
            raise BusinessError.for_field("institutions", "请列出成员单位编码 (comma-separated codes)")
        members = tuple(institution_by_code(session, user.community_id, code) for code in codes)
        if len(members) == 1:
            return Target(members)
        return Target(members, consolidated=bool(consolidated))
    scope = current_scope(session)
    owner = session.get(Community, user.community_id)
    if owner is None or owner.code != community.strip():
        raise NotFound.for_field("community", f"医共体 {community!r} 不存在 (unknown community)")
    if scope is not None and not scope.whole_community:
        raise Forbidden("医共体汇总/合并报表需要全医共体权限，或请在顶部切换到“全部单位” "
                        "(community reports need a whole-community scope)")
    members = tuple(session.scalars(select(Institution).where(Institution.community_id == owner.id)
                                    .order_by(Institution.code)))
    return Target(members, community=owner, consolidated=consolidated is not False)


@dataclass(frozen=True)
class PeriodRange:
    """Months ``start``..``end`` of one fiscal year."""

    year: int
    start: int
    end: int

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.year}年{self.end}月"
        return f"{self.year}年{self.start}月至{self.end}月"

    @property
    def key(self) -> str:
        if self.start == self.end:
            return f"{self.year}-{self.end:02d}"
        return f"{self.year}-{self.start:02d}至{self.end:02d}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.start:02d}"

    @property
    def period_to(self) -> str:
        return f"{self.year}-{self.end:02d}"

    def query_args(self) -> dict[str, str]:
        args = {"period": self.period}
        if self.end != self.start:
            args["period_to"] = self.period_to
        return args


def period_range(period: str | None, period_to: str | None = None, *, field: str = "period",
                 field_to: str = "period_to") -> PeriodRange:
    """``period`` (YYYY-MM) alone is one month; with ``period_to`` a range within the same year."""
    if not period:
        raise BusinessError.for_field(field, "请指定期间 YYYY-MM (period is required)")
    year, start = periods.parse_period(period, field)
    end = start
    if period_to:
        to_year, end = periods.parse_period(period_to, field_to)
        if to_year != year:
            raise BusinessError.for_field(field_to, "期间范围须在同一会计年度内 (a range stays within one year)")
        if end < start:
            raise BusinessError.for_field(field_to, "截止期间不能早于起始期间 (the range ends before it starts)")
    return PeriodRange(year, start, end)


# =========================================================================================== the chart


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: int
    parent: str | None
    category: str
    basis: str
    synthetic: bool = False


class ChartView:
    """The community's chart plus the detail accounts of the target's institutions, by code.

    Detail accounts of different institutions that share a code are one row in a group report.
    """

    def __init__(self, rows: Iterable[Any]):
        self.nodes: dict[str, Node] = {}
        self.code_of: dict[int, str] = {}
        self.ids_of: dict[str, list[int]] = defaultdict(list)
        rows = list(rows)
        parent_ids = {}
        for row in sorted(rows, key=lambda r: (r.institution_id is not None, r.institution_id or 0, r.id)):
            self.code_of[row.id] = row.code
            self.ids_of[row.code].append(row.id)
            parent_ids.setdefault(row.code, row.parent_id)
            if row.code not in self.nodes:
                basis = row.basis.value if isinstance(row.basis, Basis) else str(row.basis)
                self.nodes[row.code] = Node(row.code, row.name, row.level, None, row.category, basis)
        for code, parent_id in parent_ids.items():
            if parent_id is not None and parent_id in self.code_of:
                self.nodes[code] = replace(self.nodes[code], parent=self.code_of[parent_id])
        self._chains: dict[str, tuple[str, ...]] = {}

    def add_synthetic(self, node: Node) -> None:
        self.nodes[node.code] = node

    def chain(self, code: str) -> tuple[str, ...]:
        """The code and its ancestors, leaf first."""
        found = self._chains.get(code)
        if found is None:
            parent = self.nodes[code].parent
            found = (code,) + (self.chain(parent) if parent else ())
            self._chains[code] = found
        return found

    def top(self, code: str) -> str:
        return self.chain(code)[-1]

    def descendants(self, code: str) -> list[str]:
        """The code and every code below it."""
        return [c for c in self.nodes if code in self.chain(c)]

    def subtree_ids(self, code: str) -> list[int]:
        return sorted(i for c in self.descendants(code) for i in self.ids_of.get(c, ()))

    def node(self, code: str, field: str = "account") -> Node:
        found = self.nodes.get(code)
        if found is None or found.synthetic:
            raise NotFound.for_field(field, f"科目 {code} 不存在 (unknown account {code!r})")
        return found


def chart_view(session: Session, target: Target) -> ChartView:
    rows = session.execute(select(Account.id, Account.code, Account.name, Account.parent_id, Account.level,
                                  Account.category, Account.basis, Account.institution_id)
                           .where(Account.community_id == target.community_id,
                                  or_(Account.institution_id.is_(None), Account.institution_id.in_(target.ids))))
    return ChartView(rows)


# =========================================================================================== amounts


@dataclass
class Amounts:
    """One account's figures for a period range (debit-positive nets, gross movements)."""

    bf: Decimal = ZERO  # month 0: brought forward from last year (net)
    pre_debit: Decimal = ZERO  # months 1 .. start-1
    pre_credit: Decimal = ZERO
    debit: Decimal = ZERO  # months start .. end
    credit: Decimal = ZERO

    def add(self, other: "Amounts", sign: int = 1) -> "Amounts":
        self.bf += sign * other.bf
        self.pre_debit += sign * other.pre_debit
        self.pre_credit += sign * other.pre_credit
        self.debit += sign * other.debit
        self.credit += sign * other.credit
        return self

    def copy(self) -> "Amounts":
        return Amounts(self.bf, self.pre_debit, self.pre_credit, self.debit, self.credit)

    @property
    def opening(self) -> Decimal:
        return self.bf + self.pre_debit - self.pre_credit

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def movement(self) -> Decimal:
        return self.debit - self.credit

    @property
    def ytd_debit(self) -> Decimal:
        return self.pre_debit + self.debit

    @property
    def ytd_credit(self) -> Decimal:
        return self.pre_credit + self.credit

    @property
    def ytd_movement(self) -> Decimal:
        return self.ytd_debit - self.ytd_credit

    @property
    def is_zero(self) -> bool:
        return not (self.bf or self.pre_debit or self.pre_credit or self.debit or self.credit)

    @classmethod
    def of_nets(cls, bf: Decimal, pre: Decimal, period: Decimal) -> "Amounts":
        """From nets only: each movement on its side."""
        return cls(bf, *split_net(pre), *split_net(period))


def _bucket_sums(column, rng: PeriodRange):
    month = Balance.month
    buckets = ((month == 0), month.between(1, rng.start - 1), month.between(rng.start, rng.end))
    return [func.sum(case((condition, column), else_=0)) for condition in buckets]


def leaf_amounts(session: Session, institution_ids: list[int], rng: PeriodRange, *, where: Iterable = (),
                 by: tuple = ()) -> dict[tuple, Amounts]:
    """One GROUP BY over ``balance``: per (account_id, *by) the month buckets of the range."""
    bf_d, pre_d, per_d = _bucket_sums(Balance.debit, rng)
    bf_c, pre_c, per_c = _bucket_sums(Balance.credit, rng)
    statement = (select(Balance.account_id, *by, bf_d, bf_c, pre_d, pre_c, per_d, per_c)
                 .where(Balance.institution_id.in_(institution_ids), Balance.year == rng.year,
                        Balance.month <= rng.end, *where)
                 .group_by(Balance.account_id, *by))
    result: dict[tuple, Amounts] = {}
    width = 1 + len(by)
    for row in session.execute(statement):
        key = tuple(row[:width])
        bf_debit, bf_credit, pre_debit, pre_credit, debit, credit = (v or ZERO for v in row[width:])
        amounts = Amounts(bf_debit - bf_credit, pre_debit, pre_credit, debit, credit)
        if not amounts.is_zero:
            result[key] = amounts
    return result


def closing_voucher_amounts(session: Session, institution_ids: list[int], rng: PeriodRange, *, where: Iterable = (),
                            by: tuple = ()) -> dict[tuple, Amounts]:
    """The year-end closing vouchers' lines in the range per (account_id, *by): a handful of lines."""
    statement = (select(VoucherLine.account_id, *by, Voucher.month, func.sum(VoucherLine.debit),
                        func.sum(VoucherLine.credit))
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(Voucher.institution_id.in_(institution_ids), Voucher.year == rng.year,
                        Voucher.month <= rng.end, Voucher.kind == VoucherKind.CLOSING,
                        Voucher.state == VoucherState.POSTED, *where)
                 .group_by(VoucherLine.account_id, *by, Voucher.month))
    result: dict[tuple, Amounts] = defaultdict(Amounts)
    width = 1 + len(by)
    for row in session.execute(statement):
        month, debit, credit = row[width:]
        amounts = result[tuple(v or 0 for v in row[:width])]
        if month < rng.start:
            amounts.pre_debit += debit or ZERO
            amounts.pre_credit += credit or ZERO
        else:
            amounts.debit += debit or ZERO
            amounts.credit += credit or ZERO
    return dict(result)


# =========================================================================================== snapshot


@dataclass
class Snapshot:
    """The target's figures for the range, consolidated when asked, rolled up to every level."""

    target: Target
    rng: PeriodRange
    chart: ChartView
    by_code: dict[str, Amounts]
    consolidation: Any = None  # erp.ledger.consolidation.Consolidation
    before_closing: bool = False

    def get(self, code: str) -> Amounts:
        return self.by_code.get(code) or Amounts()

    def top_codes(self, *categories: str) -> list[str]:
        return sorted(c for c, n in self.chart.nodes.items() if n.parent is None and n.category in categories)


def rolled_up(chart: ChartView, leaves: dict[str, Amounts]) -> dict[str, Amounts]:
    result: dict[str, Amounts] = defaultdict(Amounts)
    for code, amounts in leaves.items():
        for ancestor in chart.chain(code):
            result[ancestor].add(amounts)
    return dict(result)


def snapshot(session: Session, target: Target, rng: PeriodRange, *, before_closing: bool = False) -> Snapshot:
    chart = chart_view(session, target)
    leaves: dict[str, Amounts] = defaultdict(Amounts)
    by_id = {key[0]: amounts for key, amounts in leaf_amounts(session, target.ids, rng).items()}
    if before_closing:
        for (account_id,), amounts in closing_voucher_amounts(session, target.ids, rng).items():
            by_id.setdefault(account_id, Amounts()).add(amounts, -1)
    consolidation_result = None
    if target.consolidated:
        from erp.ledger.consolidation import consolidate

        consolidation_result = consolidate(session, target, rng, chart, before_closing=before_closing)
        for account_id, amounts in consolidation_result.adjustments.items():
            by_id.setdefault(account_id, Amounts()).add(amounts, -1)
        for node, amounts in consolidation_result.residues:
            chart.add_synthetic(node)
            leaves[node.code].add(amounts)
    for account_id, amounts in by_id.items():
        code = chart.code_of.get(account_id)
        if code is not None:
            leaves[code].add(amounts)
    return Snapshot(target, rng, chart, rolled_up(chart, leaves), consolidation_result, before_closing)


# =========================================================================================== 科目余额表


AMOUNT_KEYS = ("opening_debit", "opening_credit", "period_debit", "period_credit", "closing_debit",
               "closing_credit")


@dataclass
class TrialBalanceRow:
    code: str
    name: str
    level: int
    basis: str
    amounts: Amounts
    synthetic: bool = False

    def values(self) -> dict[str, Decimal]:
        opening_debit, opening_credit = split_net(self.amounts.opening)
        closing_debit, closing_credit = split_net(self.amounts.closing)
        return {"opening_debit": opening_debit, "opening_credit": opening_credit,
                "period_debit": self.amounts.debit, "period_credit": self.amounts.credit,
                "closing_debit": closing_debit, "closing_credit": closing_credit}


def _report_header(title: str, target: Target, rng: PeriodRange, user: User | None, code: str | None = None,
                   subtitle: str | None = None) -> StatementHeader:
    return StatementHeader(institution=target.label, title=title, period=rng.label, code=code, subtitle=subtitle,
                           prepared_by=(user.display_name or user.username) if user else None)


def _files_name(title: str, target: Target, rng: PeriodRange, ext: str) -> str:
    return f"{title}-{target.file_label}-{rng.key}.{ext}"


@dataclass
class TrialBalance:
    snapshot: Snapshot
    basis: str
    level: int | None
    rows: list[TrialBalanceRow]
    totals: dict[str, Decimal]

    title = "科目余额表"

    @property
    def target(self) -> Target:
        return self.snapshot.target

    @property
    def rng(self) -> PeriodRange:
        return self.snapshot.rng

    def json(self) -> dict:
        body = {"rows": [{"account": r.code, "name": r.name, **{k: money(v) for k, v in r.values().items()}}
                         for r in self.rows],
                "totals": {k: money(v) for k, v in self.totals.items()}}
        if self.snapshot.consolidation is not None:
            body["eliminations"] = self.snapshot.consolidation.json()
        return body

    @property
    def subtitle(self) -> str:
        names = {"financial": "财务会计", "budget": "预算会计", "all": "财务会计与预算会计"}
        return names[self.basis] + (f" · 至第 {self.level} 级科目" if self.level else "")

    COLUMNS = [Column("code", "科目编码", "text", 1.9), Column("name", "科目名称", "text", 2.8),
               Column("opening_debit", "期初借方", "amount", blank_zero=True),
               Column("opening_credit", "期初贷方", "amount", blank_zero=True),
               Column("period_debit", "本期借方", "amount", blank_zero=True),
               Column("period_credit", "本期贷方", "amount", blank_zero=True),
               Column("closing_debit", "期末借方", "amount", blank_zero=True),
               Column("closing_credit", "期末贷方", "amount", blank_zero=True)]

    def table_rows(self) -> list[dict]:
        """Rows for the PDF and Excel: sub-accounts indented in the name column (full-width spaces, which
        neither HTML nor Excel collapses), top-level accounts bold in the PDF."""
        rows = []
        for r in self.rows:
            row = {"code": r.code, "name": "　" * (r.level - 1) + r.name, **r.values()}
            if r.level == 1:
                row["_class"] = "sub"
            rows.append(row)
        return rows

    def pdf(self, user: User | None) -> bytes:
        header = _report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        return render_statement_pdf(header, "ledger/reports/statement_pdf.html", columns=self.COLUMNS,
                                    rows=self.table_rows(), totals=self.totals, landscape=True,
                                    eliminations=_elimination_table(self.snapshot))

    def xlsx(self, user: User | None) -> bytes:
        header = _report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        sheets = [XlsxSheet(self.title, self.COLUMNS, self.table_rows(), header=header, totals=self.totals)]
        sheets.extend(_elimination_sheets(self.snapshot))
        return build_xlsx_sheets(sheets)


def trial_balance(session: Session, target: Target, rng: PeriodRange, *, basis: str = "financial",
                  level: int | None = None) -> TrialBalance:
    """科目余额表 from the balance table: every account with a balance or a movement, at every level."""
    if basis not in BASES:
        raise BusinessError.for_field("basis", f"basis must be one of {', '.join(BASES)}")
    snap = snapshot(session, target, rng)
    return trial_balance_of(snap, basis=basis, level=level)


def trial_balance_of(snap: Snapshot, *, basis: str = "financial", level: int | None = None) -> TrialBalance:
    rows = []
    for code in sorted(snap.by_code):
        node = snap.chart.nodes[code]
        amounts = snap.by_code[code]
        if basis != "all" and node.basis != basis:
            continue
        if level is not None and node.level > level:
            continue
        if not (amounts.opening or amounts.debit or amounts.credit):
            continue
        rows.append(TrialBalanceRow(code, node.name, node.level, node.basis, amounts, node.synthetic))
    totals = {key: ZERO for key in AMOUNT_KEYS}
    for row in rows:
        if row.level == 1:
            for key, value in row.values().items():
                totals[key] += value
    return TrialBalance(snap, basis, level, rows, totals)


# =========================================================================================== 总账


@dataclass
class LedgerMonth:
    month: int
    opening: Decimal
    debit: Decimal
    credit: Decimal
    ytd_debit: Decimal
    ytd_credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


@dataclass
class GeneralLedgerAccount:
    code: str
    name: str
    year_start: Decimal  # brought forward (net)
    opening: Decimal  # at the start of the range (net)
    months: list[LedgerMonth]

    def json(self, year: int) -> dict:
        return {"account": self.code, "name": self.name,
                "opening": money(abs(self.opening)), "opening_direction": direction(self.opening),
                "months": [{"period": f"{year}-{m.month:02d}",
                            "opening": money(abs(m.opening)), "opening_direction": direction(m.opening),
                            "debit": money(m.debit), "credit": money(m.credit),
                            "balance": money(abs(m.closing)), "direction": direction(m.closing),
                            "ytd_debit": money(m.ytd_debit), "ytd_credit": money(m.ytd_credit)}
                           for m in self.months]}


@dataclass
class GeneralLedger:
    target: Target
    rng: PeriodRange
    basis: str
    accounts: list[GeneralLedgerAccount]

    title = "总账"

    def json(self) -> dict:
        return {"accounts": [a.json(self.rng.year) for a in self.accounts]}

    def book(self) -> "Book":
        columns = [BookColumn("period", "期间", 7, "l"), BookColumn("memo", "摘要", 8, "l", flexible=True),
                   BookColumn("debit", "借方", 12, "r"), BookColumn("credit", "贷方", 12, "r"),
                   BookColumn("direction", "借或贷", 6, "c"), BookColumn("balance", "余额", 12, "r")]
        sections = []
        for account in self.accounts:
            rows = [BookRow({"period": f"{self.rng.year}-{self.rng.start:02d}",
                             "memo": "上年结转" if self.rng.start == 1 else "期初余额",
                             "direction": direction(account.opening),
                             "balance": format_amount(abs(account.opening))}, bold=True)]
            for m in account.months:
                period = f"{self.rng.year}-{m.month:02d}"
                rows.append(BookRow({"period": period, "memo": "本月合计", "debit": format_amount(m.debit),
                                     "credit": format_amount(m.credit), "direction": direction(m.closing),
                                     "balance": format_amount(abs(m.closing))}))
                rows.append(BookRow({"period": period, "memo": "本年累计", "debit": format_amount(m.ytd_debit),
                                     "credit": format_amount(m.ytd_credit), "direction": direction(m.closing),
                                     "balance": format_amount(abs(m.closing))}, bold=True))
            sections.append(BookSection(f"{account.code} {account.name}", rows))
        return Book(self.title, columns, sections)

    def xlsx_rows(self) -> list[dict]:
        rows = []
        for account in self.accounts:
            rows.append({"account": account.code, "name": account.name,
                         "memo": "上年结转" if self.rng.start == 1 else "期初余额",
                         "direction": direction(account.opening), "balance": abs(account.opening)})
            for m in account.months:
                period = f"{self.rng.year}-{m.month:02d}"
                rows.append({"account": account.code, "name": account.name, "period": period, "memo": "本月合计",
                             "debit": m.debit, "credit": m.credit, "direction": direction(m.closing),
                             "balance": abs(m.closing)})
                rows.append({"account": account.code, "name": account.name, "period": period, "memo": "本年累计",
                             "debit": m.ytd_debit, "credit": m.ytd_credit, "direction": direction(m.closing),
                             "balance": abs(m.closing)})
        return rows

    XLSX_COLUMNS = [Column("account", "科目编码"), Column("name", "科目名称"), Column("period", "期间"),
                    Column("memo", "摘要"), Column("debit", "借方", "amount"), Column("credit", "贷方", "amount"),
                    Column("direction", "借或贷"), Column("balance", "余额", "amount")]

    def pdf(self, user: User | None) -> bytes:
        return render_book_pdf(self.book(), _report_header(self.title, self.target, self.rng, user))

    def xlsx(self, user: User | None) -> bytes:
        return build_xlsx(self.title, self.XLSX_COLUMNS, self.xlsx_rows(),
                          header=_report_header(self.title, self.target, self.rng, user))


def general_ledger(session: Session, target: Target, rng: PeriodRange, *, account: str | None = None,
                   basis: str = "financial") -> GeneralLedger:
    """总账: per account and month the opening, debit, credit, balance and year-to-date, from balances.

    With ``account`` that account (its sub-accounts rolled in); without, every top-level account of the
    basis that has a balance or a movement in the year up to the range's end.
    """
    if basis not in BASES:
        raise BusinessError.for_field("basis", f"basis must be one of {', '.join(BASES)}")
    chart = chart_view(session, target)
    if account:
        node = chart.node(account)
        wanted = {account: chart.subtree_ids(account)}
    else:
        wanted = defaultdict(list)
        for account_id, code in chart.code_of.items():
            node = chart.nodes[code]
            if basis == "all" or node.basis == basis:
                wanted[chart.top(code)].append(account_id)
    target_of = {account_id: code for code, ids in wanted.items() for account_id in ids}
    statement = (select(Balance.account_id, Balance.month, func.sum(Balance.debit), func.sum(Balance.credit))
                 .where(Balance.institution_id.in_(target.ids), Balance.year == rng.year, Balance.month <= rng.end)
                 .group_by(Balance.account_id, Balance.month))
    if account:
        statement = statement.where(Balance.account_id.in_(sorted(target_of)))
    per_month: dict[str, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO]))
    for account_id, month, debit, credit in session.execute(statement):
        code = target_of.get(account_id)
        if code is None:
            continue
        sums = per_month[code][month]
        sums[0] += debit or ZERO
        sums[1] += credit or ZERO
    accounts = []
    for code in sorted(wanted):
        months = per_month.get(code)
        if not months and not account:
            continue
        months = months or {}
        year_start = months.get(0, [ZERO, ZERO])[0] - months.get(0, [ZERO, ZERO])[1]
        balance, ytd_debit, ytd_credit = year_start, ZERO, ZERO
        for month in range(1, rng.start):
            debit, credit = months.get(month, [ZERO, ZERO])
            balance += debit - credit
            ytd_debit += debit
            ytd_credit += credit
        opening = balance
        rows = []
        for month in range(rng.start, rng.end + 1):
            debit, credit = months.get(month, [ZERO, ZERO])
            ytd_debit += debit
            ytd_credit += credit
            rows.append(LedgerMonth(month, balance, debit, credit, ytd_debit, ytd_credit))
            balance += debit - credit
        node = chart.nodes[code]
        accounts.append(GeneralLedgerAccount(code, node.name, year_start, opening, rows))
    return GeneralLedger(target, rng, basis, accounts)


# =========================================================================================== 明细账

DIMENSION_FILTERS = ("department", "partner", "funding_source", "employee", "project")


@dataclass
class DetailRow:
    kind: str  # opening, line, month, ytd
    memo: str
    debit: Decimal | None
    credit: Decimal | None
    balance: Decimal
    date: date | None = None
    institution: str | None = None
    voucher_id: int | None = None
    voucher_number: str | None = None
    account: str | None = None
    month: int | None = None

    def json(self) -> dict:
        return {"kind": self.kind, "date": self.date.isoformat() if self.date else None,
                "institution": self.institution, "voucher_id": self.voucher_id,
                "voucher_number": self.voucher_number, "account": self.account, "memo": self.memo,
                "debit": money(self.debit), "credit": money(self.credit), "direction": direction(self.balance),
                "balance": money(abs(self.balance))}


@dataclass
class DetailLedger:
    target: Target
    rng: PeriodRange
    code: str
    name: str
    opening: Decimal
    rows: list[DetailRow]
    filters: dict[str, str]
    has_children: bool

    title = "明细账"

    @property
    def line_rows(self) -> list[DetailRow]:
        return [r for r in self.rows if r.kind == "line"]

    @property
    def closing(self) -> Decimal:
        return self.rows[-1].balance if self.rows else self.opening

    @property
    def period_debit(self) -> Decimal:
        return sum((r.debit for r in self.line_rows), ZERO)

    @property
    def period_credit(self) -> Decimal:
        return sum((r.credit for r in self.line_rows), ZERO)

    @property
    def subtitle(self) -> str:
        text = f"科目：{self.code} {self.name}"
        if self.filters:
            text += " · " + " · ".join(f"{FILTER_TITLES[k]}：{v}" for k, v in self.filters.items())
        return text

    def json(self) -> dict:
        return {"account": self.code, "name": self.name, "filters": self.filters,
                "opening": money(abs(self.opening)), "opening_direction": direction(self.opening),
                "rows": [r.json() for r in self.rows],
                "period_debit": money(self.period_debit), "period_credit": money(self.period_credit),
                "closing": money(abs(self.closing)), "closing_direction": direction(self.closing)}

    def book(self) -> "Book":
        many = len(self.target.institutions) > 1
        columns = [BookColumn("date", "日期", 10, "l")]
        if many:
            columns.append(BookColumn("institution", "单位", 8, "l"))
        columns.append(BookColumn("voucher", "凭证号", 14, "l"))
        if self.has_children:
            columns.append(BookColumn("account", "科目", 8, "l"))
        columns += [BookColumn("memo", "摘要", 16, "l", flexible=True), BookColumn("debit", "借方", 12, "r"),
                    BookColumn("credit", "贷方", 12, "r"), BookColumn("direction", "借或贷", 6, "c"),
                    BookColumn("balance", "余额", 12, "r")]
        rows = []
        for r in self.rows:
            line = r.kind == "line"  # a voucher line has one side: the other shows blank
            rows.append(BookRow({"date": r.date.isoformat() if r.date else "", "institution": r.institution or "",
                                 "voucher": r.voucher_number or "", "account": r.account or "", "memo": r.memo,
                                 "debit": "" if r.debit is None else format_amount(r.debit, blank_zero=line),
                                 "credit": "" if r.credit is None else format_amount(r.credit, blank_zero=line),
                                 "direction": direction(r.balance), "balance": format_amount(abs(r.balance))},
                                bold=r.kind != "line"))
        return Book(self.title, columns, [BookSection(None, rows)])

    XLSX_COLUMNS = [Column("date", "日期", "date"), Column("institution", "单位"), Column("voucher", "凭证号"),
                    Column("account", "科目"), Column("memo", "摘要"), Column("debit", "借方", "amount"),
                    Column("credit", "贷方", "amount"), Column("direction", "借或贷"),
                    Column("balance", "余额", "amount")]

    def pdf(self, user: User | None) -> bytes:
        header = _report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        return render_book_pdf(self.book(), header)

    def xlsx(self, user: User | None) -> bytes:
        rows = [{"date": r.date, "institution": r.institution, "voucher": r.voucher_number, "account": r.account,
                 "memo": r.memo, "debit": r.debit, "credit": r.credit, "direction": direction(r.balance),
                 "balance": abs(r.balance)} for r in self.rows]
        header = _report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        return build_xlsx(self.title, self.XLSX_COLUMNS, rows, header=header)


FILTER_TITLES = {"department": "科室", "partner": "往来单位", "funding_source": "资金来源", "employee": "职工",
                 "project": "项目"}


def _dimension_ids(session: Session, target: Target, dimension: str, code: str) -> list[int]:
    if dimension == "department":
        statement = select(Department.id).where(Department.institution_id.in_(target.ids), Department.code == code)
    elif dimension == "employee":
        statement = select(Employee.id).where(Employee.institution_id.in_(target.ids), Employee.code == code)
    else:
        model = {"partner": Partner, "funding_source": FundingSource, "project": Project}[dimension]
        statement = select(model.id).where(model.community_id == target.community_id, model.code == code)
    ids = list(session.scalars(statement))
    if not ids:
        raise NotFound.for_field(dimension, f"{FILTER_TITLES[dimension]} {code!r} 不存在 (unknown {dimension})")
    return ids


def detail_ledger(session: Session, target: Target, rng: PeriodRange, account: str,
                  filters: dict[str, str] | None = None) -> DetailLedger:
    """明细账: the posted lines of one account (and its sub-accounts) in the range, with a running balance,
    optionally only those carrying the given dimensions. The opening comes from the balance table."""
    if not account:
        raise BusinessError.for_field("account", "请指定科目 (account is required)")
    filters = {k: v for k, v in (filters or {}).items() if v}
    chart = chart_view(session, target)
    node = chart.node(account)
    account_ids = chart.subtree_ids(account)
    line_where, balance_where = [], []
    for dimension, code in filters.items():
        ids = _dimension_ids(session, target, dimension, code)
        line_where.append(getattr(VoucherLine, f"{dimension}_id").in_(ids))
        balance_where.append(getattr(Balance, f"{dimension}_id").in_(ids))
    amounts = Amounts()
    for key, found in leaf_amounts(session, target.ids, rng, where=[Balance.account_id.in_(account_ids),
                                                                    *balance_where]).items():
        amounts.add(found)
    codes = target.codes
    statement = (select(VoucherLine.institution_id, VoucherLine.account_id, VoucherLine.debit, VoucherLine.credit,
                        VoucherLine.memo, Voucher.id, Voucher.number, Voucher.date, Voucher.month, Voucher.memo)
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(VoucherLine.institution_id.in_(target.ids), VoucherLine.account_id.in_(account_ids),
                        Voucher.state == VoucherState.POSTED, Voucher.year == rng.year,
                        Voucher.month.between(rng.start, rng.end), *line_where)
                 .order_by(Voucher.month, Voucher.date, VoucherLine.institution_id, Voucher.number,
                           VoucherLine.line_no))
    opening = amounts.opening
    rows = [DetailRow("opening", "上年结转" if rng.start == 1 else "期初余额", None, None, opening,
                      month=rng.start)]
    balance = opening
    ytd_debit, ytd_credit = amounts.pre_debit, amounts.pre_credit
    month_debit = month_credit = ZERO
    current = None

    def close_month(month: int) -> None:
        rows.append(DetailRow("month", "本月合计", month_debit, month_credit, balance, month=month))
        rows.append(DetailRow("ytd", "本年累计", ytd_debit, ytd_credit, balance, month=month))

    for (institution_id, account_id, debit, credit, line_memo, voucher_id, number, on, month,
         voucher_memo) in session.execute(statement):
        if current is not None and month != current:
            close_month(current)
            month_debit = month_credit = ZERO
        current = month
        balance += debit - credit
        month_debit += debit
        month_credit += credit
        ytd_debit += debit
        ytd_credit += credit
        rows.append(DetailRow("line", line_memo or voucher_memo, debit, credit, balance, date=on,
                              institution=codes.get(institution_id), voucher_id=voucher_id, voucher_number=number,
                              account=chart.code_of.get(account_id), month=month))
    if current is not None:
        close_month(current)
    has_children = len(account_ids) > 1 or chart.descendants(account) != [account]
    return DetailLedger(target, rng, account, node.name, opening, rows, filters, has_children)


# =========================================================================================== statements


@dataclass(frozen=True)
class Line:
    """One line of a statement: ``codes`` are top-level account codes summed (debit-positive nets)."""

    key: str
    label: str
    codes: tuple[str, ...] = ()
    kind: str = "item"  # item (summed into its section), memo (shown only), heading, subtotal, total
    indent: int = 1
    only_if_nonzero: bool = False
    negate: bool = False  # a "减：" memo line shows a contra account as a positive amount


@dataclass
class StatementRow:
    key: str
    label: str
    kind: str
    indent: int
    values: dict[str, Decimal | None]

    def json(self, columns: list[tuple[str, str]]) -> dict:
        return {"key": self.key, "label": self.label, "kind": self.kind,
                **{key: money(self.values.get(key)) for key, _ in columns}}


@dataclass
class Statement:
    title: str
    form: str | None
    snapshot: Snapshot
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[StatementRow]
    checks: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def target(self) -> Target:
        return self.snapshot.target

    @property
    def rng(self) -> PeriodRange:
        return self.snapshot.rng

    def row(self, key: str) -> StatementRow:
        return next(r for r in self.rows if r.key == key)

    def value(self, key: str, column: str) -> Decimal:
        return self.row(key).values[column]

    def json(self) -> dict:
        body = {"title": self.title, "form": self.form, "institution": self.target.label,
                "period": self.rng.period, "period_to": self.rng.period_to, "unit": "元",
                "columns": [{"key": k, "label": label} for k, label in self.columns],
                "rows": [r.json(self.columns) for r in self.rows],
                "checks": {k: money(v) if isinstance(v, Decimal) else v for k, v in self.checks.items()}}
        if self.notes:
            body["notes"] = self.notes
        if self.snapshot.consolidation is not None:
            body["eliminations"] = self.snapshot.consolidation.json()
        return body

    def table(self, indent: bool = True) -> tuple[list[Column], list[dict]]:
        columns = [Column("label", "项目", "text", 3.2)] + [Column(k, label, "amount") for k, label in self.columns]
        rows = []
        for r in self.rows:
            row = {"label": r.label if indent else "　" * r.indent + r.label,
                   **{k: r.values.get(k) for k, _ in self.columns}}
            if indent:
                row["_indent"] = r.indent
            if r.kind in ("subtotal", "total", "heading"):
                row["_class"] = "sub"
            rows.append(row)
        return columns, rows

    def pdf(self, user: User | None) -> bytes:
        columns, rows = self.table()
        header = _report_header(self.title, self.target, self.rng, user, code=self.form)
        return render_statement_pdf(header, "ledger/reports/statement_pdf.html", columns=columns, rows=rows,
                                    eliminations=_elimination_table(self.snapshot), notes=self.notes)

    def xlsx(self, user: User | None) -> bytes:
        columns, rows = self.table(indent=False)
        header = _report_header(self.title, self.target, self.rng, user, code=self.form)
        sheets = [XlsxSheet(self.title, columns, rows, header=header, header_lines=self.notes)]
        sheets.extend(_elimination_sheets(self.snapshot))
        return build_xlsx_sheets(sheets)


def _sum_codes(snap: Snapshot, codes: Iterable[str], measure) -> Decimal:
    return sum((measure(snap.get(code)) for code in codes), ZERO)


def _section_rows(snap: Snapshot, lines: list[Line], columns: dict[str, Any], sign: int,
                  leftovers: dict[str, tuple[str, ...]]) -> tuple[list[StatementRow], dict[str, Decimal]]:
    """Rows for lines; item values also summed per column. ``leftovers`` adds unmapped codes to a line."""
    rows, totals = [], {key: ZERO for key in columns}
    for line in lines:
        codes = line.codes + leftovers.get(line.key, ())
        if line.kind == "heading":
            rows.append(StatementRow(line.key, line.label, "heading", 0, {k: None for k in columns}))
            continue
        line_sign = -sign if line.negate else sign
        values = {key: line_sign * _sum_codes(snap, codes, measure) for key, measure in columns.items()}
        if line.only_if_nonzero and not any(values.values()):
            continue
        if line.kind == "item":
            for key in columns:
                totals[key] += values[key]
        rows.append(StatementRow(line.key, line.label, line.kind, line.indent, values))
    return rows, totals


def _mapped(*groups: list[Line]) -> set[str]:
    return {code for lines in groups for line in lines for code in line.codes if line.kind == "item"}


# ------------------------------------------------------------------------------------------- 资产负债表

CURRENT_ASSETS = [
    Line("cash", "货币资金", ("1001", "1002", "1011", "1021")),
    Line("short_term_investments", "短期投资", ("1101",)),
    Line("fiscal_refund", "财政应返还额度", ("1201",)),
    Line("notes_receivable", "应收票据", ("1211",)),
    Line("accounts_receivable", "应收账款净额", ("1212", "1219")),
    Line("prepayments", "预付账款", ("1214",)),
    Line("dividends_receivable", "应收股利", ("1215",)),
    Line("interest_receivable", "应收利息", ("1216",)),
    Line("other_receivables", "其他应收款净额", ("1218",)),
    Line("inventories", "存货", ("1301", "1302", "1303")),
    Line("prepaid_expenses", "待摊费用", ("1401",)),
    Line("internal_difference", "内部往来未达差额（合并，待核对）", ("ELIM-BS",), only_if_nonzero=True),
    Line("other_current_assets", "其他流动资产"),
]
NON_CURRENT_ASSETS = [
    Line("long_term_equity", "长期股权投资", ("1501",)),
    Line("long_term_bonds", "长期债券投资", ("1502",)),
    Line("fixed_assets_cost", "固定资产原值", ("1601",), "memo", 2),
    Line("fixed_assets_depreciation", "减：固定资产累计折旧", ("1602",), "memo", 2, negate=True),
    Line("fixed_assets", "固定资产净值", ("1601", "1602")),
    Line("engineering_materials", "工程物资", ("1611",)),
    Line("construction_in_progress", "在建工程", ("1613",)),
    Line("intangible_cost", "无形资产原值", ("1701",), "memo", 2),
    Line("intangible_amortisation", "减：无形资产累计摊销", ("1702",), "memo", 2, negate=True),
    Line("intangible_assets", "无形资产净值", ("1701", "1702")),
    Line("research", "研发支出", ("1703",)),
    Line("infrastructure", "公共基础设施净值", ("1801", "1802")),
    Line("reserves", "政府储备物资", ("1811",)),
    Line("heritage", "文物文化资产", ("1821",)),
    Line("housing", "保障性住房净值", ("1831", "1832")),
    Line("long_term_prepaid", "长期待摊费用", ("1901",)),
    Line("pending_losses", "待处理财产损溢", ("1902",)),
    Line("other_non_current_assets", "其他非流动资产"),
]
TRUST_ASSETS = [Line("trust_assets", "受托代理资产", ("1891",))]
CURRENT_LIABILITIES = [
    Line("short_term_borrowings", "短期借款", ("2001",)),
    Line("vat_payable", "应交增值税", ("2101",)),
    Line("other_taxes", "其他应交税费", ("2102",)),
    Line("due_to_treasury", "应缴财政款", ("2103",)),
    Line("payroll_payable", "应付职工薪酬", ("2201",)),
    Line("notes_payable", "应付票据", ("2301",)),
    Line("accounts_payable", "应付账款", ("2302",)),
    Line("subsidies_payable", "应付政府补贴款", ("2303",)),
    Line("interest_payable", "应付利息", ("2304",)),
    Line("receipts_in_advance", "预收账款", ("2305",)),
    Line("other_payables", "其他应付款", ("2307",)),
    Line("medical_settlement", "待结算医疗款", ("2308",)),
    Line("accrued_expenses", "预提费用", ("2401",)),
    Line("other_current_liabilities", "其他流动负债"),
]
NON_CURRENT_LIABILITIES = [
    Line("long_term_borrowings", "长期借款", ("2501",)),
    Line("long_term_payables", "长期应付款", ("2502",)),
    Line("provisions", "预计负债", ("2601",)),
    Line("other_non_current_liabilities", "其他非流动负债"),
]
TRUST_LIABILITIES = [Line("trust_liabilities", "受托代理负债", ("2901",))]
NET_ASSETS = [
    Line("accumulated_surplus", "累计盈余", ("3001", "3302", "3501")),
    Line("special_funds", "专用基金", ("3101",)),
    Line("equity_adjustment", "权益法调整", ("3201",)),
    Line("free_transfers", "无偿调拨净资产*", ("3401",)),
    Line("current_surplus", "本期盈余*", ("3301",)),  # + revenue and expense not yet carried into 3301
    Line("other_net_assets", "其他净资产"),
]
BALANCE_SHEET_COLUMNS = [("year_start", "年初余额"), ("period_end", "期末余额")]


def balance_sheet(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """资产负债表 (会政财01表): year start (brought forward) and period end, monthly format: revenue and expense
    not yet carried to 3301 show in 本期盈余*, so assets = liabilities + net assets holds before year-end close."""
    snap = snapshot(session, target, rng)
    return balance_sheet_of(snap)


def balance_sheet_of(snap: Snapshot) -> Statement:
    measures = {"year_start": lambda a: a.bf, "period_end": lambda a: a.closing}
    mapped = _mapped(CURRENT_ASSETS, NON_CURRENT_ASSETS, TRUST_ASSETS, CURRENT_LIABILITIES,
                     NON_CURRENT_LIABILITIES, TRUST_LIABILITIES, NET_ASSETS)
    leftovers = {
        "other_current_assets": tuple(c for c in snap.top_codes("asset") if c not in mapped),
        "other_current_liabilities": tuple(c for c in snap.top_codes("liability") if c not in mapped),
        "other_net_assets": tuple(c for c in snap.top_codes("net_assets") if c not in mapped),
        # revenue and expense (incl. the consolidation's unmatched internal difference) not yet in 3301
        "current_surplus": tuple(snap.top_codes("revenue", "expense")),
    }
    rows: list[StatementRow] = []

    def section(heading: tuple[str, str] | None, lines, sign, subtotal: tuple[str, str] | None):
        if heading:
            rows.append(StatementRow(heading[0], heading[1], "heading", 0, {k: None for k in measures}))
        section_rows, totals = _section_rows(snap, lines, measures, sign, leftovers)
        rows.extend(section_rows)
        if subtotal:
            rows.append(StatementRow(subtotal[0], subtotal[1], "subtotal", 0, dict(totals)))
        return totals

    def add(*parts):
        return {k: sum((p[k] for p in parts), ZERO) for k in measures}

    def total(key, label, values):
        rows.append(StatementRow(key, label, "total", 0, values))
        return values

    current = section(("current_assets_heading", "流动资产："), CURRENT_ASSETS, 1,
                      ("current_assets", "流动资产合计"))
    non_current = section(("non_current_assets_heading", "非流动资产："), NON_CURRENT_ASSETS, 1,
                          ("non_current_assets", "非流动资产合计"))
    trust = section(None, TRUST_ASSETS, 1, None)
    assets = total("assets", "资产总计", add(current, non_current, trust))
    current_l = section(("current_liabilities_heading", "流动负债："), CURRENT_LIABILITIES, -1,
                        ("current_liabilities", "流动负债合计"))
    non_current_l = section(("non_current_liabilities_heading", "非流动负债："), NON_CURRENT_LIABILITIES, -1,
                            ("non_current_liabilities", "非流动负债合计"))
    trust_l = section(None, TRUST_LIABILITIES, -1, None)
    liabilities = total("liabilities", "负债合计", add(current_l, non_current_l, trust_l))
    net_assets = section(("net_assets_heading", "净资产："), NET_ASSETS, -1, ("net_assets", "净资产合计"))
    both = total("liabilities_and_net_assets", "负债和净资产总计", add(liabilities, net_assets))
    surplus = next(r for r in rows if r.key == "current_surplus").values
    checks = {"balanced": all(assets[k] == both[k] for k in measures),
              "assets": assets["period_end"], "liabilities": liabilities["period_end"],
              "net_assets": net_assets["period_end"], "current_surplus": surplus["period_end"]}
    notes = ["标*项目为月报项目：本期盈余* 含尚未结转的收入、费用。"]
    return Statement("资产负债表", "会政财01表", snap, BALANCE_SHEET_COLUMNS, rows, checks, notes)


# ------------------------------------------------------------------------------------------- 收入费用表

REVENUE_LINES = [
    Line("fiscal_appropriation", "（一）财政拨款收入", ("4001",)),
    Line("business_revenue", "（二）事业收入", ("4101",)),
    Line("medical_revenue", "其中：医疗收入", ("410101",), "memo", 2),
    Line("outpatient_revenue", "门急诊收入", ("41010101",), "memo", 3),
    Line("inpatient_revenue", "住院收入", ("41010102",), "memo", 3),
    Line("research_revenue", "科教收入", ("410102",), "memo", 2),
    Line("public_health_revenue", "公共卫生收入", ("410103",), "memo", 2, only_if_nonzero=True),
    Line("superior_subsidy", "（三）上级补助收入", ("4201",)),
    Line("affiliate_remittance", "（四）附属单位上缴收入", ("4301",)),
    Line("operating_revenue", "（五）经营收入", ("4401",)),
    Line("non_same_level_fiscal", "（六）非同级财政拨款收入", ("4601",)),
    Line("investment_income", "（七）投资收益", ("4602",)),
    Line("donations", "（八）捐赠收入", ("4603",)),
    Line("interest_income", "（九）利息收入", ("4604",)),
    Line("rental_income", "（十）租金收入", ("4605",)),
    Line("other_revenue", "（十一）其他收入", ("4609",)),
    Line("internal_difference", "内部交易未抵销差额（合并，待核对）", ("ELIM-PL",), only_if_nonzero=True),
]
EXPENSE_LINES = [
    Line("business_expense", "（一）业务活动费用", ("5001",)),
    Line("administrative_expense", "（二）单位管理费用", ("5101",)),
    Line("operating_expense", "（三）经营费用", ("5201",)),
    Line("disposal_expense", "（四）资产处置费用", ("5301",)),
    Line("remittance_expense", "（五）上缴上级费用", ("5401",)),
    Line("affiliate_subsidy", "（六）对附属单位补助费用", ("5501",)),
    Line("income_tax", "（七）所得税费用", ("5801",)),
    Line("other_expense", "（八）其他费用", ("5901",)),
]


def _movement_columns(rng: PeriodRange) -> list[tuple[str, str]]:
    return [("period", "本月数" if rng.start == rng.end else "本期数"), ("ytd", "本年累计数")]


MOVEMENTS = {"period": lambda a: a.movement, "ytd": lambda a: a.ytd_movement}


def income_statement(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """收入费用表 (会政财02表): revenue (4xxx, credit − debit) and expense (5xxx) of the range and the year."""
    return income_statement_of(snapshot(session, target, rng, before_closing=True))


def income_statement_of(snap: Snapshot) -> Statement:
    mapped = _mapped(REVENUE_LINES, EXPENSE_LINES)
    leftovers = {"other_revenue": tuple(c for c in snap.top_codes("revenue") if c not in mapped),
                 "other_expense": tuple(c for c in snap.top_codes("expense") if c not in mapped)}
    revenue_rows, revenue = _section_rows(snap, REVENUE_LINES, MOVEMENTS, -1, leftovers)
    expense_rows, expense = _section_rows(snap, EXPENSE_LINES, MOVEMENTS, 1, leftovers)
    surplus = {k: revenue[k] - expense[k] for k in MOVEMENTS}
    rows = [StatementRow("revenue", "一、本期收入", "subtotal", 0, revenue), *revenue_rows,
            StatementRow("expense", "二、本期费用", "subtotal", 0, expense), *expense_rows,
            StatementRow("surplus", "三、本期盈余", "total", 0, surplus)]
    checks = {"revenue": revenue["period"], "expense": expense["period"], "surplus": surplus["period"],
              "surplus_ytd": surplus["ytd"]}
    return Statement("收入费用表", "会政财02表", snap, _movement_columns(snap.rng), rows, checks)


# ------------------------------------------------------------------------------------------- 预算收入支出表

BUDGET_REVENUE_LINES = [
    Line("fiscal_appropriation", "（一）财政拨款预算收入", ("6001",)),
    Line("business", "（二）事业预算收入", ("6101",)),
    Line("medical", "其中：医疗预算收入", ("610101",), "memo", 2),
    Line("research", "科教预算收入", ("610102",), "memo", 2),
    Line("public_health", "公共卫生预算收入", ("610103",), "memo", 2, only_if_nonzero=True),
    Line("superior_subsidy", "（三）上级补助预算收入", ("6201",)),
    Line("affiliate_remittance", "（四）附属单位上缴预算收入", ("6301",)),
    Line("operating", "（五）经营预算收入", ("6401",)),
    Line("debt", "（六）债务预算收入", ("6501",)),
    Line("non_same_level_fiscal", "（七）非同级财政拨款预算收入", ("6601",)),
    Line("investment", "（八）投资预算收益", ("6602",)),
    Line("other", "（九）其他预算收入", ("6609",)),
]
BUDGET_EXPENDITURE_LINES = [
    Line("administrative", "（一）行政支出", ("7101",)),
    Line("business", "（二）事业支出", ("7201",)),
    Line("operating", "（三）经营支出", ("7301",)),
    Line("remittance", "（四）上缴上级支出", ("7401",)),
    Line("affiliate_subsidy", "（五）对附属单位补助支出", ("7501",)),
    Line("investment", "（六）投资支出", ("7601",)),
    Line("debt_repayment", "（七）债务还本支出", ("7701",)),
    Line("other", "（八）其他支出", ("7901",)),
]


def budget_statement(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """预算收入支出表 (会政预01表): budget revenue (6xxx), expenditure (7xxx) and 本期预算结余."""
    return budget_statement_of(snapshot(session, target, rng, before_closing=True))


def budget_statement_of(snap: Snapshot) -> Statement:
    mapped = _mapped(BUDGET_REVENUE_LINES, BUDGET_EXPENDITURE_LINES)
    leftovers = {"other": tuple(c for c in snap.top_codes("budget_revenue") if c not in mapped)}
    revenue_rows, revenue = _section_rows(snap, BUDGET_REVENUE_LINES, MOVEMENTS, -1, leftovers)
    leftovers = {"other": tuple(c for c in snap.top_codes("budget_expenditure") if c not in mapped)}
    expenditure_rows, expenditure = _section_rows(snap, BUDGET_EXPENDITURE_LINES, MOVEMENTS, 1, leftovers)
    balance = {k: revenue[k] - expenditure[k] for k in MOVEMENTS}
    rows = [StatementRow("revenue", "一、本期预算收入", "subtotal", 0, revenue),
            *[replace(r, key="revenue." + r.key) for r in revenue_rows],
            StatementRow("expenditure", "二、本期预算支出", "subtotal", 0, expenditure),
            *[replace(r, key="expenditure." + r.key) for r in expenditure_rows],
            StatementRow("budget_surplus", "三、本期预算收支差额（本期预算结余）", "total", 0, balance)]
    checks = {"revenue": revenue["period"], "expenditure": expenditure["period"],
              "budget_surplus": balance["period"], "budget_surplus_ytd": balance["ytd"]}
    notes = []
    if snap.target.consolidated:
        notes.append("预算会计分录不带往来单位，合并预算表为成员单位简单相加，未作内部抵销。")
    return Statement("预算收入支出表", "会政预01表", snap, _movement_columns(snap.rng), rows, checks, notes)


# ------------------------------------------------------------------------------------------- 差异调节表

@dataclass(frozen=True)
class ReconcilingGroup:
    key: str
    codes: tuple[str, ...]  # top-level financial accounts of the group
    increase: str  # label for the debit movement (adds to 本期盈余 relative to 本期预算结余)
    decrease: str  # label for the credit movement (subtracts)


RECONCILING_GROUPS = [
    ReconcilingGroup("receivables", ("1211", "1212", "1214", "1215", "1216", "1218", "1219"),
                     "应收及预付款项增加（确认收入尚未收款、支付预付款）",
                     "应收及预付款项减少（收回应收款确认预算收入、预付款转费用）"),
    ReconcilingGroup("inventories", ("1301", "1302", "1303", "1811"),
                     "取得存货、政府储备物资等计入物资成本的支出",
                     "发出存货、政府储备物资等确认的费用"),
    ReconcilingGroup("long_term_assets", ("1501", "1502", "1601", "1611", "1613", "1701", "1703", "1801", "1821",
                                          "1831", "1901"),
                     "购建固定资产、无形资产等的资本性支出及对外投资",
                     "处置、转出长期资产及长期待摊费用摊销"),
    ReconcilingGroup("depreciation", ("1602", "1702", "1802", "1832"),
                     "处置资产转销的累计折旧（摊销）",
                     "计提的折旧费用和摊销费用"),
    ReconcilingGroup("borrowings", ("2001", "2501"),
                     "偿还借款本金的支出", "取得借款确认的预算收入"),
    ReconcilingGroup("payables", ("2101", "2102", "2103", "2201", "2301", "2302", "2303", "2304", "2305", "2307",
                                  "2308", "2401", "2502", "2601", "2901"),
                     "支付应付款项（应付职工薪酬、应付账款等）、预收款项转收入",
                     "确认应付款项的费用、收到预收款项"),
    ReconcilingGroup("other_assets", ("1101", "1201", "1401", "1891", "1902", "ELIM-BS"),
                     "其他资产增加", "其他资产减少"),
    ReconcilingGroup("net_assets", ("3001", "3101", "3201", "3301", "3302", "3401", "3501"),
                     "净资产类科目直接减少（无偿调拨、以前年度盈余调整等）",
                     "净资产类科目直接增加（无偿调拨、以前年度盈余调整等）"),
]
RECONCILIATION_METHOD = (
    "调节方法：财务会计各期分录借贷相等，故 本期盈余 = 资产、负债、净资产类科目本期借方发生额 − 贷方发生额；"
    "预算会计同理，本期预算结余 = 预算结余类科目（8xxx）本期借贷差。两式相减，按科目类别列示：资产负债类"
    "科目（货币资金除外）的借方发生额为调增项、贷方发生额为调减项；货币资金净变动与资金结存（8xxx）净变动之差"
    "为未纳入预算管理的现金收支。正数调增、负数调减。")


def _cash_codes(session: Session, snap: Snapshot) -> tuple[str, ...]:
    """Top-level financial accounts that are cash for 平行记账 (the mapping's ``cash`` rules)."""
    prefixes = tuple(session.scalars(select(BudgetMapping.account_prefix).where(
        BudgetMapping.community_id == snap.target.community_id, BudgetMapping.role == "cash")))
    return tuple(c for c in snap.top_codes("asset") if c.startswith(prefixes)) if prefixes else ()


def budget_surplus_reconciliation(session: Session, target: Target, rng: PeriodRange) -> Statement:
    """本期预算结余与本期盈余差异调节表; see RECONCILIATION_METHOD. Closes to the fen by construction and
    the row ``unreconciled`` shows any difference against the income statement."""
    snap = snapshot(session, target, rng, before_closing=True)
    return reconciliation_of(snap, _cash_codes(session, snap))


def reconciliation_of(snap: Snapshot, cash_codes: tuple[str, ...]) -> Statement:
    columns = _movement_columns(snap.rng)
    budget = budget_statement_of(snap)
    income = income_statement_of(snap)
    budget_surplus = {k: budget.value("budget_surplus", k) for k in MOVEMENTS}
    rows = [StatementRow("budget_surplus", "一、本期预算结余（本期预算收支差额）", "total", 0, budget_surplus),
            StatementRow("adjustments_heading", "二、差异调节项目（正数调增、负数调减）", "heading", 0,
                         {k: None for k in MOVEMENTS})]
    mapped = {code for group in RECONCILING_GROUPS for code in group.codes} | set(cash_codes)
    leftovers = {"other_assets": tuple(c for c in snap.top_codes("asset") if c not in mapped),
                 "payables": tuple(c for c in snap.top_codes("liability") if c not in mapped),
                 "net_assets": tuple(c for c in snap.top_codes("net_assets") if c not in mapped)}
    adjustments = {k: ZERO for k in MOVEMENTS}
    gross = {"period": (lambda a: a.debit, lambda a: a.credit), "ytd": (lambda a: a.ytd_debit, lambda a: a.ytd_credit)}
    for group in RECONCILING_GROUPS:
        codes = group.codes + leftovers.get(group.key, ())
        increase = {k: _sum_codes(snap, codes, gross[k][0]) for k in MOVEMENTS}
        decrease = {k: -_sum_codes(snap, codes, gross[k][1]) for k in MOVEMENTS}
        for suffix, label, values in (("increase", group.increase, increase), ("decrease", group.decrease, decrease)):
            for k in MOVEMENTS:
                adjustments[k] += values[k]
            rows.append(StatementRow(f"{group.key}.{suffix}", label, "item", 1, values))
    budget_cash = snap.top_codes("budget_balance")
    cash = {k: _sum_codes(snap, cash_codes, MOVEMENTS[k]) - _sum_codes(snap, budget_cash, MOVEMENTS[k])
            for k in MOVEMENTS}
    for k in MOVEMENTS:
        adjustments[k] += cash[k]
    rows.append(StatementRow("cash_outside_budget", "未纳入预算管理的现金收支（货币资金净变动 − 资金结存净变动）",
                             "item", 1, cash))
    rows.append(StatementRow("adjustments", "差异调节合计", "subtotal", 0, adjustments))
    reconciled = {k: budget_surplus[k] + adjustments[k] for k in MOVEMENTS}
    rows.append(StatementRow("surplus", "三、本期盈余（一 + 二）", "total", 0, reconciled))
    per_income = {k: income.value("surplus", k) for k in MOVEMENTS}
    rows.append(StatementRow("surplus_per_income_statement", "收入费用表本期盈余", "memo", 0, per_income))
    unreconciled = {k: per_income[k] - reconciled[k] for k in MOVEMENTS}
    rows.append(StatementRow("unreconciled", "未调节差额", "memo", 0, unreconciled))
    checks = {"closes": not any(unreconciled.values()), "budget_surplus": budget_surplus["period"],
              "adjustments": adjustments["period"], "surplus": per_income["period"]}
    return Statement("本期预算结余与本期盈余差异调节表", None, snap, columns, rows, checks, [RECONCILIATION_METHOD])


# =========================================================================================== consolidation output


def _elimination_table(snap: Snapshot) -> dict | None:
    consolidation = snap.consolidation
    if consolidation is None:
        return None
    return {"lines": consolidation.table_rows(), "pairs": consolidation.pair_rows(), "method": consolidation.method}


def _elimination_sheets(snap: Snapshot) -> list[XlsxSheet]:
    consolidation = snap.consolidation
    if consolidation is None:
        return []
    from erp.ledger.consolidation import LINE_COLUMNS, PAIR_COLUMNS

    return [XlsxSheet("合并抵销分录", LINE_COLUMNS, consolidation.table_rows(), header_lines=[consolidation.method]),
            XlsxSheet("内部往来核对", PAIR_COLUMNS, consolidation.pair_rows())]


# =========================================================================================== the book PDF
#
# A 1,000-line ledger as an HTML table is 8,000+ cells; WeasyPrint lays out every cell as a block with
# its own line box, which takes 5-9 s. A ledger page here is instead one <pre> of fixed-pitch lines in
# Noto Sans Mono CJK SC (half-width characters exactly 0.5 em, CJK exactly 1 em): one line box per row.
# Columns are padded to their width in half-width cells; the ruled lines are two background gradients
# (horizontal every line, vertical at the column boundaries); the column header repeats on every page
# (<thead>). A character whose advance is not a whole number of cells (e.g. '—') is wrapped in an
# inline-block of the right width, so the columns never drift. About 1.6-2.2 s for 1,000 lines.

MONO_FONT = "Noto Sans Mono CJK SC"
BOOK_FONT_PT = Decimal("8")
MM_PER_PT = Decimal("0.352777778")
PAGE_WIDTH_MM = {False: Decimal("186"), True: Decimal("273")}  # A4 minus 12 mm margins, portrait/landscape


@dataclass(frozen=True)
class BookColumn:
    key: str
    label: str
    width: int  # half-width cells; 0 = as wide as the widest value (amounts)
    align: str = "l"  # l, r, c
    flexible: bool = False  # takes the remaining width, wraps onto continuation lines


@dataclass
class BookRow:
    cells: dict[str, str]
    bold: bool = False


@dataclass
class BookSection:
    title: str | None
    rows: list[BookRow]


@dataclass
class Book:
    title: str
    columns: list[BookColumn]
    sections: list[BookSection]


@lru_cache(maxsize=1)
def _mono_advances() -> dict[int, int] | None:
    """Advance widths (1/1000 em) of the mono CJK font by code point, or None when unavailable."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", MONO_FONT], capture_output=True, text=True,
                               timeout=10, check=False).stdout
        path, _, index = found.rpartition(":")
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=int(index or 0), lazy=True)
        if MONO_FONT not in font["name"].getDebugName(4):
            return None
        metrics = font["hmtx"]
        return {cp: metrics[glyph][0] for cp, glyph in font.getBestCmap().items()}
    except Exception:  # noqa: BLE001 - any trouble: fall back to the East Asian Width rule
        return None


def char_cells(ch: str) -> tuple[int, int | None]:
    """(half-width cells the character takes, its advance in 1/1000 em when known) in the mono font."""
    advances = _mono_advances()
    if advances is not None:
        advance = advances.get(ord(ch))
        if advance is None:
            return 2, None  # not in the font: a fallback font draws it, boxed to two cells
        return max(1, (advance + 499) // 500), advance
    cells = 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1
    return cells, cells * 500


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@lru_cache(maxsize=8192)
def _cells(text: str) -> int:
    if text.isascii():
        return len(text)  # printable ASCII is exactly one cell in the mono font (control characters are removed)
    return sum(char_cells(ch)[0] for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Split text into pieces of at most ``width`` cells."""
    pieces, current, used = [], "", 0
    for ch in text:
        w = char_cells(ch)[0]
        if used + w > width and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    pieces.append(current)
    return pieces


# Common characters whose advance is not a whole number of cells, and exact-width look-alikes.
LOOK_ALIKES = str.maketrans({"—": "―", "–": "-", "‐": "-", "‑": "-", "−": "－", "\u00a0": " ", "\t": " "})


@lru_cache(maxsize=8192)
def _markup(text: str) -> str:
    """HTML for a cell's text (already through LOOK_ALIKES). Any other character whose advance is not a
    whole number of cells gets letter-spacing that pads it to its cells, a character missing from the font
    a box of two cells: both split the line into several boxes, which costs layout time (~5 ms a line), so
    they are kept for the rare characters only."""
    if text.isascii():
        return html.escape(text)
    out, run, run_pad = [], [], None

    def flush():
        if run:
            text_ = html.escape("".join(run))
            out.append(text_ if run_pad is None else f'<span style="letter-spacing:{run_pad}em">{text_}</span>')
            run.clear()

    for ch in text:
        cells, advance = char_cells(ch)
        if advance is None:
            flush()
            run_pad = None
            out.append(f'<span class="w" style="width:{cells * 0.5}em">{html.escape(ch)}</span>')
            continue
        pad = None if advance == cells * 500 else Decimal(cells * 500 - advance) / 1000
        if pad != run_pad:
            flush()
            run_pad = pad
        run.append(ch)
    flush()
    return "".join(out)


def _pad(text: str, width: int, align: str) -> str:
    gap = max(width - _cells(text), 0)
    if align == "r":
        return " " * gap + _markup(text)
    if align == "c":
        return " " * (gap // 2) + _markup(text) + " " * (gap - gap // 2)
    return _markup(text) + " " * gap


# Vertical geometry of book_pdf.html (mm): every height is fixed there, so the lines a page holds are known
# and pages are cut here: no table around the lines (a table cell costs ~25% more layout time).
PAGE_HEIGHT_MM = {False: Decimal("269"), True: Decimal("182")}  # A4 minus 14 mm top and bottom margins
LINE_MM = Decimal("4.4")
TITLE_MM = Decimal("9")  # h1
SUBTITLE_MM = Decimal("5")
META_MM = Decimal("7")  # 5 mm line + 2 mm space
HEADER_LINE_MM = Decimal("5")  # column header: one line plus its rules
SAFETY_MM = Decimal("1.5")


def page_capacity(landscape: bool, first: bool, subtitle: bool) -> int:
    """Lines of a book page: the first page also holds the title block."""
    height = PAGE_HEIGHT_MM[landscape] - HEADER_LINE_MM - SAFETY_MM
    if first:
        height -= TITLE_MM + META_MM + (SUBTITLE_MM if subtitle else 0)
    return max(int(height / LINE_MM), 1)


def layout_book(book: Book, *, subtitle: bool = False) -> dict:
    """Column widths, the header line, the ruled-line positions and the pages of body lines (HTML)."""
    rows = [row for section in book.sections for row in section.rows]
    widths = []
    for column in book.columns:
        longest = max([_cells(str(row.cells.get(column.key, "") or "").translate(LOOK_ALIKES)) for row in rows]
                      + [_cells(column.label)])
        widths.append(max(column.width, longest) if not column.flexible else column.width)
    fixed = sum(w for w, c in zip(widths, book.columns) if not c.flexible) + len(widths) - 1
    landscape = False
    available = int(PAGE_WIDTH_MM[False] / (BOOK_FONT_PT / 2 * MM_PER_PT))
    flexible_min = sum(w for w, c in zip(widths, book.columns) if c.flexible)
    if fixed + flexible_min > available:
        landscape = True
        available = int(PAGE_WIDTH_MM[True] / (BOOK_FONT_PT / 2 * MM_PER_PT))
    spare = max(available - fixed - flexible_min, 0)
    flexible = [i for i, c in enumerate(book.columns) if c.flexible]
    for i in flexible:
        widths[i] += spare // len(flexible)
    total = sum(widths) + len(widths) - 1
    rules, position = [], 0
    for width in widths[:-1]:
        position += width
        rules.append(Decimal(position * 2 + 1) / 4)  # middle of the separator cell, in em
        position += 1

    def row_lines(values: dict[str, str], bold: bool) -> list[str]:
        wrapped = []
        for column, width in zip(book.columns, widths):
            text = _CONTROL.sub(" ", str(values.get(column.key, "") or "").translate(LOOK_ALIKES))
            wrapped.append(_wrap(text, width) if column.flexible else [text])
        height = max(len(parts) for parts in wrapped)
        lines = []
        for n in range(height):
            cells = [_pad(parts[n] if n < len(parts) else "", width, column.align)
                     for column, width, parts in zip(book.columns, widths, wrapped)]
            text = " ".join(cells)
            lines.append(f"<b>{text}</b>" if bold else text)
        return lines

    blocks: list[list[str]] = []  # the lines of one row (or section title) stay on one page
    for section in book.sections:
        if section.title:
            blocks.append([f"<b>{_pad(section.title.translate(LOOK_ALIKES), total, 'l')}</b>"])
        for row in section.rows:
            blocks.append(row_lines(row.cells, row.bold))
    pages: list[list[str]] = [[]]
    capacity = page_capacity(landscape, True, subtitle)
    for block in blocks:
        if pages[-1] and len(pages[-1]) + len(block) > capacity:
            pages.append([])
            capacity = page_capacity(landscape, False, subtitle)
        pages[-1].extend(block)
    header = " ".join(_pad(c.label.translate(LOOK_ALIKES), w, "c") for c, w in zip(book.columns, widths))
    stops = ["transparent 0"]
    for x in rules:
        stops.append(f"transparent {x - Decimal('0.03')}em, #777 {x - Decimal('0.03')}em, "
                     f"#777 {x + Decimal('0.03')}em, transparent {x + Decimal('0.03')}em")
    stops.append("transparent 100%")
    return {"header_line": header, "pages": pages, "landscape": landscape, "columns_gradient": ", ".join(stops),
            "width_em": Decimal(total) / 2, "line_mm": LINE_MM, "rule_mm": LINE_MM - Decimal("0.12"),
            "title_mm": TITLE_MM, "subtitle_mm": SUBTITLE_MM,
            "meta_gap_mm": META_MM - 5}


def render_book_pdf(book: Book, header: StatementHeader) -> bytes:
    layout = layout_book(book, subtitle=bool(header.subtitle))
    return render_pdf("ledger/reports/book_pdf.html", header=header, book=book, mono_font=MONO_FONT,
                      font_pt=BOOK_FONT_PT, **layout)


# =========================================================================================== 记账凭证


@dataclass
class VoucherPrint:
    voucher: Voucher
    financial: list[VoucherLine]
    budget: list[VoucherLine]

    @property
    def title(self) -> str:
        return "记账凭证"

    def totals(self, lines: list[VoucherLine]) -> tuple[Decimal, Decimal]:
        return sum((l.debit for l in lines), ZERO), sum((l.credit for l in lines), ZERO)

    def words(self, lines: list[VoucherLine]) -> str:
        debit, _credit = self.totals(lines)
        return amount_in_words(debit)

    def filename(self) -> str:
        number = self.voucher.number or f"草稿{self.voucher.id}"
        return f"记账凭证-{self.voucher.institution.name}-{number}.pdf"

    def pdf(self) -> bytes:
        return render_pdf("ledger/reports/voucher_pdf.html", voucher=self.voucher, doc=self)


def voucher_print(voucher: Voucher) -> VoucherPrint:
    lines = sorted(voucher.lines, key=lambda l: l.line_no)
    return VoucherPrint(voucher, [l for l in lines if l.basis is Basis.FINANCIAL],
                        [l for l in lines if l.basis is Basis.BUDGET])


# =========================================================================================== requests


def report_file(report, fmt: str, user: User | None) -> tuple[bytes, str, str]:
    """(bytes, Chinese file name, mimetype) of a report as PDF or Excel."""
    if fmt == "pdf":
        return report.pdf(user), _files_name(report.title, report.target, report.rng, "pdf"), PDF_MIMETYPE
    if fmt == "xlsx":
        return report.xlsx(user), _files_name(report.title, report.target, report.rng, "xlsx"), XLSX_MIMETYPE
    raise BusinessError.for_field("format", f"format must be one of {', '.join(FORMATS)}")


STATEMENTS = {
    "balance-sheet": balance_sheet,
    "income-statement": income_statement,
    "budget-statement": budget_statement,
    "budget-surplus-reconciliation": budget_surplus_reconciliation,
}
STATEMENT_TITLES = {
    "balance-sheet": "资产负债表",
    "income-statement": "收入费用表",
    "budget-statement": "预算收入支出表",
    "budget-surplus-reconciliation": "本期预算结余与本期盈余差异调节表",
}


def build_report(session: Session, user: User, name: str, params: dict):
    """The report ``name`` for request parameters (API query or web form), checked and scoped."""
    target = resolve_target(session, user, institution=params.get("institution"),
                            institutions=params.get("institutions"), community=params.get("community"),
                            consolidated=params.get("consolidated"))
    if name in ("general-ledger", "detail-ledger"):
        if params.get("from"):
            rng = period_range(params.get("from"), params.get("to"), field="from", field_to="to")
        else:
            rng = period_range(params.get("period"), params.get("period_to") or params.get("to"))
        book_target = replace(target, consolidated=False)  # books are plain sums; consolidation is for statements
        if name == "general-ledger":
            return general_ledger(session, book_target, rng, account=params.get("account") or None,
                                  basis=params.get("basis") or "financial")
        return detail_ledger(session, book_target, rng, params.get("account") or "",
                             {d: params.get(d) for d in DIMENSION_FILTERS})
    rng = period_range(params.get("period"), params.get("period_to"))
    if name == "trial-balance":
        level = params.get("level")
        try:
            level = int(level) if level not in (None, "") else None
        except ValueError:
            raise BusinessError.for_field("level", "科目级次应为整数 (level is a number)") from None
        return trial_balance(session, target, rng, basis=params.get("basis") or "financial", level=level)
    if name in STATEMENTS:
        return STATEMENTS[name](session, target, rng)
    raise NotFound(f"unknown report {name!r}")
