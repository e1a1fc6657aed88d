"""全成本核算: department costs from the ledger, step-down allocation, unit costs, reconciliation.

The worked example (清河县人民医院 QH001, March) is small enough to follow by hand:

    direct costs (posted 5001 / 5101 lines with a department)
        01 内科 12,000.00   02 外科 8,000.00   11 检验科 4,000.00   21 药剂科 2,000.00   31 院办 (5101) 1,000.00
        ledger total 27,000.00
    plan: 行政后勤 by staff, 医疗辅助 by workload, 医疗技术 by revenue, clinical split by outpatient_share

    step 1 — 31 院办 1,000.00 by staff (21: 1, 11: 1, 01: 4, 02: 3; total 9)
        21: 1000 × 1/9 = 111.111… → 111.11      11: 111.11
        01: 1000 × 4/9 = 444.444… → 444.44      02: 1000 × 3/9 = 333.333… → 333.33
        rounded sum 999.99: the remaining 0.01 goes to the largest receiver, 01 → 444.45
    step 2 — 21 药剂科 2,000.00 + 111.11 = 2,111.11 by workload (11: 1, 01: 2, 02: 3; total 6)
        11: 351.851… → 351.85   01: 703.703… → 703.70   02: 1,055.555 → 1,055.56   (sum 2,111.11)
    step 3 — 11 检验科 4,000.00 + 111.11 + 351.85 = 4,462.96 by revenue (01: 30,000; 02: 20,000)
        01: × 0.6 = 2,677.776 → 2,677.78    02: × 0.4 = 1,785.184 → 1,785.18   (sum 4,462.96)
    full cost
        01: 12,000.00 + 444.45 + 703.70 + 2,677.78 = 15,825.93
        02:  8,000.00 + 333.33 + 1,055.56 + 1,785.18 = 11,174.07        together 27,000.00 = the ledger
    outpatient / inpatient
        01: 40 % → 6,330.372 → 6,330.37 / 9,495.56; 1,000 visits → 6.33; 300 bed-days → 31.651… → 31.65
        02: 30 % → 3,352.221 → 3,352.22 / 7,821.85;   200 visits → 16.761… → 16.76; 250 bed-days → 31.287… → 31.29
"""
from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import CostClass, Department, Institution
from erp.ledger import costing
from erp.ledger.chart import add_detail_account
from erp.ledger.costing import CostCentre, allocate, step_down
from erp.ledger.models import Account, Balance, VoucherKind
from erp.ledger.posting import Ledger, LineInput, VoucherInput
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR

HOSPITAL = "QH001"
MARCH = f"{YEAR}-03"
REPORT = "/api/v1/reports/department-costs"

WORKED_COSTS = [("01", "5001", "12000.00"), ("02", "5001", "8000.00"), ("11", "5001", "4000.00"),
                ("21", "5001", "2000.00"), ("31", "5101", "1000.00")]
WORKED_DRIVERS = [("21", "staff", "1"), ("11", "staff", "1"), ("01", "staff", "4"), ("02", "staff", "3"),
                  ("11", "workload", "1"), ("01", "workload", "2"), ("02", "workload", "3"),
                  ("01", "revenue", "30000"), ("02", "revenue", "20000"),
                  ("01", "outpatient_share", "40"), ("02", "outpatient_share", "30"),
                  ("01", "visits", "1000"), ("01", "bed_days", "300"), ("02", "visits", "200"),
                  ("02", "bed_days", "250")]


def spend(books, department: str, amount: str, account: str = "5001", on: date | None = None,
          institution: str = HOSPITAL):
    """An expense paid from the bank, charged to a department."""
    return books.enter(institution, [(account, amount, "0", {"department": department}), ("1002", "0", amount)], on)


def set_drivers(client, values, period: str = MARCH, institution: str = HOSPITAL):
    return client.put("/api/v1/costing/drivers", json={"institution": institution, "period": period, "values": [
        {"department": d, "kind": k, "value": v} for d, k, v in values]})


def report(client, period: str = MARCH, institution: str = HOSPITAL, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"institution": institution, "period": period, **extra}.items())
    return client.get(f"{REPORT}?{query}")


