"""A fast reader of an .xlsx workbook's first sheet, row by row (values only).

openpyxl's read-only mode builds an object per cell and even an event parser visits every element: the
national catalogue's 50,000 × 20 cells would take most of the import's minute on a busy machine. The sheet
XML of SpreadsheetML is regular (rows of ``<c r=… t=…><v>…</v></c>`` cells), so this reads it with compiled
regular expressions over the decompressed part: shared strings (rich text runs joined, phonetic guides left
out), inline strings, numbers, booleans, formula results (cached values), namespace prefixes, and rows or
cells left out by the writer (cells are placed by their reference). Dates are not interpreted (the
catalogue has none).
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from html import unescape
from typing import Any, Iterator

P = r"(?:[\w.-]+:)?"  # an optional namespace prefix
SHEET = re.compile(rf"<{P}sheet\b[^>]*?\b(?:[\w.-]+:)?id=\"([^\"]+)\"", re.S)
RELATION = re.compile(r"<(?:[\w.-]+:)?Relationship\b([^>]*)>", re.S)
ATTRIBUTE = re.compile(r"([\w:.-]+)=\"([^\"]*)\"")
SHARED = re.compile(rf"<{P}si\b[^>]*>(.*?)</{P}si>|<{P}si\b[^>]*/>", re.S)
PHONETIC = re.compile(rf"<{P}rPh\b.*?</{P}rPh>", re.S)
TEXT = re.compile(rf"<{P}t\b[^>]*>(.*?)</{P}t>|<{P}t\b[^>]*/>", re.S)
ROW = re.compile(rf"<{P}row\b([^>]*?)(?:/>|>(.*?)</{P}row>)", re.S)
CELL = re.compile(rf"<{P}c\b([^>]*?)(?:/>|>(.*?)</{P}c>)", re.S)
VALUE = re.compile(rf"<{P}v\b[^>]*>(.*?)</{P}v>", re.S)
REFERENCE = re.compile(r"\br=\"([A-Z]+)(\d*)\"")
KIND = re.compile(r"\bt=\"(\w+)\"")
ROW_NUMBER = re.compile(r"\br=\"(\d+)\"")


class NotAWorkbook(ValueError):
    pass


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _part(archive: zipfile.ZipFile, name: str) -> str:
    return archive.read(name).decode("utf-8")


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    sheet = SHEET.search(_part(archive, "xl/workbook.xml"))
    if sheet is None:
        raise NotAWorkbook("the workbook has no sheet")
    for relation in RELATION.finditer(_part(archive, "xl/_rels/workbook.xml.rels")):
        attributes = dict(ATTRIBUTE.findall(relation.group(1)))
        if attributes.get("Id") == sheet.group(1):
            target = attributes.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise NotAWorkbook("the first sheet is not in the workbook's relationships")


SIMPLE_TEXT = re.compile(rf"<{P}t(?:\s[^>]*)?>([^<]*)</{P}t>")


def _texts(xml: str) -> str:
    simple = SIMPLE_TEXT.fullmatch(xml)  # the common case: one plain text
    if simple is not None:
        text = simple.group(1)
        return unescape(text) if "&" in text else text
    return unescape("".join(match.group(1) or "" for match in TEXT.finditer(PHONETIC.sub("", xml))))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    return [_texts(match.group(1) or "") for match in SHARED.finditer(_part(archive, "xl/sharedStrings.xml"))]


def _value(kind: str | None, body: str, strings: list[str]) -> Any:
    if kind == "inlineStr":
        return _texts(body)
    found = VALUE.search(body)
    if found is None:
        return None
    raw = found.group(1)
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e"):
        return unescape(raw)
    if kind == "b":
        return raw.strip() == "1"
    raw = raw.strip()
    if raw.lstrip("-").isdigit():
        return int(raw)
    return float(raw)


def read_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows as tuples (None for empty cells), from row 1, empty rows included."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strings = _shared_strings(archive)
            xml = _part(archive, _first_sheet_path(archive))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, ValueError) as exc:
        raise NotAWorkbook(str(exc) or type(exc).__name__) from None
    return _rows(xml, strings)


def _rows(xml: str, strings: list[str]) -> Iterator[tuple[Any, ...]]:
    expected = 1
    for row in ROW.finditer(xml):
        number_found = ROW_NUMBER.search(row.group(1))
        number = int(number_found.group(1)) if number_found else expected
        while expected < number:  # rows the writer left out are empty
            yield ()
            expected += 1
        values: list[Any] = []
        for cell in CELL.finditer(row.group(2) or ""):
            attributes = cell.group(1)
            reference = REFERENCE.search(attributes)
            index = _column_index(reference.group(1)) if reference else len(values)
            values.extend([None] * (index - len(values)))
            kind = KIND.search(attributes)
            values.append(_value(kind.group(1) if kind else None, cell.group(2) or "", strings))
        yield tuple(values)
        expected = number + 1
