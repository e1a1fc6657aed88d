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

import re

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.ledger.services.chart import add_detail_account
from erp.ledger.models import Account, Balance, VoucherKind
from erp.ledger.services.posting import Ledger, LineInput, VoucherInput
from erp.ledger.services.review import review
from tests.costing.conftest import HOSPITAL, MARCH, REPORT, by_code, report, set_drivers, spend
from tests.ledger.conftest import YEAR


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
    closing = ledger.create_draft(data, kind=VoucherKind.CLOSING)
    review(db.session, books.user("finance"), closing)
    ledger.post(closing)
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
    # the page shows this message in the Chinese UI: no English besides the base's code
    assert not re.search(r"[A-Za-z]{3,}", error["message"].replace("(staff)", ""))
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
    assert report(api("clerk"), institution="QH102").status_code == 403  # no costing.read
