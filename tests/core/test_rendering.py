"""The shared PDF and Excel services (erp.core.rendering).

The PDF checks read the real output with poppler (pdftotext, pdfinfo, pdffonts); the Excel
checks read the real xlsx, including the raw sheet XML.
"""
from __future__ import annotations

import gc
import io
import re
import subprocess
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader

from erp.core import rendering
from erp.core.rendering import (
    CJK_FONT,
    Column,
    FontMissing,
    StatementHeader,
    build_xlsx,
    build_xlsx_sheets,
    display_width,
    ensure_cjk_font,
    format_amount,
    render_pdf,
    render_statement_pdf,
    sanitize_sheet_name,
    XlsxSheet,
)

REPO = Path(__file__).resolve().parents[2]
GENERATED_UTC = datetime(2026, 3, 31, 6, 5, tzinfo=timezone.utc)  # 14:05 in Shanghai

COLUMNS = [
    Column("code", "科目编码", "text", 1.2),
    Column("name", "科目名称", "text", 2.4),
    Column("opening", "期初余额", "amount"),
    Column("debit", "本期借方", "amount"),
    Column("credit", "本期贷方", "amount", blank_zero=True),
    Column("closing", "期末余额", "amount"),
    Column("vouchers", "凭证数", "int", 0.8),
    Column("memo", "备注", "text"),
]


def _rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        rows.append(
            {
                "code": f"1001{i:03d}",
                "name": f"库存现金明细{i}",
                "opening": Decimal("1234567.89") if i == 0 else Decimal(i) * Decimal("10.01"),
                "debit": Decimal("0.50") * i,
                "credit": Decimal("0"),
                "closing": Decimal("-12.30"),
                "vouchers": i,
                "memo": "测试" if i % 2 else None,
            }
        )
    return rows


def _header(**overrides) -> StatementHeader:
    values = dict(
        institution="县人民医院",
        title="科目余额表",
        period="2026年3月",
        prepared_by="张三",
        generated_at=GENERATED_UTC,
        code="会政财01表",
    )
    values.update(overrides)
    return StatementHeader(**values)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _pdfinfo(path: Path) -> dict[str, str]:
    info = {}
    for line in _run("pdfinfo", str(path)).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


@pytest.fixture(scope="module")
def pdf_app():
    """A bare Flask app on the repo's templates (no database: the conftest's ``app`` has one)."""
    return Flask(__name__, template_folder=str(REPO / "templates"))


@pytest.fixture(scope="module")
def statement_pdf(pdf_app, tmp_path_factory) -> Path:
    with pdf_app.app_context():
        pdf = render_statement_pdf(
            _header(),
            columns=COLUMNS,
            rows=_rows(60),
            totals={"opening": Decimal("99999999.99"), "debit": Decimal("885.00")},
        )
    assert pdf.startswith(b"%PDF-")
    path = tmp_path_factory.mktemp("pdf") / "statement.pdf"
    path.write_bytes(pdf)
    return path


# --------------------------------------------------------------------------- PDF


def test_statement_pdf_text_and_page_numbers(statement_pdf):
    pages = int(_pdfinfo(statement_pdf)["Pages"])
    assert pages >= 2, "60 rows must need at least two A4 pages"
    text = _run("pdftotext", "-layout", str(statement_pdf), "-")
    for expected in ("科目余额表", "县人民医院", "2026年3月", "会政财01表", "1,234,567.89",
                     "99,999,999.99", "合计", "单位负责人", "财务负责人", "制表人：张三"):
        assert expected in text, expected
    assert "单位：元" in text
    assert "生成时间 2026-03-31 14:05" in text  # UTC 06:05 shown in Asia/Shanghai

    page_texts = text.split("\f")
    if not page_texts[-1].strip():
        page_texts.pop()
    assert len(page_texts) == pages
    for number, page_text in enumerate(page_texts, start=1):
        compact = re.sub(r"\s+", "", page_text)  # -layout may drop the spaces between CJK
        assert f"第{number}页共{pages}页" in compact
        assert "科目名称" in page_text, f"table header not repeated on page {number}"
    # every "共 N 页" agrees with pdfinfo
    assert set(re.findall(r"共(\d+)页", re.sub(r"\s+", "", text))) == {str(pages)}
    # the signatures come once, at the end
    assert "单位负责人" in page_texts[-1] and "单位负责人" not in page_texts[0]


def test_statement_pdf_embeds_only_the_cjk_font(statement_pdf):
    lines = _run("pdffonts", str(statement_pdf)).splitlines()[2:]
    assert lines, "no fonts in the PDF"
    for line in lines:
        name, emb = line.split()[0], line.split()[-5]
        assert re.search(r"Noto-?Sans-?CJK", name), f"non-CJK font used: {line}"
        assert emb == "yes", f"font not embedded: {line}"


