"""The finance officer's and HR's screens for the pool, the mapping, 统筹, distributions and the dean's salary."""
from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook

from erp.core.extensions import db
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import employee, enter_last_year


def _post(client, page_url: str, url: str, data: dict, **kwargs):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def test_the_pool_screens_from_creation_to_approval(books, demo, web):
    enter_last_year(books)
    finance = web("finance")
    created = _post(finance, "/payroll/performance-pools/new", "/payroll/performance-pools/new", {
        "institution": "QH001", "year": str(YEAR), "previous_pool": "500000.00", "growth": "0.05",
        "appraisal_factor": "0.95", "staff_count": "100", "local_average_wage": "80000.00"})
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    page = finance.get(url).get_data(as_text=True)
    assert "532,950.00" in page and "213,180.00" in page  # P and 基础性 (β 0.4)
    assert "410101010801" in page and "detail-ledger" in page  # the drill-down to the ledger
    assert "人员支出占业务支出比例" in page and "<script>" not in page
    # HR reads pools but not the ledger: the account is named, not linked to a page it may not open
    hr_page = web("hr").get(url).get_data(as_text=True)
    assert "410101010801" in hr_page and "detail-ledger" not in hr_page
    pool_id = re.search(r"/performance-pools/(\d+)", url).group(1)
    _post(finance, url, f"/payroll/performance-pools/{pool_id}/increases",
          {"category": "talent", "amount": "20000.00", "reason": "引进学科带头人"})
    assert "552,950.00" in finance.get(url).get_data(as_text=True)
    chief = web("chief")
    assert "审批" in chief.get(url).get_data(as_text=True)
    _post(chief, url, f"/payroll/performance-pools/{pool_id}/approve", {})
    assert "已审批" in chief.get(url).get_data(as_text=True)
    listed = finance.get("/payroll/performance-pools").get_data(as_text=True)
    assert "552,950.00" in listed


def test_the_mapping_screen_saves_an_item(demo, web):
    finance = web("finance")
    page = finance.get("/payroll/performance-pools/mapping").get_data(as_text=True)
    assert "4101010108, 4101010209" in page
    _post(finance, "/payroll/performance-pools/mapping", "/payroll/performance-pools/mapping",
          {"item": "exam_revenue", "accounts": "4101010103，4101010203, 410101"})
    assert "410101, 4101010103, 4101010203" in finance.get("/payroll/performance-pools/mapping").get_data(as_text=True)
    _post(finance, "/payroll/performance-pools/mapping", "/payroll/performance-pools/mapping",
          {"item": "exam_revenue", "accounts": "77"})
    assert "没有科目 77" in finance.get("/payroll/performance-pools/mapping").get_data(as_text=True)


def test_the_deans_salary_screens(books, demo, web):
    dean = employee(demo.id, "QH001", "刘院长", 901, department="31", is_head=True)
    db.session.commit()
    hr = web("hr")
    created = _post(hr, "/payroll/dean-salaries/new", "/payroll/dean-salaries/new", {
        "employee": str(dean), "year": str(YEAR), "standard": "450000.00", "base": "250000.00",
        "funding_source": "F01"})
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    page = hr.get(url).get_data(as_text=True)
    assert page.count("20,833.34") == 4 and "250,000.00" in page and "待核定" in page
    assert re.search(r"及格线</th><td>70</td>", page)  # the default pass mark as written, not 7E+1
    salary_id = re.search(r"/dean-salaries/(\d+)", url).group(1)
    chief = web("chief")
    assert "核定</button>" in chief.get(url).get_data(as_text=True)
    _post(chief, url, f"/payroll/dean-salaries/{salary_id}/approve", {})
    assert "已核定" in chief.get(url).get_data(as_text=True)
    finance = web("finance")
    salary_id = re.search(r"/dean-salaries/(\d+)", url).group(1)
    _post(finance, url, f"/payroll/dean-salaries/{salary_id}/advances/1/pay", {})
    _post(finance, url, f"/payroll/dean-salaries/{salary_id}/settle", {"score": "85"})
    page = finance.get(url).get_data(as_text=True)
    assert "317,500.00" in page and "296,666.66" in page  # 317,500 − January's 20,833.34 advance
    listed = finance.get("/payroll/dean-salaries").get_data(as_text=True)
    assert "450,000.00" in listed and "317,500.00" in listed and "450000.00" not in listed  # grouped, as on paper


def test_the_pooling_and_distribution_screens(demo, web):
    for serial, department in ((21, "01"), (22, "02")):
        employee(demo.id, "QH001", f"医生{serial}", serial, department=department, code=f"E{serial}")
    db.session.commit()
    finance = web("finance")
    created = _post(finance, "/payroll/pooling-plans/new", "/payroll/pooling-plans/new", {
        "institution": "QH001", "year": str(YEAR), "share": "0.3", "floor": "0",
        "members": "QH001,1000000.00\nQH101，200000.00"})
    assert created.status_code == 302, created.get_data(as_text=True)
    page = finance.get(created.headers["Location"]).get_data(as_text=True)
    assert "360,000.00" in page  # 0.3 × 1,200,000
    book = Workbook()
    book.active.append(["职工编号", "科室编码", "工作量点数", "质量得分"])
    book.active.append(["E21", "01", 120, 1])
    book.active.append(["E22", "02", 80, 1])
    out = BytesIO()
    book.save(out)
    hr = web("hr")
    uploaded = _post(hr, "/payroll/distributions/new", "/payroll/distributions/new", {
        "institution": "QH001", "year": str(YEAR), "label": "一季度", "amount": "1000.00",
        "file": (BytesIO(out.getvalue()), "points.xlsx")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    page = hr.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "600.00" in page and "400.00" in page