@pytest.fixture
def worked(books, api):
    for department, account, amount in WORKED_COSTS:
        spend(books, department, amount, account)
    finance = api("finance")
    response = set_drivers(finance, WORKED_DRIVERS)
    assert response.status_code == 200, response.json
    assert response.json["changed"] == len(WORKED_DRIVERS)
    return finance


def api_rules(client, institution: str = HOSPITAL) -> list[dict]:
    response = client.get(f"/api/v1/costing/rules?institution={institution}")
    assert response.status_code == 200, response.json
    return response.json["rules"]


def by_code(body: dict) -> dict:
    return {row["code"]: row for row in body["departments"]}


# ---------------------------------------------------------------------------------------------- the worked example


def test_worked_example_to_the_fen(worked):
    response = report(worked)
    assert response.status_code == 200, response.json
    body = response.json
    rows = by_code(body)
    assert body["period"] == MARCH and body["institution"]["code"] == HOSPITAL

    assert {c: rows[c]["direct_cost"] for c in ("01", "02", "11", "21", "31")} == {
        "01": "12000.00", "02": "8000.00", "11": "4000.00", "21": "2000.00", "31": "1000.00"}
    assert rows["01"]["received"] == {"admin": "444.45", "medical_support": "703.70", "medical_tech": "2677.78"}
    assert rows["02"]["received"] == {"admin": "333.33", "medical_support": "1055.56", "medical_tech": "1785.18"}
    assert rows["11"]["received"] == {"admin": "111.11", "medical_support": "351.85", "medical_tech": "0.00"}
    assert rows["21"]["received"] == {"admin": "111.11", "medical_support": "0.00", "medical_tech": "0.00"}
    assert [rows[c]["allocated_out"] for c in ("31", "21", "11")] == ["-1000.00", "-2111.11", "-4462.96"]
    assert rows["01"]["full_cost"] == "15825.93" and rows["02"]["full_cost"] == "11174.07"
    assert all(rows[c]["full_cost"] == "0.00" for c in ("11", "12", "21", "22", "31", "32", "33"))

    assert (rows["01"]["outpatient_cost"], rows["01"]["inpatient_cost"]) == ("6330.37", "9495.56")
    assert (rows["02"]["outpatient_cost"], rows["02"]["inpatient_cost"]) == ("3352.22", "7821.85")
    assert (rows["01"]["cost_per_visit"], rows["01"]["cost_per_bed_day"]) == ("6.33", "31.65")
    assert (rows["02"]["cost_per_visit"], rows["02"]["cost_per_bed_day"]) == ("16.76", "31.29")
    assert rows["01"]["split_basis"] == "outpatient_share" and rows["01"]["visits"] == "1000"
    # a clinical department without cost needs no split; a non-clinical one has none
    assert rows["03"]["outpatient_cost"] is None and rows["11"]["cost_per_visit"] is None

    totals = body["totals"]
    assert totals["direct_cost"] == "27000.00" and totals["full_cost"] == "27000.00"
    assert totals["received"] == {"admin": "1000.00", "medical_support": "2111.11", "medical_tech": "4462.96"}
    assert totals["allocated_out"] == "-7574.07"
    # institution level: 9,682.59 / 1,200 visits = 8.0688 → 8.07; 17,317.41 / 550 bed-days = 31.486 → 31.49
    assert (totals["outpatient_cost"], totals["inpatient_cost"]) == ("9682.59", "17317.41")
    assert (totals["cost_per_visit"], totals["cost_per_bed_day"]) == ("8.07", "31.49")

    steps = {s["from_department"]: s for s in body["steps"]}
    assert list(steps) == ["31", "21", "11"]  # 行政后勤 → 医疗辅助 → 医疗技术
    assert steps["31"]["base_kind"] == "staff" and steps["31"]["base_total"] == "9"
    assert steps["31"]["rate"] == "111.11111111"
    assert {a["department"]: a["amount"] for a in steps["31"]["allocations"]} == {
        "01": "444.45", "02": "333.33", "11": "111.11", "21": "111.11"}
    assert {a["department"]: a["amount"] for a in steps["21"]["allocations"]} == {
        "01": "703.70", "02": "1055.56", "11": "351.85"}
    assert {a["department"]: a["amount"] for a in steps["11"]["allocations"]} == {"01": "2677.78", "02": "1785.18"}
    assert body["warnings"] == []


