"""The statements' line maps, read from data files (``erp/ledger/data/statements/<name>.csv``) like the
chart: which accounts each line of a statement sums. One reader for every statement.

Columns: ``section`` (a part of the statement), ``key`` (stable, the JSON row key), ``label`` (as printed),
``codes`` (top-level or detail account codes, space-separated), ``kind`` (item: summed into its section;
memo: shown only; heading), ``indent`` and ``flags`` (space-separated): ``only_if_nonzero``, ``negate`` (a
"减：" memo line shows a contra account as a positive amount), ``leftover:<category> …`` (the top-level
accounts of those categories that no item line of the map names land on this line), and words a statement
reads for itself (e.g. the cash-flow item's direction ``in``/``out``).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from erp.core.errors import BusinessError

DATA = Path(__file__).parents[1] / "data" / "statements"  # erp/ledger/data/statements


@dataclass(frozen=True)
class Line:
    """One line of a statement: ``codes`` are account codes summed (debit-positive nets)."""

    key: str
    label: str
    codes: tuple[str, ...] = ()
    kind: str = "item"  # item (summed into its section), memo (shown only), heading
    indent: int = 1
    flags: frozenset[str] = frozenset()
    section: str = ""

    @property
    def only_if_nonzero(self) -> bool:
        return "only_if_nonzero" in self.flags

    @property
    def negate(self) -> bool:
        return "negate" in self.flags

    @property
    def leftover_categories(self) -> tuple[str, ...]:
        return tuple(sorted(flag.split(":", 1)[1] for flag in self.flags if flag.startswith("leftover:")))


class LineMap:
    """A statement's lines by section, in file order."""

    def __init__(self, name: str, lines: list[Line]):
        self.name = name
        self.lines = lines
        self.sections: dict[str, list[Line]] = {}
        for line in lines:
            self.sections.setdefault(line.section, []).append(line)

    def __getitem__(self, section: str) -> list[Line]:
        return self.sections[section]

    def line(self, section: str, key: str) -> Line:
        return next(line for line in self.sections[section] if line.key == key)

    def mapped(self) -> set[str]:
        return {code for line in self.lines if line.kind == "item" for code in line.codes}

    def leftovers(self, top_codes, exclude: set[str] = frozenset()) -> dict[Line, tuple[str, ...]]:
        """For each ``leftover:`` line, the top-level codes of its categories that no item line names.
        ``top_codes(*categories)`` lists a snapshot's top-level codes (``Snapshot.top_codes``)."""
        taken = self.mapped() | set(exclude)
        return {line: tuple(c for c in top_codes(*cats) if c not in taken)
                for line in self.lines if (cats := line.leftover_categories)}


def _line(row: dict) -> Line:
    return Line(row["key"], row["label"], tuple(row["codes"].split()), row["kind"] or "item",
                int(row["indent"] or 0), frozenset(row["flags"].split()), row["section"])


@cache
def line_map(name: str) -> LineMap:
    """The line map of a statement (``name`` is the data file's stem), read once."""
    with open(DATA / f"{name}.csv", encoding="utf-8") as source:
        return LineMap(name, [_line(row) for row in csv.DictReader(source)])


def longest_prefix(code: str, candidates) -> str | None:
    """The value of the longest prefix of ``code`` among ``(prefix, value)`` pairs (a counter-account's class in
    the maps that classify by account code), or None."""
    match = max(((prefix, value) for prefix, value in candidates if code.startswith(prefix)),
                key=lambda found: len(found[0]), default=None)
    return match[1] if match else None


@cache
def data_rows(name: str) -> tuple[dict, ...]:
    """A plain data file of the statements' folder (e.g. the cash-flow defaults), as rows."""
    with open(DATA / f"{name}.csv", encoding="utf-8") as source:
        return tuple(csv.DictReader(source))


# ------------------------------------------------------------------------------------------- 现金流量项目

CASH_FLOW_MAP = "cash_flow"


def cash_flow_items() -> dict[str, Line]:
    """The 现金流量表's items by code (the line keys of ``cash_flow.csv``); flags ``in``/``out`` say the direction
    and ``default`` marks the item a direction falls back to."""
    return {line.key: line for line in line_map(CASH_FLOW_MAP).lines if line.kind == "item"}


def check_cash_flow_item(code: str, field: str, direction: str) -> str:
    """A cash-flow item code given on a voucher line, or a 4xx naming the field. ``direction`` is the line's:
    ``in`` for a debit (cash received), ``out`` for a credit — an outflow item on cash received would print as a
    negative payment in the 现金流量表 (a 红字 line keeps its side, so its reversal keeps the direction)."""
    item = cash_flow_items().get(code)
    if item is None:
        raise BusinessError.for_field(field, f"现金流量项目 {code} 不存在 (unknown cash-flow item)",
                                      "cash_flow_item")
    if direction not in item.flags:
        side = "借方（收到现金）" if direction == "in" else "贷方（支付现金）"
        raise BusinessError.for_field(field, f"现金流量项目 {code} {item.label} 与分录方向不符：{side}应填"
                                             f"{'流入' if direction == 'in' else '流出'}项目 (the item's direction "
                                             f"differs from the line's side)", "cash_flow_item")
    return code


@cache
def default_cash_flow_item(account_code: str, direction: str) -> str:
    """The item a cash movement gets from its counter-account when its line names none: the longest prefix of
    ``cash_flow_defaults.csv`` for the direction (``in`` for cash received), else the direction's default."""
    item = longest_prefix(account_code, ((row["account_prefix"], row["item"]) for row in data_rows("cash_flow_defaults")
                                         if row["direction"] == direction))
    return item or next(key for key, line in cash_flow_items().items() if {direction, "default"} <= line.flags)
