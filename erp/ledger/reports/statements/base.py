"""What every statement is made of: lines (read from the data files by
:mod:`erp.ledger.services.statement_maps`), rows, the :class:`Statement` with its JSON, PDF and Excel, and the helpers that sum a snapshot's accounts into lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.rendering import Column, XlsxSheet, build_xlsx_sheets, render_statement_pdf
from erp.ledger.models import BudgetMapping
from erp.ledger.reports.common import ZERO, PeriodRange, money, report_header
from erp.ledger.reports.snapshot import OnSnapshot, Snapshot, elimination_sheets, elimination_table
from erp.ledger.services.statement_maps import Line, line_map


# =========================================================================================== statements


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
class Statement(OnSnapshot):
    title: str
    form: str | None
    snapshot: Snapshot
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[StatementRow]
    checks: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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


def section_rows(snap: Snapshot, lines: list[Line], columns: dict[str, Any], sign: int,
                 leftovers: dict[Line, tuple[str, ...]] | None = None
                 ) -> tuple[list[StatementRow], dict[str, Decimal]]:
    """Rows for lines; item values also summed per column. ``leftovers`` adds unmapped codes to a line."""
    rows, totals = [], {key: ZERO for key in columns}
    for line in lines:
        codes = line.codes + (leftovers or {}).get(line, ())
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


def revenue_less_costs(snap: Snapshot, map_name: str, revenue: str, costs: str):
    """The two sections of a revenue-and-costs statement (收入费用表, 预算收入支出表) by period and year: the
    revenue (credit-positive) and cost rows, their totals and the difference (revenue − costs)."""
    lines = line_map(map_name)
    leftovers = lines.leftovers(snap.top_codes)
    revenue_rows, revenue_total = section_rows(snap, lines[revenue], MOVEMENTS, -1, leftovers)
    cost_rows, cost_total = section_rows(snap, lines[costs], MOVEMENTS, 1, leftovers)
    difference = {k: revenue_total[k] - cost_total[k] for k in MOVEMENTS}
    return revenue_rows, revenue_total, cost_rows, cost_total, difference


def movement_columns(rng: PeriodRange) -> list[tuple[str, str]]:
    return [("period", "本月数" if rng.start == rng.end else "本期数"), ("ytd", "本年累计数")]


MOVEMENTS = {"period": lambda a: a.movement, "ytd": lambda a: a.ytd_movement}


def cash_codes(session: Session, snap: Snapshot) -> tuple[str, ...]:
    """Top-level financial accounts that are cash (货币资金) for 平行记账 (the mapping's ``cash`` rules)."""
    prefixes = tuple(session.scalars(select(BudgetMapping.account_prefix).where(
        BudgetMapping.community_id == snap.target.community_id, BudgetMapping.role == "cash")))
    return tuple(c for c in snap.top_codes("asset") if c.startswith(prefixes)) if prefixes else ()
