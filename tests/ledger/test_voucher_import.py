"""Excel import of vouchers: exact amounts from float cells, grouping by the first column, and ALL-OR-NOTHING
with a row-by-row report (on the page and as a downloadable workbook)."""
from __future__ import annotations

import base64
import html as html_lib
import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.money import MoneyError
from erp.ledger.services import voucher_import
from erp.ledger.models import Voucher, VoucherState
from erp.ledger.services.voucher_import import COLUMNS, ImportFailed, exact_amount, import_vouchers
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR

TITLES = [c.title for c in COLUMNS]
DAY = datetime(YEAR, 3, 15)


def row(key, account, debit=None, credit=None, *, institution=None, on=None, memo=None, attachments=None,
        department=None, partner=None, funding_source=None, project=None, line_memo=None):
    """One sheet row in template column order (None = an empty cell, as Excel leaves it)."""
    return [key, institution, on, memo, attachments, account, debit, credit, department, partner, funding_source,
            project, line_memo]


# Two vouchers, amounts as Excel stores them: floats (0.1 + 0.2 must come out as exactly 0.30).
VALID = [
    row(1, 1001, 1000.0, institution="QH101", on=DAY, memo="门诊收费", attachments=2, line_memo="现金"),
    row(1, "410101010801", None, 600.1),
    row(1, 4101010105, None, 399.9),
    row("2", "5001", 0.1, institution="QH101", on=f"{YEAR}-03-16", memo="领用卫生材料", department="01"),
    row(None, "5001", 0.2, department="01"),  # blank key: the row belongs to the voucher above (merged cells)
    row("2", "130202", None, 0.3),
]