def test_amounts_are_exact_and_zero_can_be_blank():
    assert format_amount(Decimal("1234567.885")) == "1,234,567.89"  # 四舍五入, not banker's
    assert format_amount(Decimal("0.125")) == "0.13"
    assert format_amount(Decimal("-1234.5")) == "-1,234.50"
    assert format_amount(Decimal("-0.001")) == "0.00"
    assert format_amount(Decimal("0"), blank_zero=True) == ""
    assert format_amount(None) == ""
    assert format_amount(12) == "12.00"
    with pytest.raises(TypeError):
        format_amount(0.1)

    table = rendering.prepare_table(COLUMNS, _rows(2), totals={"opening": Decimal("1")})
    first = table.rows[0][2]
    assert first[2] == "1,234,567.89"
    assert first[4] == ""  # credit column: blank_zero
    assert first[7] == ""  # memo None
    assert table.totals[0] == "合计"
    assert table.cell_classes[2] == "n" and table.cell_classes[1] == ""


def test_landscape_and_custom_body_template(tmp_path):
    child = (
        '{% extends "reports/base_statement.html" %}'
        "{% block body %}<p>自定义正文 {{ fmt_amount(amount) }}</p>{% endblock %}"
    )
    app = Flask(__name__, template_folder=str(REPO / "templates"))
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"test/child.html": child}), app.jinja_env.loader]
    )
    with app.app_context():
        pdf = render_statement_pdf(
            _header(prepared_by=None), "test/child.html", landscape=True,
            amount=Decimal("1234567.89"),
        )
    path = tmp_path / "child.pdf"
    path.write_bytes(pdf)
    width, height = map(float, re.findall(r"[\d.]+", _pdfinfo(path)["Page size"])[:2])
    assert width > height, "landscape=True must give a landscape A4 page"
    assert round(width) == 842 and round(height) == 595
    text = _run("pdftotext", "-layout", str(path), "-")
    assert "自定义正文 1,234,567.89" in text
    assert "科目余额表" in text and "单位负责人" in text
    assert "张三" not in text
    assert gc.isenabled(), "the GC pause must be undone after rendering"


def test_a_pdf_in_parts_is_one_document_laid_out_a_part_at_a_time(tmp_path):
    page = ("<html><head><style>@page { size: A6 } body { font-family: \"Noto Sans CJK SC\" } "
            "p { page-break-after: always } p:last-child { page-break-after: auto }</style></head><body>"
            "{% for name in names %}<p>{{ title }}：{{ name }}</p>{% endfor %}</body></html>")
    app = Flask(__name__, template_folder=str(REPO / "templates"))
    app.jinja_env.loader = ChoiceLoader([DictLoader({"test/names.html": page}), app.jinja_env.loader])
    laid_out = []

    def parts():  # read lazily: each part is laid out before the next is asked for
        for names in (["张三", "李四"], ["王五"], ["赵六", "钱七", "孙八"]):
            laid_out.append(len(laid_out))
            yield {"names": names}

    with app.app_context():
        pdf = rendering.render_pdf_parts("test/names.html", parts(), title="工资条")
        with pytest.raises(ValueError):
            rendering.render_pdf_parts("test/names.html", iter(()))
    path = tmp_path / "parts.pdf"
    path.write_bytes(pdf)
    assert int(_pdfinfo(path)["Pages"]) == 6 and laid_out == [0, 1, 2]
    text = _run("pdftotext", str(path), "-")
    assert [line for line in text.splitlines() if line.strip()] == [
        f"工资条：{name}" for name in ("张三", "李四", "王五", "赵六", "钱七", "孙八")]
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every part's glyphs embedded
    assert gc.isenabled()


def test_statement_needs_columns_or_template(pdf_app):
    with pdf_app.app_context(), pytest.raises(ValueError):
        render_statement_pdf(_header())


def test_header_refuses_naive_datetime():
    with pytest.raises(ValueError):
        _header(generated_at=datetime(2026, 3, 31, 14, 5))


# --------------------------------------------------------------------------- font check


@pytest.fixture
def font_unchecked(monkeypatch):
    monkeypatch.setattr(rendering, "_cjk_font_ok", False)


def test_missing_cjk_font_refuses_to_render(pdf_app, monkeypatch, font_unchecked):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout="DejaVu Sans", stderr="")

    monkeypatch.setattr(rendering.subprocess, "run", fake_run)
    with pdf_app.app_context(), pytest.raises(FontMissing) as excinfo:
        render_statement_pdf(_header(), columns=COLUMNS, rows=_rows(1))
    message = str(excinfo.value)
    assert CJK_FONT in message and "fonts-noto-cjk" in message
    assert calls and calls[0][0] == "fc-match" and calls[0][-1] == CJK_FONT
    with pdf_app.app_context(), pytest.raises(FontMissing):
        render_pdf("reports/base_statement.html", header=_header())


def test_missing_fc_match_binary_counts_as_missing_font(monkeypatch, font_unchecked):
    def no_binary(cmd, **kwargs):
        raise FileNotFoundError(cmd[0])

    monkeypatch.setattr(rendering.subprocess, "run", no_binary)
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        ensure_cjk_font()


