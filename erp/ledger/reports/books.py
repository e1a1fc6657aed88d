"""总账 and 明细账: the general ledger from balances, the detail ledger from voucher lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Department, Employee, FundingSource, Partner, Project, User
from erp.core.rendering import Column, build_xlsx, format_amount
from erp.ledger.models import Balance, Voucher, VoucherLine, VoucherState
from erp.ledger.reports.balances import Amounts, chart_view, leaf_amounts
from erp.ledger.reports.common import BASES, ZERO, PeriodRange, Target, direction, money, report_header
from erp.ledger.reports.printing import Book, BookColumn, BookRow, BookSection, render_book_pdf


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
        return render_book_pdf(self.book(), report_header(self.title, self.target, self.rng, user))

    def xlsx(self, user: User | None) -> bytes:
        return build_xlsx(self.title, self.XLSX_COLUMNS, self.xlsx_rows(),
                          header=report_header(self.title, self.target, self.rng, user))


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
        accounts.append(GeneralLedgerAccount(code, chart.full_name(code), year_start, opening, rows))
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
    account_name: str | None = None  # the full path (事业收入—医疗收入—…)

    def json(self) -> dict:
        return {"kind": self.kind, "date": self.date.isoformat() if self.date else None,
                "institution": self.institution, "voucher_id": self.voucher_id,
                "voucher_number": self.voucher_number, "account": self.account,
                "account_name": self.account_name, "memo": self.memo,
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
        header = report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        return render_book_pdf(self.book(), header)

    def xlsx(self, user: User | None) -> bytes:
        rows = [{"date": r.date, "institution": r.institution, "voucher": r.voucher_number,
                 "account": f"{r.account} {r.account_name}" if r.account else None,
                 "memo": r.memo, "debit": r.debit, "credit": r.credit, "direction": direction(r.balance),
                 "balance": abs(r.balance)} for r in self.rows]
        header = report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
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
                              account=chart.code_of.get(account_id), month=month,
                              account_name=chart.full_name(chart.code_of[account_id])))
    if current is not None:
        close_month(current)
    has_children = len(account_ids) > 1 or chart.descendants(account) != [account]
    return DetailLedger(target, rng, account, chart.full_name(node.code), opening, rows, filters, has_children)