def workbook(rows, titles=TITLES, sheet="凭证") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(titles)
    for values in rows:
        ws.append(values)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "三月凭证.xlsx"):
    token = csrf_token(client.get("/ledger/vouchers/import").get_data(as_text=True))
    return client.post("/ledger/vouchers/import", data={"csrf_token": token, "file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def all_vouchers() -> list[Voucher]:
    db.session.expire_all()
    return db.session.scalars(select(Voucher).order_by(Voucher.id)).all()


def page_errors(html: str) -> list[tuple[str, str, str]]:
    """(row, column, message) of the error table on the page."""
    body = html.split('id="import-errors"')[1].split("<tbody>")[1].split("</tbody>")[0]
    found = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [html_lib.unescape(re.sub(r"<.*?>", "", c)).strip() for c in re.findall(r"<td.*?>(.*?)</td>", tr, re.S)]
        found.append((cells[0], cells[1], cells[4]))
    return found


def report_rows(html: str) -> list[tuple]:
    match = re.search(r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,'
                      r'([A-Za-z0-9+/=]+)" download="([^"]+)"', html)
    assert match, "no downloadable error report"
    sheet = openpyxl.load_workbook(BytesIO(base64.b64decode(match.group(1)))).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = rows.index(("行号", "列", "凭证号", "单元格内容", "错误说明"))
    return rows[header + 1:]


def test_a_valid_file_of_two_vouchers_creates_two_drafts(books, web):
    response = upload(web("finance"), workbook(VALID))
    assert response.status_code == 302 and "state=draft" in response.location
    first, second = all_vouchers()
    assert first.state is second.state is VoucherState.DRAFT
    assert (first.institution.code, first.date, first.memo, first.attachment_count) == \
        ("QH101", date(YEAR, 3, 15), "门诊收费", 2)
    assert [(l.account.code, l.debit, l.credit, l.memo) for l in first.lines] == [
        ("1001", Decimal("1000.00"), 0, "现金"), ("410101010801", 0, Decimal("600.10"), ""),
        ("4101010105", 0, Decimal("399.90"), "")]
    assert [(l.account.code, l.debit, l.credit) for l in second.lines] == [
        ("5001", Decimal("0.10"), 0), ("5001", Decimal("0.20"), 0), ("130202", 0, Decimal("0.30"))]
    assert second.date == date(YEAR, 3, 16) and all(l.department_id for l in second.lines[:2])
    assert first.preparer.username == "finance" and first.number is None


@pytest.mark.parametrize("bad_row, expected", [
    (row(1, "9999", None, 600.1), ("3", "科目编码", "科目 9999 不存在")),
    (row(1, "410101010801", None, 600.005), ("3", "贷方", "最多 2 位小数")),
    (row(1, "410101010801", None, 610.1), ("2", "借方/贷方", "借贷不平衡：借方合计 1000.00，贷方合计 1010.00，差额 -10.00")),
], ids=["unknown-account", "three-decimals", "unbalanced"])
def test_one_bad_row_writes_nothing_and_is_reported_exactly(books, web, bad_row, expected):
    rows = list(VALID)
    rows[1] = bad_row
    response = upload(web("finance"), workbook(rows))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "未导入任何凭证" in html
    assert all_vouchers() == []  # voucher 2 was fine, and was not written either
    [(row_number, column, message)] = page_errors(html)
    assert (row_number, column) == expected[:2] and expected[2] in message, (row_number, column, message)
    [reported] = report_rows(html)
    assert (reported[0], reported[1], reported[2]) == (int(expected[0]), expected[1], "1")
    assert expected[2] in reported[4]


def test_every_error_of_the_file_is_reported_at_once(books, web):
    rows = [
        row(1, 1001, 1000.0, institution="QH101", on=DAY, memo="门诊收费"),
        row(1, "9999", None, 600.0),  # unknown account
        row(1, "4101010105", None, 400.005),  # three decimals
        row(2, "5001", 50.0, institution="QH101", on=DAY, memo="材料"),  # department required (service)
        row(2, "130202", None, 50.0),
        row(3, "1002", 10.0, institution="QH101", on="2026/13/40", memo="日期错"),  # bad date
        row(3, "4101010105", None, 10.0, institution="QH102"),  # different institution in one voucher
        row(4, "1002", 10.0, 10.0, institution="QH101", on=DAY),  # both sides
        row(4, "4101010105", None, 10.0),
        row(5, "2302", 80.0, institution="QH101", on=DAY, partner="S999"),  # unknown partner (service)
        row(5, "1002", None, 80.0),
    ]
    html = upload(web("finance"), workbook(rows)).get_data(as_text=True)
    errors = page_errors(html)
    placed = [(r, c) for r, c, _ in errors]
    assert placed == [("3", "科目编码"), ("4", "贷方"), ("5", "科室"), ("7", "日期"), ("8", "单位编码"), ("9", "借方"),
                      ("11", "往来单位")], errors
    messages = dict(((r, c), m) for r, c, m in errors)
    assert "必须填写辅助核算" in messages[("5", "科室")]
    assert "不一致" in messages[("8", "单位编码")] and "第 7 行为 QH101" in messages[("8", "单位编码")]
    assert "S999" in messages[("11", "往来单位")]
    assert len(report_rows(html)) == 7
    assert all_vouchers() == []


def test_accountant_cannot_import_for_another_institution(books, web):
    rows = [row(1, 1001, 10.0, institution="QH001", on=DAY), row(1, "4101010105", None, 10.0)]
    html = upload(web("accountant"), workbook(rows)).get_data(as_text=True)
    assert page_errors(html) == [("2", "单位编码", "单位编码 QH001 不存在或不在您的权限范围内")]
    assert all_vouchers() == []


def test_closed_period_is_reported_at_the_date(books, web):
    rows = [row(1, 1001, 10.0, institution="QH101", on=datetime(YEAR - 5, 1, 5)), row(1, "4101010105", None, 10.0)]
    [(number, column, message)] = page_errors(upload(web("finance"), workbook(rows)).get_data(as_text=True))
    assert (number, column) == ("2", "日期") and "未开启" in message


def test_unreadable_files_and_missing_columns(books, web):
    client = web("finance")
    html = upload(client, b"not a workbook", "old.xls").get_data(as_text=True)
    assert page_errors(html) == [("文件", "", "无法读取文件：请上传 Excel .xlsx 文件（旧版 .xls 请先另存为 .xlsx）")]
    html = upload(client, workbook([["1", "QH101"]], titles=["凭证号", "单位编码"])).get_data(as_text=True)
    assert [(r, c) for r, c, _ in page_errors(html)] == [("1", "日期"), ("1", "科目编码"), ("1", "借方"), ("1", "贷方")]
    refused = client.post("/ledger/vouchers/import", data={"csrf_token": csrf_token(html)},
                          content_type="multipart/form-data")
    assert "请选择要导入的 Excel 文件" in refused.get_data(as_text=True)
    assert all_vouchers() == []


def test_template_has_the_columns_an_example_and_an_explanation_sheet(books, web):
    client = web("accountant")
    response = client.get("/ledger/vouchers/import/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    wb = openpyxl.load_workbook(BytesIO(response.data))
    assert wb.sheetnames == ["凭证", "填写说明"]
    sheet = wb["凭证"]
    assert [c.value for c in sheet[1]] == ["凭证号(分组键)", "单位编码", "日期", "摘要", "附件张数", "科目编码", "借方",
                                           "贷方", "科室", "往来单位", "资金来源", "项目", "行摘要"]
    assert sheet["B2"].value == "QH101" and sheet["F2"].value == "1001" and sheet["G2"].value == 1000
    notes = [c.value for c in wb["填写说明"]["A"] if c.value]
    assert "凭证号(分组键)" in notes and "行摘要" in notes
    # the example, uploaded as it is, is a valid voucher
    assert upload(client, response.data).status_code == 302
    [voucher] = all_vouchers()
    assert voucher.institution.code == "QH101" and sum(l.debit for l in voucher.lines) == Decimal("1000.00")


def test_import_page_needs_the_write_permission(books, web):
    assert web("auditor").get("/ledger/vouchers/import").status_code == 403
    assert "/ledger/vouchers/import/template.xlsx" in web("finance").get("/ledger/vouchers/import").get_data(
        as_text=True)


# ------------------------------------------------------------------------------------------- the service


@pytest.mark.parametrize("cell, expected", [
    (0.1, "0.10"), (1000.0, "1000.00"), (600.1, "600.10"), (1234567.89, "1234567.89"), (12, "12.00"),
    ("１，２００.５", "1200.50"), ("1,234.50", "1234.50"), (None, "0.00"), ("", "0.00"), (Decimal("9.95"), "9.95"),
    (999999999999.99, "999999999999.99"),
])
def test_exact_amount_never_keeps_a_float(cell, expected):
    amount = exact_amount(cell)
    assert isinstance(amount, Decimal) and str(amount) == expected


@pytest.mark.parametrize("cell", [600.005, 0.1 + 0.2, 1e-05, -5.0, "abc", True, 1e16])
def test_exact_amount_refuses_what_it_cannot_read_exactly(cell):
    with pytest.raises(MoneyError):
        exact_amount(cell)


def test_import_service_raises_and_the_caller_rolls_back(books):
    user = books.user("finance")
    from erp.core.session_context import activate_user

    activate_user(db.session, user)
    created = import_vouchers(db.session, user, workbook(VALID))
    assert len(created) == 2 and all(v.id for v in created)
    db.session.rollback()  # the service never commits: the caller decides
    assert all_vouchers() == []
    bad = list(VALID)
    bad[5] = row("2", "130202", None, 0.31)
    with pytest.raises(ImportFailed) as failure:
        import_vouchers(db.session, user, workbook(bad))
    db.session.rollback()
    assert [(e.row, e.column, e.voucher) for e in failure.value.errors] == [(5, "借方/贷方", "2")]
    report = openpyxl.load_workbook(BytesIO(voucher_import.error_report_xlsx(failure.value.errors, "x.xlsx"))).active
    assert any("差额 -0.01" in str(c) for r in report.iter_rows(values_only=True) for c in r if c)
    assert all_vouchers() == []