def test_font_check_caches_only_success(monkeypatch, font_unchecked):
    answers = iter(["DejaVu Sans", "Noto Sans CJK SC"])
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout=next(answers), stderr="")

    monkeypatch.setattr(rendering.subprocess, "run", fake_run)
    with pytest.raises(FontMissing):
        ensure_cjk_font()
    ensure_cjk_font()  # font now installed: found
    ensure_cjk_font()  # cached: no third fc-match
    assert len(calls) == 2


# --------------------------------------------------------------------------- Excel


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _cell_xml(xml: str, ref: str) -> str:
    match = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert match, f"cell {ref} not in sheet XML"
    return match.group(0)


def test_xlsx_numbers_formats_and_layout():
    columns = [
        Column("code", "科目编码"),
        Column("name", "科目名称"),
        Column("amount", "金额", "amount"),
        Column("count", "笔数", "int"),
        Column("day", "日期", "date"),
    ]
    rows = [
        {"code": "1001", "name": "库存现金", "amount": Decimal("1234567890.12"), "count": 3,
         "day": date(2026, 3, 31)},
        {"code": "=1+1", "name": "银行存款", "amount": Decimal("9.95"), "count": 0,
         "day": datetime(2026, 3, 31, 17, 0, tzinfo=timezone.utc)},  # 01:00 on 4-01 in Shanghai
        {"code": "1012", "name": "其他货币资金", "amount": Decimal("0.07"), "count": None,
         "day": None},
    ]
    data = build_xlsx(
        "科目余额表",
        columns,
        rows,
        header=_header(),
        header_lines=("备注：测试导出",),
        totals={"amount": Decimal("1234567900.14")},
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "科目余额表"
    assert ws["A1"].value == "科目余额表" and ws["A1"].font.b
    assert "县人民医院" in ws["A2"].value and "2026年3月" in ws["A2"].value
    assert ws["A3"].value == "备注：测试导出"

    header_row = 4
    assert [c.value for c in ws[header_row]] == ["科目编码", "科目名称", "金额", "笔数", "日期"]
    assert all(c.font.b for c in ws[header_row])
    assert ws.freeze_panes == f"A{header_row + 1}"

    amount = ws.cell(row=header_row + 1, column=3)
    assert amount.data_type == "n" and isinstance(amount.value, (int, float, Decimal))
    assert amount.number_format == "#,##0.00"
    assert Decimal(str(amount.value)) == Decimal("1234567890.12")
    assert ws.cell(row=header_row + 1, column=4).number_format == "0"
    assert ws.cell(row=header_row + 1, column=4).value == 3
    day = ws.cell(row=header_row + 1, column=5)
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert ws.cell(row=header_row + 2, column=5).value.date() == date(2026, 4, 1)

    # the XML holds the exact decimal digits (openpyxl's own path is '%.16g' via float)
    xml = _sheet_xml(data)
    for ref, digits in (("C5", "1234567890.12"), ("C6", "9.95"), ("C7", "0.07"),
                        ("C8", "1234567900.14")):
        cell = _cell_xml(xml, ref)
        value = re.search(r"<v>(.*?)</v>", cell).group(1)
        assert value == digits, (ref, value)
        assert 't="s"' not in cell and "inlineStr" not in cell  # a number, not text

    # user text that looks like a formula stays text
    assert ws["A6"].data_type == "s" and ws["A6"].value == "=1+1"
    assert "<f>" not in _cell_xml(xml, "A6")

    totals = ws[header_row + 4]
    assert totals[0].value == "合计" and totals[0].font.b
    # CJK text counts double for the column width
    assert ws.column_dimensions["B"].width >= display_width("其他货币资金") == 12
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_a_negative_zero_amount_is_written_as_zero():
    # a credit-side statement line with no balance is -(0.00): Excel would show it as -0.00
    data = build_xlsx("x", [Column("a", "金额", "amount")], [{"a": -Decimal("0.00")}, {"a": Decimal("-0")}])
    xml = _sheet_xml(data)
    assert [re.search(r"<v>(.*?)</v>", _cell_xml(xml, ref)).group(1) for ref in ("A3", "A4")] == ["0.00", "0"]


def test_xlsx_refuses_float_money():
    with pytest.raises(TypeError):
        build_xlsx("x", [Column("a", "金额", "amount")], [{"a": 0.1}])


def test_sheet_names_are_sanitised():
    name = sanitize_sheet_name("科目余额表[2026/03]*?:\\" + "很长" * 20)
    assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert sanitize_sheet_name("") == "Sheet1"
    assert sanitize_sheet_name("Sheet1", taken=["sheet1"]) == "Sheet1(2)"

    data = build_xlsx_sheets(
        [XlsxSheet("a/b", [Column("x", "X")], [{"x": "1"}]),
         XlsxSheet("a?b", [Column("x", "X")], [{"x": "2"}])]
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["a_b", "a_b(2)"]
    assert wb["a_b"].freeze_panes == "A3"  # title row, header row