def test_every_step_conserves_the_cost_to_the_fen(worked):
    body = report(worked).json
    for step in body["steps"]:
        assert sum(Decimal(a["amount"]) for a in step["allocations"]) == Decimal(step["amount"])
        assert all(Decimal(a["amount"]) >= 0 for a in step["allocations"])
    rows = body["departments"]
    received = sum(Decimal(v) for r in rows for v in r["received"].values())
    assert received == -sum(Decimal(r["allocated_out"]) for r in rows)
    assert sum(Decimal(r["full_cost"]) for r in rows) == sum(Decimal(r["direct_cost"]) for r in rows)
    for r in rows:  # each row adds up: direct + received + transferred out = full cost
        assert (Decimal(r["direct_cost"]) + sum(Decimal(v) for v in r["received"].values())
                + Decimal(r["allocated_out"])) == Decimal(r["full_cost"])
        if r["outpatient_cost"] is not None:
            assert Decimal(r["outpatient_cost"]) + Decimal(r["inpatient_cost"]) == Decimal(r["full_cost"])


def test_report_reconciles_to_the_ledger_total_of_5001_and_5101(worked, books):
    body = report(worked).json
    assert body["reconciliation"] == {
        "ledger_total": "27000.00", "ledger_by_account": {"5001": "26000.00", "5101": "1000.00"},
        "unassigned": "0.00", "departments_total": "27000.00", "difference": "0.00", "reconciled": True}
    # a reversal (红字冲销) reduces the department and the ledger alike; another month is not counted
    voucher = spend(books, "02", "500.00")
    Ledger(db.session, books.user("chief")).reverse(voucher, date(YEAR, 3, 20))
    db.session.commit()
    spend(books, "01", "999.99", on=date(YEAR, 4, 2))
    body = report(worked).json
    assert body["reconciliation"]["ledger_total"] == "27000.00" and body["reconciliation"]["reconciled"]
    assert by_code(body)["02"]["direct_cost"] == "8000.00"


def test_an_expense_without_a_department_shows_as_a_difference(worked):
    # The chart requires a department on 5001/5101; older or imported balances may still lack one.
    institution = db.session.scalar(select(Institution).where(Institution.code == HOSPITAL))
    account = db.session.scalar(select(Account).where(Account.code == "5001", Account.institution_id.is_(None)))
    db.session.add(Balance(institution_id=institution.id, account_id=account.id, year=YEAR, month=3,
                           debit=Decimal("123.45"), credit=Decimal("0")))
    db.session.commit()
    body = report(worked).json
    assert body["reconciliation"] == {
        "ledger_total": "27123.45", "ledger_by_account": {"5001": "26123.45", "5101": "1000.00"},
        "unassigned": "123.45", "departments_total": "27000.00", "difference": "123.45", "reconciled": False}
    assert any("123.45" in warning for warning in body["warnings"])


def test_year_end_closing_entries_are_not_costs(worked, books):
    # 年终结转 credits the expense accounts into 本期盈余: the March costs stay as they were
    data = VoucherInput(institution=HOSPITAL, date=date(YEAR, 3, 31), memo="年终结转", lines=[
        LineInput(account="3301", debit=Decimal("12000.00")),
        LineInput(account="5001", credit=Decimal("12000.00"), department="01")])
    ledger = Ledger(db.session, books.user("chief"))
    ledger.post(ledger.create_draft(data, kind=VoucherKind.CLOSING))
    db.session.commit()
    body = report(worked).json
    assert by_code(body)["01"]["direct_cost"] == "12000.00"
    assert body["reconciliation"]["ledger_total"] == "27000.00" and body["reconciliation"]["reconciled"]


