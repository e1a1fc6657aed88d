"""The department cost report as PDF and Excel, the web pages (report, drivers grid, plan form) and the OpenAPI
document; the figures are those of the worked example in test_report."""
from __future__ import annotations

import io
import subprocess
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Department, Institution
from tests.conftest import csrf_token
from tests.costing.conftest import HOSPITAL, MARCH, api_rules, by_code, report


def test_pdf_and_excel_carry_the_figures_and_the_reconciliation(worked, tmp_path):
    response = report(worked, format="pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "costs.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "科室成本报表" in text and "清河县人民医院" in text
    assert "15,825.93" in text and "6,330.37" in text and "31.65" in text
    assert "27,000.00" in text and "差额：0.00" in text

    response = report(worked, format="xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["科室成本", "分摊明细", "直接成本明细"]
    sheet = book["科室成本"]
    cells = [row for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cells) if row[0] == "编码")
    columns = cells[header]
    internal = next(row for row in cells[header + 1:] if row[0] == "01")
    assert internal[columns.index("全成本")] == pytest.approx(15825.93)  # openpyxl reads numbers as float
    assert internal[columns.index("门急诊人次")] == 1000
    xml = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>15825.93</v>" in xml and "<v>6330.37</v>" in xml  # exact decimal digits
    assert any(row[0] and "差额：0.00" in str(row[0]) for row in cells[:header])
    steps = [row for row in book["分摊明细"].iter_rows(values_only=True)]
    assert sum(1 for row in steps if row[0] == "31 院办") == 4


def test_web_pages_show_the_report_and_save_drivers(worked, web):
    client = web("finance")
    page = client.get(f"/costing/?institution={HOSPITAL}&period={MARCH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "15,825.93" in html and "已核对一致" in html and "科室成本报表" in html
    pdf = client.get(f"/costing/?institution={HOSPITAL}&period={MARCH}&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    grid = client.get(f"/costing/drivers?institution={HOSPITAL}&period={MARCH}")
    assert grid.status_code == 200
    html = grid.get_data(as_text=True)
    internal = db.session.scalar(select(Department).join(Institution).where(Institution.code == HOSPITAL,
                                                                            Department.code == "01"))
    assert f'name="v-{internal.id}-revenue" value="30000"' in html
    response = client.post("/costing/drivers", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH,
        f"v-{internal.id}-revenue": "45000", f"v-{internal.id}-visits": ""})
    assert response.status_code == 302
    # 检验科 4,462.96 now by revenue 45,000 : 20,000 → 01 gets 4462.96 × 9/13 = 3089.741… → 3089.74
    rows = by_code(report(worked).json)
    assert rows["01"]["received"]["medical_tech"] == "3089.74" and rows["01"]["visits"] is None
    refused = client.post("/costing/drivers", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, f"v-{internal.id}-staff": "-3"})
    assert refused.status_code == 422 and "不能为负数" in refused.get_data(as_text=True)

    # the plan form: 医疗辅助 by floor area (nobody has any: the report says so), 33 后勤保障科 by workload
    response = client.post("/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "rule-admin": "staff",
        "rule-medical_support": "floor_area", "rule-medical_tech": "revenue", "rule-clinical": "outpatient_share",
        "override_department": "33", "override_base": "workload"})
    assert response.status_code == 302
    plan = {(r["from_class"], r["department"]): r["base_kind"]
            for r in api_rules(worked)}
    assert plan[("medical_support", None)] == "floor_area" and plan[("admin", "33")] == "workload"
    page = client.get(f"/costing/?institution={HOSPITAL}&period={MARCH}")
    assert page.status_code == 422 and "floor_area" in page.get_data(as_text=True)
    refused = client.post("/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "override_department": "01",
        "override_base": "staff"})
    assert refused.status_code == 422 and "临床服务类" in refused.get_data(as_text=True)
    response = client.post("/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "rule-medical_support": "",
        "remove_override": "33"})
    assert response.status_code == 302 and len(api_rules(worked)) == 4

    menu = client.get("/").get_data(as_text=True)
    assert "科室成本报表" in menu and "成本分摊参数" in menu
    assert web("clerk").get("/costing/").status_code == 403


def test_openapi_documents_the_costing_endpoints(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/reports/department-costs"]
    assert {"get", "put"} <= set(paths["/api/v1/costing/drivers"])
    assert {"get", "put"} <= set(paths["/api/v1/costing/rules"])
