"""Every statement of 政府会计制度 and the hospital supplement with real numbers: the worked examples of
ACCOUNTING.md at the township centre QH101 (see test_reports), plus vouchers each statement needs, checked
line by line and against the trial balance and the other statements."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from erp.core.extensions import db
from erp.ledger.services.posting import Ledger
from tests.ledger.conftest import YEAR
from tests.ledger.test_reports import (CENTRE, MAR, MARCH, OUTPATIENT, SUPPLIER, check_statement_files, pdftext,
                                       post_other_members, post_worked_examples, rows_by_account)


def statement(client, name: str, period: str = MARCH, institution: str = CENTRE) -> dict:
    response = client.get(f"/api/v1/reports/{name}?institution={institution}&period={period}")
    assert response.status_code == 200, response.json
    return response.json


def by_key(body: dict) -> dict[str, dict]:
    return {row["key"]: row for row in body["rows"]}


@pytest.fixture
def examples(books):
    vouchers = post_worked_examples(books)
    post_other_members(books)
    return vouchers


# ------------------------------------------------------------------------------------------- 资产负债表


def test_balance_sheet_is_two_sided_with_period_end_first(examples, api):
    body = statement(api("finance"), "balance-sheet")
    assert [c["key"] for c in body["columns"]] == ["period_end", "year_start"]
    assert [c["label"] for c in body["columns"]] == ["期末余额", "年初余额"]
    assert body["layout"] == "two-sided"
    left, right = {r["key"]: r for r in body["left"]}, {r["key"]: r for r in body["right"]}
    assert left["cash"]["period_end"] == "171000.00" and left["fixed_assets"]["period_end"] == "197000.00"
    assert "cash" not in right and "payroll_payable" in right and "accumulated_surplus" in right
    assert list(left)[-1] == "assets" and list(right)[-1] == "liabilities_and_net_assets"
    assert left["assets"]["period_end"] == right["liabilities_and_net_assets"]["period_end"] == "368000.00"
    # ties to the trial balance: assets = the debit-side closing of 1xxx less the contra accounts
    tb = rows_by_account(statement(api("finance"), "trial-balance"))
    assets = sum(Decimal(tb[c]["closing_debit"]) - Decimal(tb[c]["closing_credit"]) for c in tb
                 if len(c) == 4 and c.startswith("1"))
    assert Decimal(left["assets"]["period_end"]) == assets


def test_balance_sheet_pdf_and_excel_put_the_sides_next_to_each_other(examples, api, tmp_path):
    client = api("finance")
    text = pdftext(client.get(f"/api/v1/reports/balance-sheet?institution={CENTRE}&period={MARCH}&format=pdf").data,
                   tmp_path)
    line = next(line for line in text.splitlines() if "货币资金" in line)
    assert "171,000.00" in line and "短期借款" in line  # the first asset beside the first liability
    assert text.index("期末余额") < text.index("年初余额")
    sheet = openpyxl.load_workbook(BytesIO(client.get(f"/api/v1/reports/balance-sheet?institution={CENTRE}"
                                                      f"&period={MARCH}&format=xlsx").data)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if row and "期末余额" in row)
    assert [cell for cell in header if cell] == ["资产", "期末余额", "年初余额", "负债和净资产", "期末余额", "年初余额"]
    cash = next(row for row in rows if row and row[0] and "货币资金" in str(row[0]))
    assert cash[1] == 171000 and "短期借款" in str(cash[3])
    total = next(row for row in rows if row and row[0] and "资产总计" in str(row[0]))
    assert total[1] == 368000


# ------------------------------------------------------------------------------------------- 净资产变动表


def test_net_assets_changes_with_special_funds(examples, books, api):
    books.enter(CENTRE, [("5001", "1200.00", "0", OUTPATIENT), ("310102", "0", "1200.00")], on=MAR,
                memo="提取医疗风险基金")
    books.enter(CENTRE, [("3001", "2000.00"), ("310101", "0", "2000.00")], on=MAR, memo="从累计盈余提取职工福利基金")
    books.enter(CENTRE, [("310101", "500.00"), ("1002", "0", "500.00")], on=MAR, memo="职工福利支出")
    client = api("finance")
    body = statement(client, "net-assets-changes")
    assert body["form"] == "会政财03表"
    assert [c["key"] for c in body["columns"]] == ["accumulated", "special_funds", "equity", "total"]
    rows = by_key(body)
    assert rows["last_year_end"]["total"] == "0.00"
    assert rows["surplus"]["accumulated"] == "366800.00"  # 431,000 − 63,000 − 1,200
    assert (rows["provided"]["accumulated"], rows["provided"]["special_funds"]) == ("-2000.00", "3200.00")
    assert rows["provided.from_revenue"]["special_funds"] == "1200.00"
    assert rows["provided.from_surplus"]["special_funds"] == "2000.00"
    assert rows["used"]["special_funds"] == "-500.00"
    assert rows["collected"]["accumulated"] == "0.00"
    assert rows["changes"]["total"] == "367500.00"
    assert (rows["year_end"]["accumulated"], rows["year_end"]["special_funds"]) == ("364800.00", "2700.00")
    # ties: the year end is the balance sheet's 净资产合计, 本年盈余 the income statement's
    sheet = by_key(statement(client, "balance-sheet"))
    assert rows["year_end"]["total"] == sheet["net_assets"]["period_end"] == "367500.00"
    assert rows["surplus"]["accumulated"] == by_key(statement(client, "income-statement"))["surplus"]["ytd"]
    assert body["checks"]["ties"] is True


# ------------------------------------------------------------------------------------------- 现金流量表


def test_cash_flow_from_the_counter_accounts_ties_to_the_cash_balances(examples, api):
    client = api("finance")
    body = statement(client, "cash-flow")
    assert body["form"] == "会政财04表"
    rows = by_key(body)
    # March: outpatient cash 1,000 (revenue), supplier paid 10,000 (应付账款), equipment 200,000 (固定资产)
    assert (rows["business"]["period"], rows["business"]["ytd"]) == ("1000.00", "81000.00")
    assert (rows["fiscal_basic"]["period"], rows["fiscal_basic"]["ytd"]) == ("0.00", "300000.00")
    assert rows["goods"]["period"] == "10000.00" and rows["capex"]["period"] == "200000.00"
    assert rows["operating.net"]["period"] == "-9000.00" and rows["investing.net"]["period"] == "-200000.00"
    assert (rows["net_increase"]["period"], rows["net_increase"]["ytd"]) == ("-209000.00", "171000.00")
    # ties: the net increase is the change of 1001 + 1002 + 1011 in the trial balance
    tb = rows_by_account(statement(client, "trial-balance"))
    change = sum(Decimal(tb[c]["period_debit"]) - Decimal(tb[c]["period_credit"]) for c in ("1001", "1002", "1011"))
    assert Decimal(rows["net_increase"]["period"]) == change
    assert body["checks"]["ties"] is True


def test_cash_flow_items_given_on_lines_transfers_and_red_reversals(examples, books, api):
    books.enter(CENTRE, [("1002", "5000.00", "0", {"cash_flow_item": "other_in"}), ("2307", "0", "5000.00", SUPPLIER)],
                on=MAR, memo="收取押金")
    books.enter(CENTRE, [("1001", "2000.00"), ("1002", "0", "2000.00")], on=MAR, memo="提取现金")
    books.enter(CENTRE, [("1002", "3000.00"), ("1001", "0", "700.00"), ("4101010105", "0", "2300.00")], on=MAR,
                memo="存入现金及治疗收入")
    Ledger(db.session, books.user("chief")).reverse(examples["outpatient"], on=MAR)
    db.session.commit()
    rows = by_key(statement(api("finance"), "cash-flow"))
    assert rows["other_in"]["period"] == "5000.00"  # the line's own item
    # 1,000 outpatient cash, reversed (−1,000), plus 2,300 of the mixed voucher (its 700 is a transfer)
    assert rows["business"]["period"] == "2300.00"
    assert rows["net_increase"]["period"] == "-202700.00"  # −209,000 + 5,000 deposit + 2,300 − 1,000 reversed
    body = statement(api("finance"), "cash-flow")
    assert body["checks"]["ties"] is True


def voucher_body(*lines: dict) -> dict:
    return {"institution": CENTRE, "date": f"{YEAR}-03-15", "lines": list(lines)}


def test_a_transfer_between_cash_accounts_is_no_cash_flow_even_with_an_item(examples, books, api):
    before = by_key(statement(api("finance"), "cash-flow"))
    books.enter(CENTRE, [("1001", "2000.00", "0", {"cash_flow_item": "other_in"}),
                         ("1002", "0", "2000.00", {"cash_flow_item": "other_out"})], on=MAR, memo="提取现金")
    db.session.commit()
    body = statement(api("finance"), "cash-flow")
    rows = by_key(body)
    assert rows["other_in"]["period"] == before["other_in"]["period"] == "0.00"
    assert rows["other_out"]["period"] == "0.00" and rows["net_increase"]["period"] == "-209000.00"
    assert body["checks"]["ties"] is True


def test_a_cash_flow_item_is_checked(books, api):
    client = api("finance")
    body = voucher_body({"account": "1001", "debit": "10.00", "cash_flow_item": "nonsense"},
                        {"account": "4101010101", "credit": "10.00"})
    response = client.post("/api/v1/vouchers", json=body)
    assert response.status_code in (400, 422) and "lines[0].cash_flow_item" in str(response.json)
    body["lines"][0]["cash_flow_item"] = "business"
    body["lines"][1]["cash_flow_item"] = "business"  # not a cash line
    response = client.post("/api/v1/vouchers", json=body)
    assert response.status_code in (400, 422) and "lines[1].cash_flow_item" in str(response.json)
    body["lines"][1].pop("cash_flow_item")
    response = client.post("/api/v1/vouchers", json=body)
    assert response.status_code == 201, response.json
    assert response.json["lines"][0]["cash_flow_item"] == "business"


def test_a_cash_flow_item_goes_the_lines_way(examples, api):
    # 支付给职工 (an outflow) on cash received would print as a negative payment: refused, the field named
    client = api("finance")
    body = voucher_body({"account": "1002", "debit": "2345.67", "cash_flow_item": "staff"},
                        {"account": "4101010101", "credit": "2345.67"})
    response = client.post("/api/v1/vouchers", json=body)
    assert response.status_code == 422 and response.json["error"]["code"] == "cash_flow_item"
    assert list(response.json["error"]["fields"]) == ["lines[0].cash_flow_item"]
    paid = voucher_body({"account": "2201", "debit": "2345.67"},
                        {"account": "1002", "credit": "2345.67", "cash_flow_item": "business"})
    response = client.post("/api/v1/vouchers", json=paid)
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["lines[1].cash_flow_item"]
    # the right way round both are taken, and a 红字 reversal of the payment lowers the same item
    before = by_key(statement(client, "cash-flow"))["staff"]["period"]
    paid["lines"][1]["cash_flow_item"] = "staff"
    response = client.post("/api/v1/vouchers", json=paid)
    assert response.status_code == 201, response.json
    voucher_id = response.json["id"]
    chief = api("chief")
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 200
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/post").status_code == 200
    rows = by_key(statement(client, "cash-flow"))
    assert Decimal(rows["staff"]["period"]) - Decimal(before) == Decimal("2345.67")
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/reverse", json={"date": f"{YEAR}-03-20"}).status_code == 201
    rows = by_key(statement(client, "cash-flow"))
    assert rows["staff"]["period"] == before and statement(client, "cash-flow")["checks"]["ties"] is True


# ------------------------------------------------------------------------------------------- budget statements


def post_fiscal(books) -> None:
    """Fiscal money for 基本支出 (F01) and for the project P002 (F02), part spent."""
    basic, project = {"funding_source": "F01"}, {"funding_source": "F02", "project": "P002"}
    books.enter(CENTRE, [("1011", "100000.00", "0", basic), ("4001", "0", "100000.00", basic)], on=MAR)
    books.enter(CENTRE, [("1011", "60000.00", "0", {**project, "cash_flow_item": "fiscal_capital"}),
                         ("4001", "0", "60000.00", project)], on=MAR)
    books.enter(CENTRE, [("1601", "45000.00", "0", {"project": "P002"}), ("1011", "0", "45000.00", project)], on=MAR)
    books.enter(CENTRE, [("5001", "30000.00", "0", {**OUTPATIENT, **basic}), ("1011", "0", "30000.00", basic)],
                on=MAR)


def test_fiscal_appropriation_by_basic_and_project(books, api):
    post_fiscal(books)
    body = statement(api("finance"), "fiscal-appropriation")
    assert body["form"] == "会政预03表"
    rows = by_key(body)
    assert (rows["basic"]["revenue"], rows["basic"]["expenditure"], rows["basic"]["year_end"]) == (
        "100000.00", "30000.00", "70000.00")
    project = next(row for row in body["rows"] if row["key"].startswith("project."))
    assert "P002" in project["label"]
    assert (project["revenue"], project["expenditure"], project["year_end"]) == ("60000.00", "45000.00", "15000.00")
    assert rows["total"]["year_end"] == "85000.00" and body["checks"]["ties"] is True
    flow = by_key(statement(api("finance"), "cash-flow"))
    assert flow["fiscal_capital"]["period"] == "60000.00" and flow["fiscal_basic"]["period"] == "100000.00"
    assert flow["capex"]["period"] == "45000.00" and flow["goods"]["period"] == "30000.00"


def test_budget_carryover_ties_to_the_fund_balance(books, api):
    post_fiscal(books)
    post_worked_examples(books)
    client = api("finance")
    body = statement(client, "budget-carryover")
    assert body["form"] == "会政预02表"
    rows = by_key(body)
    # fiscal: 85,000 of the F01/F02 money plus the worked examples' 350,000 of 6001 (their spending is untagged)
    assert rows["fiscal.difference"]["ytd"] == "435000.00"
    assert rows["other.difference"]["ytd"] == "-179000.00"  # 81,000 revenue − 260,000 expenditure
    assert rows["closing.fiscal.carryover"]["ytd"] == "435000.00"
    assert rows["closing.other.carryover"]["ytd"] == "-179000.00"
    assert rows["closing"]["ytd"] == "256000.00" == rows["fund_balance"]["ytd"]
    tb = rows_by_account(client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}"
                                    f"&basis=budget").json)
    assert tb["8001"]["closing_debit"] == "256000.00"
    budget = by_key(statement(client, "budget-statement"))
    assert Decimal(budget["budget_surplus"]["ytd"]) == Decimal(rows["changes"]["ytd"])
    assert body["checks"]["ties"] is True


# ------------------------------------------------------------------------------------------- 医疗活动收入费用明细表


def test_medical_revenue_and_expense_by_nature(examples, api):
    body = statement(api("finance"), "medical-revenue-expense")
    rows = by_key(body)
    assert rows["revenue.medical"]["ytd"] == "81000.00"
    assert rows["revenue.outpatient.treatment"]["ytd"] == "80400.00"
    assert rows["revenue.outpatient.western"]["period"] == "600.00"
    assert rows["expense.business"]["ytd"] == "63000.00"
    assert rows["expense.business.personnel"]["ytd"] == "50000.00"  # salaries accrued (2201)
    assert (rows["expense.business.drugs"]["period"], rows["expense.business.depreciation"]["period"]) == (
        "10000.00", "3000.00")
    assert rows["expense.business.other"]["ytd"] == "0.00"
    income = by_key(statement(api("finance"), "income-statement"))
    assert rows["expense"]["ytd"] == income["expense"]["ytd"]
    assert body["checks"]["ties"] is True


# ------------------------------------------------------------------------------------------- files and pages


@pytest.mark.parametrize("name, title, amount", [
    ("net-assets-changes", "净资产变动表", "368,000.00"),
    ("cash-flow", "现金流量表", "-209,000.00"),
    ("budget-carryover", "预算结转结余变动表", "171,000.00"),
    ("fiscal-appropriation", "财政拨款预算收入支出表", "350,000.00"),
    ("medical-revenue-expense", "医疗活动收入费用明细表", "81,000.00"),
])
def test_new_statements_as_pdf_excel_and_page(examples, api, web, tmp_path, name, title, amount):
    check_statement_files(api("finance"), name, title, amount, tmp_path)
    client = web("finance")
    page = client.get(f"/ledger/reports/statements/{name}?institution={CENTRE}&period={MARCH}")
    assert page.status_code == 200 and amount in page.get_data(as_text=True)
    assert f"/ledger/reports/statements/{name}" in client.get("/ledger/reports/").get_data(as_text=True)


NEW_STATEMENTS = ("net-assets-changes", "cash-flow", "budget-carryover", "fiscal-appropriation",
                  "medical-revenue-expense")


def test_new_statements_keep_to_the_users_scope_and_consolidate(examples, api):
    accountant = api("accountant")  # the township centre's accountant
    for name in NEW_STATEMENTS:
        assert accountant.get(f"/api/v1/reports/{name}?institution=QH001&period={MARCH}").status_code == 404, name
        assert accountant.get(f"/api/v1/reports/{name}?community=QH&period={MARCH}").status_code == 403, name
        whole = api("finance").get(f"/api/v1/reports/{name}?community=QH&period={MARCH}")
        assert whole.status_code == 200 and whole.json["checks"]["ties"] is True, (name, whole.json)
    flow = by_key(api("finance").get(f"/api/v1/reports/cash-flow?community=QH&period={MARCH}").json)
    # QH101's March −209,000, QH001's inpatient 500,000 in and 7,777.77 paid, QH102's 2,000 registration fees
    assert flow["net_increase"]["period"] == "285222.23"
    assert flow["business"]["period"] == "503000.00" and flow["goods"]["period"] == "17777.77"


def test_a_closed_months_statements_print_the_anchor_digest(books, web, tmp_path):
    from erp.core.chain import anchor_digest
    from tests.ledger.test_anchors import read_checkpoints

    books.enter(CENTRE, [("1001", "900.00"), ("4101010105", "0", "900.00")], on=date(YEAR - 1, 11, 5))
    books.close_last_year(CENTRE)
    close = [a for a in read_checkpoints() if a["reason"] == "period_closed" and a["period"] == f"{YEAR - 1}-11"][-1]
    digest = anchor_digest(close)
    client = web("finance")
    for name in ("balance-sheet", *NEW_STATEMENTS):
        url = f"/ledger/reports/statements/{name}?institution={CENTRE}&period={YEAR - 1}-11"
        assert f"<code>{digest}</code>" in client.get(url).get_data(as_text=True), name
        assert f"结账检查点 {digest}" in " ".join(pdftext(client.get(url + "&format=pdf").data, tmp_path).split()), name


def test_the_entry_grid_takes_a_cash_flow_item(books, web):
    from tests.ledger.test_views import enter, voucher_id, vouchers

    finance = web("finance")
    page = finance.get("/ledger/vouchers/new").get_data(as_text=True)
    assert 'name="line_cash_flow_item"' in page and '<option value="business">' in page and "现金流量项目" in page
    lines = [{"account": "1002", "debit": "300.00", "cash_flow_item": "other_in"},
             {"account": "2307", "credit": "300.00", "partner": "S001"}]
    voucher_id(enter(finance, lines))
    [draft] = vouchers()
    assert [line.cash_flow_item for line in draft.lines] == ["other_in", None]
    edit = finance.get(f"/ledger/vouchers/{draft.id}/edit").get_data(as_text=True)
    assert 'value="other_in"' in edit
    shown = finance.get(f"/ledger/vouchers/{draft.id}").get_data(as_text=True)
    assert "现金流量项目：收到的其他与日常活动有关的现金" in shown
    refused = enter(finance, [{**lines[0], "cash_flow_item": "nonsense"}, lines[1]])
    assert refused.status_code == 200 and "现金流量项目 nonsense 不存在" in refused.get_data(as_text=True)


def test_an_imported_sheet_may_carry_cash_flow_items(books, web):
    from tests.ledger.test_voucher_import import TITLES, all_vouchers, page_errors, row, upload, workbook

    titles = TITLES + ["现金流量项目"]
    rows = [row(1, "1002", 5000.0, institution="QH101", on=MAR, memo="收取押金") + ["other_in"],
            row(1, "2307", None, 5000.0, partner="S001") + [None]]
    response = upload(web("finance"), workbook(rows, titles))
    assert response.status_code == 302, response.get_data(as_text=True)
    [voucher] = all_vouchers()
    assert [line.cash_flow_item for line in voucher.lines] == ["other_in", None]
    rows[0][-1] = "nonsense"
    refused = upload(web("finance"), workbook(rows, titles)).get_data(as_text=True)
    assert ("2", "现金流量项目", "现金流量项目 nonsense 不存在 (unknown cash-flow item)") in page_errors(refused)
