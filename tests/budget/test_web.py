"""The budget holder's and the finance officer's screens: the overview tile, a budget's page with its actions and
history, the line drill-down, the execution report (chart data, PDF, Excel), funds and programmes."""
from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal

from erp.budget import services as budget
from erp.core.extensions import db
from erp.ledger.services import DocumentSource
from tests.factories import VoucherFactory
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR


def _commit_some(budgets):
    """12,000.00 committed on QH101's line for a real document (the drill-down links only to what exists)."""
    voucher = VoucherFactory()
    document = DocumentSource("ledger", "voucher", str(voucher.id), f"voucher-{voucher.id}",
                              url=f"/ledger/vouchers/{voucher.id}")
    budget.reserve(db.session, budgets.institution("QH101"), "7201", "01", "F01", "12000.00", document,
                   on=date(YEAR, 3, 5), user=budgets.user("procurement"))
    db.session.commit()
    return voucher


def test_the_holders_tile_shows_what_is_left_what_is_committed_and_by_whom(budgets, web):
    _commit_some(budgets)
    page = web("accountant").get("/budget/").get_data(as_text=True)  # the 城关镇 accountant: QH101 only
    tile = page.split('id="holder-tile"')[1].split("</section>")[0]
    assert "480,000.00" in tile and "12,000.00" in tile and "468,000.00" in tile and "采购员 孙" in tile
    assert "QH101" in page and "QH001" not in page.split("<tbody>")[1]


def test_a_budget_page_shows_lines_history_and_the_line_drill_down(budgets, web):
    voucher = _commit_some(budgets)
    client = web("finance")
    item = budgets.budget("QH101")
    page = client.get(f"/budget/budgets/{item.id}").get_data(as_text=True)
    assert "执行中" in page and "年初预算" in page and "228,000.00" not in page and "228000.00" in page
    line = budgets.line("QH101", "01", "F01")
    drill = client.get(f"/budget/lines/{line.id}").get_data(as_text=True)
    link = f'href="/ledger/vouchers/{voucher.id}"'
    assert f"voucher-{voucher.id}" in drill and link in drill and "12000.00" in drill
    # HR reads budgets but not vouchers: the document is named, not linked (a link would end on 无权访问)
    hr_drill = web("hr").get(f"/budget/lines/{line.id}").get_data(as_text=True)
    assert f"voucher-{voucher.id}" in hr_drill and link not in hr_drill


def test_an_adjustment_through_the_screens(budgets, web):
    item = budgets.budget("QH102")
    finance, chief = web("finance"), web("chief")
    page = finance.get(f"/budget/budgets/{item.id}").get_data(as_text=True)
    finance.post(f"/budget/budgets/{item.id}/adjust", data={"csrf_token": csrf_token(page), "reason": "疫情防控追加"})
    page = finance.get(f"/budget/budgets/{item.id}").get_data(as_text=True)
    assert "第 2 版" in page and "疫情防控追加" in page
    finance.post(f"/budget/budgets/{item.id}/submit-version", data={"csrf_token": csrf_token(page), "version": "2"})
    page = chief.get(f"/budget/budgets/{item.id}").get_data(as_text=True)
    chief.post(f"/budget/budgets/{item.id}/approve-version", data={"csrf_token": csrf_token(page), "version": "2"})
    db.session.expire_all()
    assert budgets.budget("QH102").version == 2


def test_the_execution_report_page_pdf_and_excel(budgets, books, web, tmp_path):
    books.post(books.draft("QH101", [("5001", "30000.00", "0", {"department": "01", "funding_source": "F01"}),
                                     ("1002", "0", "30000.00")], on=date(YEAR, 3, 20), memo="购置诊疗耗材"))
    db.session.commit()
    client = web("auditor")
    item = budgets.budget("QH101")
    page = client.get(f"/budget/execution?year={YEAR}&budget={item.id}").get_data(as_text=True)
    assert 'id="budget-chart"' in page and "echarts.min.js" in page and "30000.00" in page
    assert "6.25" in page  # 30,000 of 480,000 executed
    pdf = client.get(f"/budget/execution?year={YEAR}&budget={item.id}&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "execution.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "预算执行报表" in text and "30,000.00" in text
    xlsx = client.get(f"/budget/execution?year={YEAR}&budget={item.id}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_budget_workbook_round_trips_into_a_draft(budgets, web):
    from erp.budget.services.workbook import read_lines

    item = budgets.budget("QH001")
    data = web("finance").get(f"/budget/budgets/{item.id}?format=xlsx").data
    lines = read_lines(data)
    read = {(l.department, l.funding_source): l for l in lines}
    assert len(lines) == 4
    assert [(l.account, Decimal(l.amount), l.control, l.check_period) for l in (read[("01", "F01")], read[("02", "F01")])] \
        == [("7201", Decimal("1800000.00"), "stop", "annual"), ("7201", Decimal("1500000.00"), "stop", "ytd")]
    assert Decimal(read[("01", "F01")].months[0]) == Decimal("150000.00")
    assert read[(None, "F02")].funding_source == "F02" and read[("31", "N01")].control == "warn"


def test_the_programme_and_fund_statements_download_from_the_pages(books, api, web):
    fund_id = api("finance").post("/api/v1/public-health-funds", json={
        "year": YEAR, "population": 1000, "per_capita": "89.00", "pre_allocation_share": "0.5"}).json["id"]
    client = web("chief")
    page = client.get("/budget/programmes").get_data(as_text=True)
    assert "89000.00" in page and f"id={fund_id}" in page
    pdf = client.get(f"/budget/programmes?kind=health&id={fund_id}&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get("/budget/funds?format=xlsx").data[:2] == b"PK"
