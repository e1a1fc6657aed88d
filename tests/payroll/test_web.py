"""The HR officer's screens in a browser: inputs, a run computed, approved, posted and paid; slips; employees."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from erp.core.extensions import db
from erp.payroll.models import PayrollRun, Payslip
from tests.conftest import csrf_token
from tests.payroll.conftest import id_number


def _post(client, page_url: str, url: str, data: dict):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_monthly_cycle_in_the_browser(staff, web):
    hr, chief, finance = web("hr"), web("chief"), web("finance")
    page = hr.get("/payroll/inputs?institution=QH102&year=2026&month=1").get_data(as_text=True)
    first = re.search(r'name="reward_performance-(\d+)"', page).group(1)
    saved = _post(hr, "/payroll/inputs?institution=QH102&year=2026&month=1", "/payroll/inputs",
                  {"institution": "QH102", "year": "2026", "month": "1", f"reward_performance-{first}": "4321.00",
                   f"annual_bonus-{first}": "24000.00"})
    assert saved.status_code == 302
    created = _post(hr, "/payroll/runs/new", "/payroll/runs/new",
                    {"institution": "QH102", "year": "2026", "month": "1", "kind": "regular"})
    assert created.status_code == 302
    run = db.session.scalar(select(PayrollRun).where(PayrollRun.month == 1))
    url = f"/payroll/runs/{run.id}"
    submitted = _post(hr, url, f"{url}/compute", {})
    assert submitted.status_code == 302 and "?job=" in submitted.location  # the page follows the job
    following = hr.get(submitted.location).get_data(as_text=True)
    assert 'id="job"' in following and "core/job.js" in following and f'data-job-done-url="{url}"' in following
    page = hr.get(url).get_data(as_text=True)
    assert "已计算" in page and "0.00→4,321.00" in page  # the review: new this month
    assert _post(hr, url, f"{url}/approve", {}).status_code == 403  # HR cannot approve
    _post(chief, url, f"{url}/approve", {})
    _post(finance, url, f"{url}/post", {})
    _post(finance, url, f"{url}/pay", {})
    page = finance.get(url).get_data(as_text=True)
    assert "已发放" in page and "代发工资文件" in page
    slip_id = re.search(r'href="/payroll/payslips/(\d+)"', page).group(1)
    slip = hr.get(f"/payroll/payslips/{slip_id}").get_data(as_text=True)
    assert "岗位工资" in slip and "post_wage@1" in slip and "实发" in slip
    bonus_slip = db.session.scalar(select(Payslip.id).where(Payslip.run_id == run.id,
                                                            Payslip.employee_id == int(first)))
    shown = hr.get(f"/payroll/payslips/{bonus_slip}").get_data(as_text=True)
    assert "全年一次性奖金" in shown and "单独计税" in shown and "并入工资" in shown
    bank = finance.get(f"{url}/bank-file.xlsx")
    sheet = load_workbook(io.BytesIO(bank.data)).active
    assert any("6228" in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_batch_of_slips_prints_in_chinese_with_the_total_in_words(staff, web):
    import subprocess

    hr = web("hr")
    _post(hr, "/payroll/runs/new", "/payroll/runs/new", {"institution": "QH103", "year": "2026", "month": "1"})
    run = db.session.scalar(select(PayrollRun).where(PayrollRun.month == 1))
    _post(hr, f"/payroll/runs/{run.id}", f"/payroll/runs/{run.id}/compute", {})
    submitted = _post(hr, f"/payroll/runs/{run.id}", f"/payroll/runs/{run.id}/payslips.pdf", {})
    job_id = int(submitted.location.rsplit("job=", 1)[1])
    page = hr.get(submitted.location).get_data(as_text=True)
    assert f"/jobs/{job_id}/result" in page and "data-job-done-url" not in page  # the PDF is downloaded from the job
    pdf = hr.get(f"/jobs/{job_id}/result")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert text.count("工资条") >= 5 and "实发金额" in text and "大写" in text and "元" in text
    info = subprocess.run(["pdfinfo", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    db.session.refresh(run)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    assert run.slip_count >= 5 and pages == run.slip_count  # a page per slip, no spill-over


def test_employees_are_created_edited_exported_and_imported(staff, web):
    hr = web("hr")
    response = _post(hr, "/payroll/employees/new", "/payroll/employees/new", {
        "institution": "QH101", "name": "网页职工", "id_number": id_number(701), "department": "01",
        "establishment": "contract", "staff_category": "nurse", "post": "pro_12", "grade": "4",
        "insurance_base": "5000.00", "hire_date": "2025-09-01", "public_health": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    bad = _post(hr, "/payroll/employees/new", "/payroll/employees/new", {
        "institution": "QH101", "name": "错号", "id_number": "123", "establishment": "contract",
        "staff_category": "nurse", "grade": "1", "hire_date": "2025-09-01"})
    assert bad.status_code == 422 and "身份证号无效" in bad.get_data(as_text=True)
    exported = hr.get("/payroll/employees/export.xlsx").data
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and "身份证号" in row)
    header = list(rows[header_index])
    target = next(i for i, row in enumerate(rows) if row and id_number(701) in row)
    sheet.cell(row=target + 1, column=header.index("薪级") + 1, value=9)
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = csrf_token(hr.get("/payroll/employees/import").get_data(as_text=True))
    imported = hr.post("/payroll/employees/import", data={"csrf_token": token,
                                                          "file": (io.BytesIO(buffer.getvalue()), "staff.xlsx")},
                       content_type="multipart/form-data")
    assert imported.status_code == 302, imported.get_data(as_text=True)
    listing = hr.get("/payroll/employees?q=网页职工").get_data(as_text=True)
    assert "网页职工" in listing and ">9<" in listing.replace(" ", "").replace("\n", "")