def test_cost_elements_are_the_expense_detail_accounts(books, api):
    institution = db.session.scalar(select(Institution).where(Institution.code == HOSPITAL))
    add_detail_account(db.session, institution, "5001", "500101", "人员经费")
    add_detail_account(db.session, institution, "5001", "500102", "药品费")
    db.session.commit()
    spend(books, "01", "3000.00", "500101")
    spend(books, "01", "1500.50", "500102")
    spend(books, "02", "700.00", "500102")
    spend(books, "31", "200.00", "5101")
    finance = api("finance")
    assert set_drivers(finance, [("01", "staff", "2"), ("02", "staff", "2")]).status_code == 200
    body = report(finance).json
    rows = by_code(body)
    assert rows["01"]["direct_by_element"] == [{"account": "500101", "name": "人员经费", "amount": "3000.00"},
                                               {"account": "500102", "name": "药品费", "amount": "1500.50"}]
    assert rows["01"]["direct_cost"] == "4500.50"
    assert body["elements"] == [{"account": "500101", "name": "人员经费", "amount": "3000.00"},
                                {"account": "500102", "name": "药品费", "amount": "2200.50"},
                                {"account": "5101", "name": "单位管理费用", "amount": "200.00"}]
    # 200.00 by staff 2 : 2 → 100.00 each (support and tech have no cost: nothing to allocate, no base needed)
    assert (rows["01"]["full_cost"], rows["02"]["full_cost"]) == ("4600.50", "800.00")
    assert body["reconciliation"]["ledger_by_account"] == {"5001": "5200.50", "5101": "200.00"}
    assert body["reconciliation"]["reconciled"]


def test_a_range_of_months_sums_costs_and_flows_and_takes_the_latest_stock(books, api):
    spend(books, "31", "900.00", "5101", on=date(YEAR, 2, 10))
    spend(books, "31", "300.00", "5101", on=date(YEAR, 3, 10))
    spend(books, "01", "100.00", on=date(YEAR, 3, 10))
    finance = api("finance")
    # staff (a stock): February 1 : 1, March 1 : 3 → the range uses March's
    assert set_drivers(finance, [("01", "staff", "1"), ("02", "staff", "1")], f"{YEAR}-02").status_code == 200
    assert set_drivers(finance, [("01", "staff", "1"), ("02", "staff", "3")]).status_code == 200
    # visits (a flow) are summed: 10 + 40
    february = [("01", "visits", "10"), ("01", "outpatient_share", "100")]
    assert set_drivers(finance, february, f"{YEAR}-02").status_code == 200
    assert set_drivers(finance, [("01", "visits", "40")]).status_code == 200
    body = report(finance, period=f"{YEAR}-02..{YEAR}-03").json
    assert body["period"] == f"{YEAR}-02..{YEAR}-03"
    rows = by_code(body)
    assert rows["31"]["direct_cost"] == "1200.00"
    assert (rows["01"]["received"]["admin"], rows["02"]["received"]["admin"]) == ("300.00", "900.00")
    assert rows["01"]["full_cost"] == "400.00" and rows["01"]["visits"] == "50"
    assert rows["01"]["cost_per_visit"] == "8.00"  # 400.00 all outpatient ÷ 50 visits
    assert report(finance, period=str(YEAR)).json["reconciliation"]["ledger_total"] == "1300.00"
    bad = report(finance, period=f"{YEAR}-03..{YEAR}-02")
    assert bad.status_code == 422 and "period" in bad.json["error"]["fields"]


# ---------------------------------------------------------------------------------------------- errors and scope


def test_a_missing_base_is_a_422_naming_the_base_and_the_class(books, api):
    spend(books, "31", "1000.00", "5101")
    spend(books, "01", "500.00")
    finance = api("finance")
    response = report(finance)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "missing_allocation_base"
    assert "staff" in error["message"] and "人员数" in error["message"]
    assert "行政后勤类" in error["message"] and "31 院办" in error["message"] and MARCH in error["message"]
    assert "drivers" in error["fields"]
    # with the base in place the tech step is next: it has no cost, so revenue is not needed
    assert set_drivers(finance, [("01", "staff", "5")]).status_code == 200
    assert report(finance).status_code == 200
    spend(books, "12", "80.00")
    response = report(finance)
    assert response.status_code == 422 and "revenue" in response.json["error"]["message"]
    assert "医疗技术类" in response.json["error"]["message"]


