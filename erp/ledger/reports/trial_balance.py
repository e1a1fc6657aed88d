"""科目余额表."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import User
from erp.core.rendering import Column, XlsxSheet, build_xlsx_sheets, render_statement_pdf
from erp.ledger.reports.balances import Amounts
from erp.ledger.reports.snapshot import OnSnapshot, Snapshot, elimination_sheets, elimination_table, snapshot
from erp.ledger.reports.common import BASES, ZERO, PeriodRange, Target, money, report_header, split_net


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


@dataclass
class TrialBalance(OnSnapshot):
    snapshot: Snapshot
    basis: str
    level: int | None
    rows: list[TrialBalanceRow]
    totals: dict[str, Decimal]

    title = "科目余额表"

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
        header = report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        return render_statement_pdf(header, "ledger/reports/statement_pdf.html", columns=self.COLUMNS,
                                    rows=self.table_rows(), totals=self.totals, landscape=True,
                                    eliminations=elimination_table(self.snapshot))

    def xlsx(self, user: User | None) -> bytes:
        header = report_header(self.title, self.target, self.rng, user, subtitle=self.subtitle)
        sheets = [XlsxSheet(self.title, self.COLUMNS, self.table_rows(), header=header, totals=self.totals)]
        sheets.extend(elimination_sheets(self.snapshot))
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
