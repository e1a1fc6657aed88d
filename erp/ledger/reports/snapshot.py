"""The :class:`Snapshot` every report is built on: the target's figures for a range, consolidated
(:mod:`.consolidation`) when the target is, rolled up to every level; plus the consolidation output shared
by the PDF and Excel of the trial balance and the statements. Above :mod:`.balances` and
:mod:`.consolidation`, which know nothing of it."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from erp.core.rendering import XlsxSheet
from erp.ledger.reports.balances import Amounts, ChartView, chart_view, closing_voucher_amounts, leaf_amounts
from erp.ledger.reports.common import PeriodRange, Target
from erp.ledger.reports.consolidation import LINE_COLUMNS, PAIR_COLUMNS, Consolidation, consolidate


@dataclass
class Snapshot:
    """The target's figures for the range, consolidated when asked, rolled up to every level."""

    target: Target
    rng: PeriodRange
    chart: ChartView
    by_code: dict[str, Amounts]
    consolidation: Consolidation | None = None
    before_closing: bool = False

    def get(self, code: str) -> Amounts:
        return self.by_code.get(code) or Amounts()

    def top_codes(self, *categories: str) -> list[str]:
        return sorted(c for c, n in self.chart.nodes.items() if n.parent is None and n.category in categories)


class OnSnapshot:
    """A report built on a :class:`Snapshot` (its ``snapshot`` field): the target and range it covers."""

    snapshot: Snapshot

    @property
    def target(self) -> Target:
        return self.snapshot.target

    @property
    def rng(self) -> PeriodRange:
        return self.snapshot.rng


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


# =========================================================================================== consolidation output


def elimination_table(snap: Snapshot) -> dict | None:
    consolidation = snap.consolidation
    if consolidation is None:
        return None
    return {"lines": consolidation.table_rows(), "pairs": consolidation.pair_rows(), "method": consolidation.method}


def elimination_sheets(snap: Snapshot) -> list[XlsxSheet]:
    consolidation = snap.consolidation
    if consolidation is None:
        return []
    return [XlsxSheet("合并抵销分录", LINE_COLUMNS, consolidation.table_rows(), header_lines=[consolidation.method]),
            XlsxSheet("内部往来核对", PAIR_COLUMNS, consolidation.pair_rows())]