def test_township_accountant_cannot_read_or_set_the_county_hospital_costs(worked, api):
    accountant = api("accountant")  # 城关镇卫生院 (QH101) only
    response = report(accountant)
    assert response.status_code == 404 and "12000" not in response.get_data(as_text=True)
    assert set_drivers(accountant, [("01", "staff", "99")]).status_code == 403  # a write: refused, not hidden
    assert accountant.get(f"/api/v1/costing/drivers?institution={HOSPITAL}&period={MARCH}").status_code == 404
    assert accountant.get(f"/api/v1/costing/rules?institution={HOSPITAL}").status_code == 404
    assert report(accountant, institution="QH101").status_code == 200  # their own centre is fine
    assert report(worked).json["totals"]["full_cost"] == "27000.00"  # nothing changed
    assert api("auditor").get(f"{REPORT}?institution={HOSPITAL}&period={MARCH}").status_code == 200
    assert set_drivers(api("auditor"), [("01", "staff", "1")]).status_code == 403  # read-only role
    assert report(api("clerk"), institution="QH102").status_code == 403  # no ledger.cost.read


# ---------------------------------------------------------------------------------------------- drivers and plan


def test_drivers_are_exact_validated_and_removable(books, api):
    finance = api("finance")
    assert set_drivers(finance, [("01", "floor_area", "1234.5678"), ("02", "floor_area", 12.5)]).status_code == 200
    listing = finance.get(f"/api/v1/costing/drivers?institution={HOSPITAL}&period={MARCH}&kind=floor_area").json
    assert [(d["department"], d["value"]) for d in listing["items"]] == [("01", "1234.5678"), ("02", "12.5")]
    assert listing["total"] == 2 and listing["items"][0]["kind_title"] == "面积(㎡)"

    def refused(values, field):
        response = set_drivers(finance, values)
        assert response.status_code in (404, 422), response.json
        assert field in response.json["error"]["fields"], response.json
        return response

    refused([("01", "staff", "-1")], "values[0].value")
    refused([("01", "staff", "1"), ("02", "staff", "1.00001")], "values[1].value")
    refused([("01", "outpatient_share", "100.01")], "values[0].value")
    refused([("01", "staff", "abc")], "values[0].value")
    assert refused([("99", "staff", "1")], "values[0].department").status_code == 404
    refused([("01", "head_count", "1")], "values[0].kind")  # schema: unknown kind
    response = set_drivers(finance, [("01", "staff", "1")], period=f"{YEAR}-01..{YEAR}-03")
    assert response.status_code == 422 and "period" in response.json["error"]["fields"]

    # nothing of a refused request was written; null removes a figure
    assert set_drivers(finance, [("01", "floor_area", None), ("02", "floor_area", "12.5")]).json == {
        "institution": HOSPITAL, "period": MARCH, "changed": 0, "deleted": 1}
    listing = finance.get(f"/api/v1/costing/drivers?institution={HOSPITAL}&period={MARCH}").json
    assert [(d["department"], d["kind"], d["value"]) for d in listing["items"]] == [("02", "floor_area", "12.5")]


def test_the_plan_has_defaults_and_can_be_changed_per_class_and_per_department(books, api):
    finance = api("finance")
    plan = finance.get(f"/api/v1/costing/rules?institution={HOSPITAL}").json["rules"]
    assert [(r["from_class"], r["base_kind"], r["default"]) for r in plan] == [
        ("admin", "staff", True), ("medical_support", "workload", True), ("medical_tech", "revenue", True),
        ("clinical", "outpatient_share", True)]

    def put(rules):
        return finance.put("/api/v1/costing/rules", json={"institution": HOSPITAL, "rules": rules})

    response = put([{"from_class": "medical_support", "base_kind": "floor_area"},
                    {"from_class": "admin", "department": "33", "base_kind": "floor_area"},
                    {"from_class": "clinical", "base_kind": "workload"}])
    assert response.status_code == 200, response.json
    assert [(r["from_class"], r["department"], r["base_kind"], r["default"]) for r in response.json["rules"]] == [
        ("admin", None, "staff", True), ("medical_support", None, "floor_area", False),
        ("medical_tech", None, "revenue", True), ("clinical", None, "workload", False),
        ("admin", "33", "floor_area", False)]

    assert put([{"from_class": "admin", "base_kind": "outpatient_share"}]).status_code == 422
    assert put([{"from_class": "clinical", "base_kind": "staff"}]).status_code == 422
    wrong_class = put([{"from_class": "admin", "department": "01", "base_kind": "staff"}])
    assert wrong_class.status_code == 422 and "rules[0].department" in wrong_class.json["error"]["fields"]

    # the override is used: 33 后勤保障科 by floor area, 31 院办 by staff
    spend(books, "31", "100.00", "5101")
    spend(books, "33", "90.00", "5101")
    assert set_drivers(finance, [("01", "staff", "1"), ("02", "staff", "1"), ("01", "floor_area", "2"),
                                 ("02", "floor_area", "1"), ("01", "outpatient_workload", "3"),
                                 ("01", "inpatient_workload", "1")]).status_code == 200
    rows = by_code(report(finance).json)
    assert (rows["01"]["received"]["admin"], rows["02"]["received"]["admin"]) == ("110.00", "80.00")
    # clinical split by workload 3 : 1 → 82.50 / 27.50; 02 has no split figures: a warning, no unit costs
    assert (rows["01"]["outpatient_cost"], rows["01"]["inpatient_cost"]) == ("82.50", "27.50")
    assert rows["02"]["outpatient_cost"] is None
    assert any("02 外科" in w for w in report(finance).json["warnings"])

    # null restores the default
    response = put([{"from_class": "medical_support", "base_kind": None},
                    {"from_class": "admin", "department": "33", "base_kind": None}])
    assert [(r["from_class"], r["base_kind"], r["default"]) for r in response.json["rules"]][:2] == [
        ("admin", "staff", True), ("medical_support", "workload", True)]
    assert len(response.json["rules"]) == 4


