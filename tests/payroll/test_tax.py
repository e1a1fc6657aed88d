"""个人所得税: the worked example of PAYROLL.md §1 to the fen, mid-year joiners, the annual bonus (§2)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erp.core.extensions import db
from erp.payroll.services import (CumulativeState, MonthFigures, bonus_tax, compare_bonus, cumulative_tables,
                                  cumulative_withholding, monthly_table, parameters_in_force)

D = Decimal


@pytest.fixture
def tables(demo):
    parameters = parameters_in_force(db.session, demo.id, date(2026, 1, 1))
    table, basic = cumulative_tables(parameters)
    return table, basic, monthly_table(parameters)


def test_the_worked_example_of_payroll_md_to_the_fen(tables):
    table, basic, _ = tables
    months = [MonthFigures(D("18000.00"), D("3200.00"), D("2500.00"))] * 6
    results = cumulative_withholding(table, basic, 1, months)
    assert [r.tax for r in results] == [D("219.00")] * 4 + [D("254.00"), D("730.00")]
    assert results[4].cumulative_taxable == D("36500.00") and results[4].rate == D("0.10")
    assert results[4].quick_deduction == D("2520")


def test_a_mid_year_joiner_counts_months_from_joining(tables):
    table, basic, _ = tables
    # joins in July: the first month has one 5,000 deduction, not seven
    results = cumulative_withholding(table, basic, 7, [MonthFigures(D("12000.00"), D("1000.00"))] * 6)
    assert [r.month for r in results] == [7, 8, 9, 10, 11, 12]
    assert results[0].n == 1 and results[0].cumulative_taxable == D("6000.00") and results[0].tax == D("180.00")
    # cumulative 36,000 in December: still 3% (the bracket includes its bound)
    assert results[5].cumulative_taxable == D("36000.00") and results[5].rate == D("0.03")
    assert sum(r.tax for r in results) == D("1080.00")


def test_a_month_of_lower_pay_withholds_nothing_rather_than_refunding(tables):
    table, basic, _ = tables
    months = [MonthFigures(D("30000.00")), MonthFigures(D("0.00")), MonthFigures(D("8000.00"))]
    results = cumulative_withholding(table, basic, 1, months)
    # Jan 25,000 × 3% = 750; Feb cumulative 20,000 → due 600 < withheld 750: 0; Mar 23,000 → 690: still 0
    assert [r.tax for r in results] == [D("750.00"), D("0.00"), D("0.00")]
    assert results[2].due_to_date == D("690.00") and results[2].withheld_before == D("750.00")


def test_a_leaver_s_tax_stops_with_the_last_month_and_rounds_half_up(tables):
    table, basic, _ = tables
    results = cumulative_withholding(table, basic, 1, [MonthFigures(D("5016.83"))] * 2)
    # 16.83 × 3% = 0.5049 → 0.50; cumulative 33.66 × 3% = 1.0098 → 1.01 → second month 0.51
    assert [r.tax for r in results] == [D("0.50"), D("0.51")]


@pytest.mark.parametrize("amount, tax, rate", [
    ("36000.00", "1080.00", "0.03"),  # exactly 3,000 a month: still 3%
    ("36000.12", "3390.01", "0.10"),  # just over: 10% − 210 (the cliff of separate taxation)
    ("120000.00", "11790.00", "0.10"),
    ("500000.00", "145590.00", "0.30"),  # 41,666.67 a month: 30% − 4,410
    ("1000000.00", "434840.00", "0.45"),
    ("0.00", "0.00", "0.03"),
])
def test_the_annual_bonus_is_taxed_on_its_own_with_the_quick_deduction_once(tables, amount, tax, rate):
    _, _, monthly = tables
    result = bonus_tax(monthly, D(amount))
    assert result.tax == D(tax) and result.rate == D(rate)


def test_both_figures_of_a_bonus_are_shown(tables):
    table, basic, monthly = tables
    before = CumulativeState(n=11, income=D("110000.00"), deductions=D("0.00"), withheld=D("1650.00"))
    comparison = compare_bonus(table, monthly, basic, before, 12, MonthFigures(D("10000.00")), D("24000.00"))
    # separate: Dec wage tax 60,000 × 10% − 2,520 − 1,650 = 1,830; bonus 24,000 × 3% = 720
    assert comparison.separate_wage_tax == D("1830.00") and comparison.separate_bonus.tax == D("720.00")
    # merged: 84,000 × 10% − 2,520 − 1,650 = 4,230
    assert comparison.merged_total == D("4230.00") and comparison.better == "separate"


def test_the_tax_api_answers_the_worked_example(demo, api):
    hr = api("hr")
    response = hr.post("/api/v1/payroll/tax/cumulative", json={"start_month": 1, "months": [
        {"income": "18000.00", "special": "3200.00", "additional": "2500.00", "other": "0"}] * 6})
    assert response.status_code == 200, response.json
    assert [m["tax"] for m in response.json["months"]] == ["219.00"] * 4 + ["254.00", "730.00"]
    may = response.json["months"][4]
    assert (may["month"], may["cumulative_taxable"], may["rate"], may["quick_deduction"]) == (
        5, "36500.00", "0.10", "2520.00")
    bonus = hr.post("/api/v1/payroll/tax/annual-bonus", json={"amount": "36000.12"})
    assert bonus.json["tax"] == "3390.01" and bonus.json["quick_deduction"] == "210.00"


@pytest.mark.parametrize("body, field", [
    ({"start_month": 11, "months": [{"income": "1.00"}] * 3}, "months"),
    ({"start_month": 13, "months": [{"income": "1.00"}]}, "start_month"),
    ({"start_month": 1, "months": [{"income": "-1.00"}]}, "months"),
    ({"start_month": 1, "months": [{"income": "1.001"}]}, "months"),
])
def test_bad_tax_input_is_refused_naming_the_field(demo, api, body, field):
    response = api("hr").post("/api/v1/payroll/tax/cumulative", json=body)
    assert response.status_code == 422 and any(key.startswith(field) for key in response.json["error"]["fields"])


def test_the_tax_calculator_page_shows_the_months_and_both_bonus_figures(demo, web):
    from tests.conftest import csrf_token

    client = web("hr")
    page = client.get("/payroll/tax-calculator").get_data(as_text=True)
    response = client.post("/payroll/tax-calculator", data={
        "csrf_token": csrf_token(page), "year": "2026", "start_month": "1", "months": "6", "income": "18000.00",
        "special": "3200.00", "additional": "2500.00", "other": "0", "bonus": "36000.00", "bonus_month": "6"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "254.00" in html and "730.00" in html
    # June: separate 730.00 + bonus 1,080.00 = 1,810.00; merged: (43,800 + 36,000) × 10% − 2,520 − 1,130 = 4,330.00
    assert "1,810.00" in html and "4,330.00" in html and "单独计税" in html


def test_the_tax_calculator_names_a_bad_amount(demo, web):
    from tests.conftest import csrf_token

    client = web("hr")
    page = client.get("/payroll/tax-calculator").get_data(as_text=True)
    response = client.post("/payroll/tax-calculator", data={
        "csrf_token": csrf_token(page), "year": "2026", "start_month": "1", "months": "1", "income": "12.345"})
    assert response.status_code == 422 and "小数" in response.get_data(as_text=True)
