"""Formatting shared by the PDF and the Excel service (erp.core.rendering, erp.core.xlsx): amounts, integers,
dates as shown, and the statement model (columns, header, prepared table). Money stays Decimal: a float given
for an amount is refused (TypeError)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Sequence

from erp.core.timeutil import LOCAL_TZ, to_local

COLUMN_KINDS = ("text", "amount", "int", "date", "datetime")
TOTAL_LABEL = "合计"

_CENT = Decimal("0.01")


# --------------------------------------------------------------------------- formatting


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"amount must be Decimal or int, got bool {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"amount is not a finite number: {value!r}")
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(
        f"amount must be decimal.Decimal or int, got {type(value).__name__} {value!r}"
        " (money is never a float)"
    )


def format_amount(value: Any, *, blank_zero: bool = False) -> str:
    """Decimal -> '1,234,567.89' (ROUND_HALF_UP to cents, exact, no float). None -> ''."""
    if value is None:
        return ""
    amount = as_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    if amount == 0:
        return "" if blank_zero else "0.00"  # also avoids '-0.00'
    return f"{amount:,.2f}"


def format_int(value: Any, *, blank_zero: bool = False) -> str:
    if value is None:
        return ""
    number = as_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    if number == 0 and blank_zero:
        return ""
    return str(int(number))


def format_date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not a date: {value!r}")


def format_datetime(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not a datetime: {value!r}")


def format_cell(value: Any, kind: str = "text", *, blank_zero: bool = False) -> str:
    if kind == "amount":
        return format_amount(value, blank_zero=blank_zero)
    if kind == "int":
        return format_int(value, blank_zero=blank_zero)
    if kind == "date":
        return format_date(value)
    if kind == "datetime":
        return format_datetime(value)
    return "" if value is None else str(value)


# --------------------------------------------------------------------------- statement model


@dataclass(frozen=True)
class Column:
    """A table column. kind: 'text' | 'amount' | 'int' | 'date' | 'datetime'.

    width: relative weight for the PDF (fixed table layout) or None for a default by kind;
    blank_zero: show zero amounts/ints as blank.
    """

    key: str
    label: str
    kind: str = "text"
    width: float | None = None
    blank_zero: bool = False

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}, use {COLUMN_KINDS}")

    @property
    def numeric(self) -> bool:
        return self.kind in ("amount", "int")


_DEFAULT_WEIGHT = {"text": 2.0, "amount": 1.4, "int": 0.8, "date": 1.1, "datetime": 1.5}


def make_columns(columns: Iterable[Column | Mapping[str, Any] | Sequence[Any]]) -> list[Column]:
    """Accept Column objects, dicts (Column fields) or tuples (key, label[, kind, ...])."""
    result = []
    for col in columns:
        if isinstance(col, Column):
            result.append(col)
        elif isinstance(col, Mapping):
            result.append(Column(**col))
        else:
            result.append(Column(*col))
    if not result:
        raise ValueError("a table needs at least one column")
    return result


@dataclass
class StatementHeader:
    """What the top of every statement shows (and the footer's generation time)."""

    institution: str
    title: str
    period: str
    unit: str = "元"
    prepared_by: str | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(LOCAL_TZ))
    subtitle: str | None = None
    code: str | None = None  # form code, e.g. 会政财01表
    anchor: str | None = None  # the digest of the anchor written when the period was closed (erp.core.chain)

    def __post_init__(self) -> None:
        to_local(self.generated_at)  # refuse naive datetimes early

    @property
    def generated_at_text(self) -> str:
        """'2026-03-31 14:05' in Asia/Shanghai."""
        return to_local(self.generated_at).strftime("%Y-%m-%d %H:%M")

    @property
    def document_title(self) -> str:
        return " ".join(p for p in (self.institution, self.title, self.period) if p)


def make_header(header: StatementHeader | Mapping[str, Any]) -> StatementHeader:
    if isinstance(header, StatementHeader):
        return header
    return StatementHeader(**header)


@dataclass
class PreparedTable:
    """Cells already formatted, so the template loop is trivial (fast for thousands of rows)."""

    columns: list[Column]
    widths: list[str]  # CSS percentages
    cell_classes: list[str]  # 'n' for numeric (right aligned) else ''
    rows: list[tuple[str, int, list[str]]]  # (tr css class, first-cell indent level, texts)
    totals: list[str] | None


def prepare_table(
    columns: Iterable[Any],
    rows: Iterable[Mapping[str, Any]] | None,
    totals: Mapping[str, Any] | None = None,
    *,
    total_label: str = TOTAL_LABEL,
) -> PreparedTable:
    cols = make_columns(columns)
    weights = [c.width if c.width is not None else _DEFAULT_WEIGHT[c.kind] for c in cols]
    total_weight = sum(weights)
    widths = [f"{100 * w / total_weight:.3f}%" for w in weights]
    classes = ["n" if c.numeric else "" for c in cols]
    spec = [(c.key, c.kind, c.blank_zero) for c in cols]

    prepared_rows = []
    for row in rows or ():
        cells = [format_cell(row.get(key), kind, blank_zero=bz) for key, kind, bz in spec]
        prepared_rows.append((str(row.get("_class") or ""), int(row.get("_indent") or 0), cells))

    prepared_totals = None
    if totals is not None:
        prepared_totals = [
            format_cell(totals.get(key), kind, blank_zero=bz) for key, kind, bz in spec
        ]
        if cols[0].kind == "text" and not prepared_totals[0]:
            prepared_totals[0] = total_label
    return PreparedTable(cols, widths, classes, prepared_rows, prepared_totals)