# ---------------------------------------------------------------------------------------------- PDF, Excel, web


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
    page = client.get(f"/ledger/costing/?institution={HOSPITAL}&period={MARCH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "15,825.93" in html and "已核对一致" in html and "科室成本报表" in html
    pdf = client.get(f"/ledger/costing/?institution={HOSPITAL}&period={MARCH}&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    grid = client.get(f"/ledger/costing/drivers?institution={HOSPITAL}&period={MARCH}")
    assert grid.status_code == 200
    html = grid.get_data(as_text=True)
    internal = db.session.scalar(select(Department).join(Institution).where(Institution.code == HOSPITAL,
                                                                            Department.code == "01"))
    assert f'name="v-{internal.id}-revenue" value="30000"' in html
    response = client.post("/ledger/costing/drivers", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH,
        f"v-{internal.id}-revenue": "45000", f"v-{internal.id}-visits": ""})
    assert response.status_code == 302
    # 检验科 4,462.96 now by revenue 45,000 : 20,000 → 01 gets 4462.96 × 9/13 = 3089.741… → 3089.74
    rows = by_code(report(worked).json)
    assert rows["01"]["received"]["medical_tech"] == "3089.74" and rows["01"]["visits"] is None
    refused = client.post("/ledger/costing/drivers", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, f"v-{internal.id}-staff": "-3"})
    assert refused.status_code == 422 and "不能为负数" in refused.get_data(as_text=True)

    # the plan form: 医疗辅助 by floor area (nobody has any: the report says so), 33 后勤保障科 by workload
    response = client.post("/ledger/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "rule-admin": "staff",
        "rule-medical_support": "floor_area", "rule-medical_tech": "revenue", "rule-clinical": "outpatient_share",
        "override_department": "33", "override_base": "workload"})
    assert response.status_code == 302
    plan = {(r["from_class"], r["department"]): r["base_kind"]
            for r in api_rules(worked)}
    assert plan[("medical_support", None)] == "floor_area" and plan[("admin", "33")] == "workload"
    page = client.get(f"/ledger/costing/?institution={HOSPITAL}&period={MARCH}")
    assert page.status_code == 422 and "floor_area" in page.get_data(as_text=True)
    refused = client.post("/ledger/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "override_department": "01",
        "override_base": "staff"})
    assert refused.status_code == 422 and "临床服务类" in refused.get_data(as_text=True)
    response = client.post("/ledger/costing/rules", data={
        "csrf_token": csrf_token(html), "institution": HOSPITAL, "period": MARCH, "rule-medical_support": "",
        "remove_override": "33"})
    assert response.status_code == 302 and len(api_rules(worked)) == 4

    menu = client.get("/").get_data(as_text=True)
    assert "科室成本报表" in menu and "成本分摊参数" in menu
    assert web("clerk").get("/ledger/costing/").status_code == 403


