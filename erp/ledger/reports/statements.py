"""资产负债表 (会政财01表), 收入费用表 (会政财02表) and 预算收入支出表 (会政预01表)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.rendering import Column, XlsxSheet, build_xlsx_sheets, render_statement_pdf
from erp.ledger.reports.snapshot import Snapshot, elimination_sheets, elimination_table, snapshot
from erp.ledger.reports.common import ZERO, PeriodRange, Target, money, report_header


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
        header = report_header(self.title, self.target, self.rng, user, code=self.form)
        return render_statement_pdf(header, "ledger/reports/statement_pdf.html", columns=columns, rows=rows,
                                    eliminations=elimination_table(self.snapshot), notes=self.notes)

    def xlsx(self, user: User | None) -> bytes:
        columns, rows = self.table(indent=False)
        header = report_header(self.title, self.target, self.rng, user, code=self.form)
        sheets = [XlsxSheet(self.title, columns, rows, header=header, header_lines=self.notes)]
        sheets.extend(elimination_sheets(self.snapshot))
        return build_xlsx_sheets(sheets)


def sum_codes(snap: Snapshot, codes: Iterable[str], measure) -> Decimal:
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
        values = {key: line_sign * sum_codes(snap, codes, measure) for key, measure in columns.items()}
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


def movement_columns(rng: PeriodRange) -> list[tuple[str, str]]:
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
    return Statement("收入费用表", "会政财02表", snap, movement_columns(snap.rng), rows, checks)


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
    return Statement("预算收入支出表", "会政预01表", snap, movement_columns(snap.rng), rows, checks, notes)
