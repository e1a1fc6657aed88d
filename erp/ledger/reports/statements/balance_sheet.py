"""资产负债表 (会政财01表) in the official two-sided layout: assets on the left, liabilities and net assets on
the right, 期末余额 before 年初余额 on each side."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.rendering import Column, XlsxSheet, build_xlsx_sheets, render_statement_pdf
from erp.ledger.reports.common import ZERO, PeriodRange, Target, report_header
from erp.ledger.reports.snapshot import Snapshot, elimination_sheets, elimination_table, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, section_rows
from erp.ledger.services.statement_maps import line_map

BALANCE_SHEET_COLUMNS = [("period_end", "期末余额"), ("year_start", "年初余额")]
MEASURES = {"period_end": lambda a: a.closing, "year_start": lambda a: a.bf}
SIDE_KEYS = ("label", "period_end", "year_start")


@dataclass
class BalanceSheet(Statement):
    """The rows in reading order (``rows``: assets, then liabilities and net assets) and the two sides."""

    left: list[StatementRow] | None = None
    right: list[StatementRow] | None = None

    def json(self) -> dict:
        body = super().json()
        body["layout"] = "two-sided"
        body["left"] = [r.json(self.columns) for r in self.left]
        body["right"] = [r.json(self.columns) for r in self.right]
        return body

    def pairs(self, indent: str = "　") -> list[dict]:
        """One printed line per row of the longer side: the left side's cells beside the right side's."""
        rows = []
        for left, right in zip_longest(self.left, self.right):
            row, sub = {}, False
            for prefix, side in (("l_", left), ("r_", right)):
                if side is None:
                    continue
                row[prefix + "label"] = indent * side.indent + side.label
                for key, _label in self.columns:
                    row[prefix + key] = side.values.get(key)
                sub = sub or side.kind in ("subtotal", "total", "heading")
            if sub:
                row["_class"] = "sub"
            rows.append(row)
        return rows

    def two_sided_columns(self) -> list[Column]:
        columns = []
        for prefix, title in (("l_", "资产"), ("r_", "负债和净资产")):
            columns.append(Column(prefix + "label", title, "text", 2.6))
            columns.extend(Column(prefix + key, label, "amount") for key, label in self.columns)
        return columns

    def pdf(self, user: User | None) -> bytes:
        header = report_header(self.title, self.target, self.rng, user, code=self.form)
        return render_statement_pdf(header, "ledger/reports/statement_pdf.html", columns=self.two_sided_columns(),
                                    rows=self.pairs(), landscape=True, eliminations=elimination_table(self.snapshot),
                                    notes=self.notes)

    def xlsx(self, user: User | None) -> bytes:
        header = report_header(self.title, self.target, self.rng, user, code=self.form)
        sheets = [XlsxSheet(self.title, self.two_sided_columns(), self.pairs(), header=header,
                            header_lines=self.notes)]
        sheets.extend(elimination_sheets(self.snapshot))
        return build_xlsx_sheets(sheets)


def balance_sheet(session: Session, target: Target, rng: PeriodRange) -> BalanceSheet:
    """资产负债表 (会政财01表): period end and year start (brought forward), monthly format: revenue and expense
    not yet carried to 3301 show in 本期盈余*, so assets = liabilities + net assets holds before year-end close."""
    return balance_sheet_of(snapshot(session, target, rng))


def balance_sheet_of(snap: Snapshot) -> BalanceSheet:
    lines = line_map("balance_sheet")
    leftovers = lines.leftovers(snap.top_codes)
    left: list[StatementRow] = []
    right: list[StatementRow] = []

    def section(rows, heading, name, sign, subtotal):
        if heading:
            rows.append(StatementRow(heading[0], heading[1], "heading", 0, {k: None for k in MEASURES}))
        section_lines, totals = section_rows(snap, lines[name], MEASURES, sign, leftovers)
        rows.extend(section_lines)
        if subtotal:
            rows.append(StatementRow(subtotal[0], subtotal[1], "subtotal", 0, dict(totals)))
        return totals

    def total(rows, key, label, *parts):
        values = {k: sum((p[k] for p in parts), ZERO) for k in MEASURES}
        rows.append(StatementRow(key, label, "total", 0, values))
        return values

    current = section(left, ("current_assets_heading", "流动资产："), "current_assets", 1,
                      ("current_assets", "流动资产合计"))
    non_current = section(left, ("non_current_assets_heading", "非流动资产："), "non_current_assets", 1,
                          ("non_current_assets", "非流动资产合计"))
    trust = section(left, None, "trust_assets", 1, None)
    assets = total(left, "assets", "资产总计", current, non_current, trust)
    current_l = section(right, ("current_liabilities_heading", "流动负债："), "current_liabilities", -1,
                        ("current_liabilities", "流动负债合计"))
    non_current_l = section(right, ("non_current_liabilities_heading", "非流动负债："), "non_current_liabilities",
                            -1, ("non_current_liabilities", "非流动负债合计"))
    trust_l = section(right, None, "trust_liabilities", -1, None)
    liabilities = total(right, "liabilities", "负债合计", current_l, non_current_l, trust_l)
    net_assets = section(right, ("net_assets_heading", "净资产："), "net_assets", -1, ("net_assets", "净资产合计"))
    both = total(right, "liabilities_and_net_assets", "负债和净资产总计", liabilities, net_assets)
    surplus = next(r for r in right if r.key == "current_surplus").values
    checks = {"balanced": all(assets[k] == both[k] for k in MEASURES),
              "assets": assets["period_end"], "liabilities": liabilities["period_end"],
              "net_assets": net_assets["period_end"], "current_surplus": surplus["period_end"]}
    notes = ["标*项目为月报项目：本期盈余* 含尚未结转的收入、费用。"]
    return BalanceSheet("资产负债表", "会政财01表", snap, BALANCE_SHEET_COLUMNS, left + right, checks, notes,
                        left=left, right=right)