def test_openapi_documents_the_costing_endpoints(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/reports/department-costs"]
    assert {"get", "put"} <= set(paths["/api/v1/costing/drivers"])
    assert {"get", "put"} <= set(paths["/api/v1/costing/rules"])


# ---------------------------------------------------------------------------------------------- the arithmetic


def test_allocate_gives_the_remainder_to_the_largest_receiver():
    assert allocate(Decimal("1000.00"), [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(4)), ("d", Decimal(3))]) \
        == {"a": Decimal("111.11"), "b": Decimal("111.11"), "c": Decimal("444.45"), "d": Decimal("333.33")}
    # three equal receivers: the first of equals takes the extra fen
    assert allocate(Decimal("100.00"), [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(1))]) == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    # half-up rounding overshoots (4 × 0.005 → 4 × 0.01): the largest cannot go below zero, so the next gives too
    assert allocate(Decimal("0.02"), [(k, Decimal(1)) for k in "abcd"]) == {
        "a": Decimal("0.00"), "b": Decimal("0.00"), "c": Decimal("0.01"), "d": Decimal("0.01")}
    # a receiver without base never gets the remainder
    assert allocate(Decimal("0.01"), [("none", Decimal(0)), ("x", Decimal(1)), ("y", Decimal(1)),
                                      ("z", Decimal(1))]) == {
        "none": Decimal("0.00"), "x": Decimal("0.01"), "y": Decimal("0.00"), "z": Decimal("0.00")}
    # a credit balance is allocated as a credit
    assert allocate(Decimal("-10.00"), [("a", Decimal(1)), ("b", Decimal(2))]) == {
        "a": Decimal("-3.33"), "b": Decimal("-6.67")}
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [("a", Decimal(0))])


fen = st.integers(min_value=0, max_value=10**11).map(lambda units: Decimal(units).scaleb(-2))
small_fen = st.integers(min_value=0, max_value=500).map(lambda units: Decimal(units).scaleb(-2))
positive_base = st.integers(min_value=1, max_value=10**9).map(lambda units: Decimal(units).scaleb(-4))


@settings(max_examples=300, deadline=None)
@given(amount=st.one_of(fen, small_fen), weights=st.lists(st.one_of(positive_base, st.just(Decimal(0))),
                                                         min_size=1, max_size=30))
def test_allocate_conserves_and_never_goes_negative(amount, weights):
    if not any(weights):
        weights[0] = Decimal(1)
    shares = allocate(amount, list(enumerate(weights)))
    assert sum(shares.values()) == amount
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares.values())
    assert all(shares[i] == 0 for i, weight in enumerate(weights) if not weight)


CLASSES = [CostClass.ADMIN, CostClass.MEDICAL_SUPPORT, CostClass.MEDICAL_TECH, CostClass.CLINICAL]


@st.composite
def hospitals(draw):
    counts = [draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(1, 5))]
    centres, number = [], 0
    for cost_class, count in zip(CLASSES, counts):
        for _ in range(count):
            number += 1
            centres.append(CostCentre(number, f"{number:02d}", f"科室{number}", cost_class))
    direct = {c.id: draw(st.one_of(fen, small_fen)) for c in centres}
    bases = {(c.id, kind): draw(positive_base) for c in centres for kind in costing.ALLOCATION_BASES}
    kinds = {c.id: draw(st.sampled_from(costing.ALLOCATION_BASES)) for c in centres}
    return centres, direct, bases, kinds


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hospitals())
def test_step_down_conserves_the_total_to_the_fen_and_never_gives_a_negative_amount(hospital):
    centres, direct, bases, kinds = hospital
    result = step_down(centres, direct, base_kind_of=lambda c: kinds[c.id],
                       base_value=lambda department_id, kind: bases[(department_id, kind)])
    total = sum(direct.values())
    assert sum(result.full_cost(c.id) for c in centres) == total
    for step in result.steps:
        assert sum(share.amount for share in step.shares) == step.amount
        assert all(share.amount >= 0 for share in step.shares)
    for centre in centres:
        assert all(amount >= 0 for amount in result.received.get(centre.id, {}).values())
        if centre.cost_class is CostClass.CLINICAL:
            assert result.full_cost(centre.id) >= direct[centre.id]
        else:
            assert result.full_cost(centre.id) == 0  # everything passed on down the steps
