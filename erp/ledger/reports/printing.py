"""The lean book PDF (general and detail ledger as fixed-pitch lines) and the 记账凭证 print."""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urljoin

from flask import has_request_context, request

from erp.core.money import amount_in_words
from erp.core.rendering import StatementHeader, render_pdf
from erp.ledger.models import Basis, Voucher, VoucherLine
from erp.ledger.reports.common import ZERO


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
        """大写 of the debit total; a 红字 reversal's (negative) total is written in words marked 红字."""
        debit, _credit = self.totals(lines)
        return f"（红字）{amount_in_words(-debit)}" if debit < 0 else amount_in_words(debit)

    @property
    def source_href(self) -> str | None:
        """The link back to the source document, absolute (a PDF has no page to be relative to)."""
        url = self.voucher.source_url
        return urljoin(request.host_url, url) if url and has_request_context() else url

    def filename(self) -> str:
        number = self.voucher.number or f"草稿{self.voucher.id}"
        return f"记账凭证-{self.voucher.institution.name}-{number}.pdf"

    def pdf(self) -> bytes:
        return render_pdf("ledger/reports/voucher_pdf.html", voucher=self.voucher, doc=self)


def voucher_print(voucher: Voucher) -> VoucherPrint:
    lines = sorted(voucher.lines, key=lambda l: l.line_no)
    return VoucherPrint(voucher, [l for l in lines if l.basis is Basis.FINANCIAL],
                        [l for l in lines if l.basis is Basis.BUDGET])
