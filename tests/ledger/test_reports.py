"""Books and statements with real numbers: the worked examples of ACCOUNTING.md posted for a township
health centre (QH101), plus a few vouchers of the lead hospital (QH001) and another centre (QH102) that must
never show up in QH101's reports."""
from __future__ import annotations

import re
import subprocess
import time
from datetime import date
from decimal import Decimal
from io import BytesIO
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.ledger import reports
from erp.ledger.models import Voucher
from tests.ledger.conftest import YEAR

CENTRE = "QH101"
MARCH = f"{YEAR}-03"
FEB, MAR = date(YEAR, 2, 10), date(YEAR, 3, 15)
OUTPATIENT = {"department": "01"}
ADMIN = {"department": "31"}
SUPPLIER = {"partner": "S001"}
AMOUNTS = reports.AMOUNT_KEYS


def post_worked_examples(books) -> dict[str, Voucher]:
    """February: fiscal quota, treatment revenue banked, salaries accrued. March: the seven examples."""
    books.enter(CENTRE, [("1011", "300000.00"), ("4001", "0", "300000.00")], on=FEB, memo="财政授权支付额度到账")
    books.enter(CENTRE, [("1002", "80000.00"), ("4101010105", "0", "80000.00")], on=FEB, memo="治疗收入存入银行")
    books.enter(CENTRE, [("5001", "50000.00", "0", OUTPATIENT), ("2201", "0", "50000.00")], on=FEB, memo="计提工资")
    vouchers = {
        "outpatient": books.enter(CENTRE, [("1001", "1000.00"), ("410101010801", "0", "600.00"),
                                           ("4101010105", "0", "400.00")], on=MAR, memo="门诊收费"),
        "drugs_bought": books.enter(CENTRE, [("130201", "10000.00"), ("2302", "0", "10000.00", SUPPLIER)], on=MAR,
                                    memo="赊购药品"),
        "drugs_issued": books.enter(CENTRE, [("5001", "10000.00", "0", OUTPATIENT), ("130201", "0", "10000.00")],
                                    on=MAR, memo="发出药品"),
        "supplier_paid": books.enter(CENTRE, [("2302", "10000.00", "0", SUPPLIER), ("1002", "0", "10000.00")],
                                     on=MAR, memo="支付药款"),
        "equipment": books.enter(CENTRE, [("1601", "200000.00"), ("1011", "0", "200000.00")], on=MAR,
                                 memo="购置设备", attachment_count=3),
        "salaries": books.enter(CENTRE, [("2201", "50000.00"), ("4001", "0", "50000.00")], on=MAR,
                                memo="财政直接支付工资"),
        "depreciation": books.enter(CENTRE, [("5001", "3000.00", "0", ADMIN), ("1602", "0", "3000.00")], on=MAR,
                                    memo="计提折旧"),
    }
    return vouchers


def post_other_members(books) -> None:
    books.enter("QH001", [("1002", "500000.00"), ("4101010201", "0", "500000.00")], on=MAR, memo="住院结算")
    books.enter("QH001", [("5001", "7777.77", "0", OUTPATIENT), ("1002", "0", "7777.77")], on=MAR, memo="水电费")
    books.enter("QH102", [("1001", "2000.00"), ("4101010101", "0", "2000.00")], on=MAR, memo="挂号费")


@pytest.fixture
def examples(books):
    vouchers = post_worked_examples(books)
    post_other_members(books)
    return vouchers


def rows_by_account(body: dict) -> dict[str, dict]:
    return {row["account"]: row for row in body["rows"]}


def amounts(row: dict) -> tuple[str, ...]:
    return tuple(row[key] for key in AMOUNTS)


def pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# ------------------------------------------------------------------------------------------- 科目余额表


def test_trial_balance_rows_roll_up_from_leaves_to_top_accounts(examples, api):
    response = api("finance").get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}")
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"rows", "totals"}
    assert set(body["rows"][0]) == {"account", "name", *AMOUNTS}
    rows = rows_by_account(body)
    #                       opening D/C              period D/C              closing D/C
    assert amounts(rows["1001"]) == ("0.00", "0.00", "1000.00", "0.00", "1000.00", "0.00")
    assert amounts(rows["1002"]) == ("80000.00", "0.00", "0.00", "10000.00", "70000.00", "0.00")
    assert amounts(rows["1011"]) == ("300000.00", "0.00", "0.00", "200000.00", "100000.00", "0.00")
    assert amounts(rows["1302"]) == amounts(rows["130201"]) == ("0.00", "0.00", "10000.00", "10000.00", "0.00",
                                                                  "0.00")
    assert amounts(rows["1602"]) == ("0.00", "0.00", "0.00", "3000.00", "0.00", "3000.00")
    assert amounts(rows["2201"]) == ("0.00", "50000.00", "50000.00", "0.00", "0.00", "0.00")
    assert amounts(rows["4001"]) == ("0.00", "300000.00", "0.00", "50000.00", "0.00", "350000.00")
    # 4101 事业收入 = 410101 = 41010101 = 治疗收入 (80,000 + 400) + 药品收入 → 西药收入 (600)
    for parent in ("4101", "410101", "41010101"):
        assert amounts(rows[parent]) == ("0.00", "80000.00", "0.00", "1000.00", "0.00", "81000.00"), parent
    assert amounts(rows["4101010105"]) == ("0.00", "80000.00", "0.00", "400.00", "0.00", "80400.00")
    assert amounts(rows["4101010108"]) == amounts(rows["410101010801"]) == ("0.00", "0.00", "0.00", "600.00",
                                                                             "0.00", "600.00")
    assert amounts(rows["5001"]) == ("50000.00", "0.00", "13000.00", "0.00", "63000.00", "0.00")
    assert rows["4101"]["name"] == "事业收入" and rows["410101010801"]["name"] == "西药收入"
    # the other members' accounts never appear in QH101's trial balance
    assert "4101010201" not in rows and "4101010101" not in rows and "41010102" not in rows
    assert not any(code.startswith(("6", "7", "8")) for code in rows)  # financial basis by default
    # parents come right before their sub-accounts
    codes = [row["account"] for row in body["rows"]]
    assert codes.index("4101") < codes.index("410101") < codes.index("41010101") < codes.index("4101010105")
    assert body["totals"] == {"opening_debit": "430000.00", "opening_credit": "430000.00",
                              "period_debit": "284000.00", "period_credit": "284000.00",
                              "closing_debit": "434000.00", "closing_credit": "434000.00"}


def test_budget_basis_balances_on_its_own(examples, api):
    body = api("finance").get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}"
                              f"&basis=budget").json
    rows = rows_by_account(body)
    assert set(rows) == {"6001", "6101", "610101", "61010101", "7201", "8001"}
    assert amounts(rows["8001"]) == ("380000.00", "0.00", "1000.00", "210000.00", "171000.00", "0.00")
    assert amounts(rows["7201"]) == ("0.00", "0.00", "260000.00", "0.00", "260000.00", "0.00")
    assert amounts(rows["6101"]) == amounts(rows["61010101"]) == ("0.00", "80000.00", "0.00", "1000.00", "0.00",
                                                                   "81000.00")
    totals = body["totals"]
    assert totals["opening_debit"] == totals["opening_credit"] == "380000.00"
    assert totals["period_debit"] == totals["period_credit"] == "261000.00"
    assert totals["closing_debit"] == totals["closing_credit"] == "431000.00"


def test_level_cuts_the_tree_and_keeps_the_totals(examples, api):
    client = api("finance")
    full = client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}").json
    top = client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}&level=1").json
    assert [r["account"] for r in top["rows"]] == ["1001", "1002", "1011", "1302", "1601", "1602", "2201", "2302",
                                                   "4001", "4101", "5001"]
    assert top["totals"] == full["totals"]
    two = rows_by_account(client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}"
                                     f"&level=2").json)
    assert "130201" in two and "410101" in two and "41010101" not in two


def test_period_range_sums_the_movement_of_its_months(examples, api):
    body = api("finance").get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={YEAR}-02"
                              f"&period_to={MARCH}").json
    rows = rows_by_account(body)
    assert amounts(rows["4101"]) == ("0.00", "0.00", "0.00", "81000.00", "0.00", "81000.00")
    assert amounts(rows["2201"]) == ("0.00", "0.00", "50000.00", "50000.00", "0.00", "0.00")
    assert body["totals"]["period_debit"] == body["totals"]["period_credit"] == "714000.00"
    assert body["totals"]["closing_debit"] == "434000.00"
    bad = api("finance").get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}"
                             f"&period_to={YEAR + 1}-01")
    assert bad.status_code == 422 and "period_to" in bad.json["error"]["fields"]


def test_a_group_adds_its_members_up(examples, api):
    body = api("finance").get(f"/api/v1/reports/trial-balance?institutions=QH101,QH102&period={MARCH}").json
    rows = rows_by_account(body)
    assert amounts(rows["1001"]) == ("0.00", "0.00", "3000.00", "0.00", "3000.00", "0.00")
    assert amounts(rows["41010101"]) == ("0.00", "80000.00", "0.00", "3000.00", "0.00", "83000.00")
    assert amounts(rows["4101010101"]) == ("0.00", "0.00", "0.00", "2000.00", "0.00", "2000.00")
    assert "4101010201" not in rows  # QH001 is not in the group
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"] == "436000.00"


def test_trial_balance_reads_the_balance_table_only(examples, ctx):
    """Whatever is in ``balance`` is what the trial balance shows: the voucher lines are never read."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        centre = db.session.scalar(select(Institution).where(Institution.code == CENTRE))
        target = reports.Target((centre,))
        statements.clear()
        tb = reports.trial_balance(db.session, target, reports.PeriodRange(YEAR, 3, 3))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 2  # the chart and one GROUP BY over balance
    assert not any("voucher_line" in s for s in statements)
    assert any("GROUP BY" in s and "FROM balance" in s for s in statements)
    assert tb.totals["closing_debit"] == Decimal("434000.00")


# ------------------------------------------------------------------------------------------- statements


def test_balance_sheet_equation_holds_before_the_year_end_close(examples, api):
    body = api("finance").get(f"/api/v1/reports/balance-sheet?institution={CENTRE}&period={MARCH}").json
    assert body["form"] == "会政财01表" and body["institution"] == "城关镇卫生院"
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["cash"]["period_end"] == "171000.00"  # 1,000 + 70,000 + 100,000
    assert rows["inventories"]["period_end"] == "0.00"
    assert rows["fixed_assets_cost"]["period_end"] == "200000.00"
    assert rows["fixed_assets_depreciation"]["period_end"] == "3000.00"
    assert rows["fixed_assets"]["period_end"] == "197000.00"
    assert rows["assets"]["period_end"] == "368000.00"
    assert rows["payroll_payable"]["period_end"] == "0.00"
    assert rows["liabilities"]["period_end"] == "0.00"
    assert rows["current_surplus"]["period_end"] == "368000.00"  # 431,000 revenue − 63,000 expense (year to date)
    assert rows["net_assets"]["period_end"] == "368000.00"
    assert rows["liabilities_and_net_assets"]["period_end"] == rows["assets"]["period_end"]
    assert rows["assets"]["year_start"] == "0.00"
    assert body["checks"]["balanced"] is True
    feb = api("finance").get(f"/api/v1/reports/balance-sheet?institution={CENTRE}&period={YEAR}-02").json
    feb_rows = {row["key"]: row for row in feb["rows"]}
    # February: 380,000 cash = 50,000 salaries payable + (380,000 − 50,000) surplus
    assert feb_rows["assets"]["period_end"] == "380000.00"
    assert feb_rows["payroll_payable"]["period_end"] == "50000.00"
    assert feb_rows["current_surplus"]["period_end"] == "330000.00"
    assert feb["checks"]["balanced"] is True


def test_income_statement_period_and_year_to_date(examples, api):
    body = api("finance").get(f"/api/v1/reports/income-statement?institution={CENTRE}&period={MARCH}").json
    assert body["form"] == "会政财02表"
    assert [c["key"] for c in body["columns"]] == ["period", "ytd"]
    rows = {row["key"]: row for row in body["rows"]}
    assert (rows["fiscal_appropriation"]["period"], rows["fiscal_appropriation"]["ytd"]) == ("50000.00",
                                                                                             "350000.00")
    assert (rows["business_revenue"]["period"], rows["business_revenue"]["ytd"]) == ("1000.00", "81000.00")
    assert rows["medical_revenue"]["ytd"] == rows["outpatient_revenue"]["ytd"] == "81000.00"
    assert (rows["revenue"]["period"], rows["revenue"]["ytd"]) == ("51000.00", "431000.00")
    assert (rows["business_expense"]["period"], rows["business_expense"]["ytd"]) == ("13000.00", "63000.00")
    assert (rows["expense"]["period"], rows["expense"]["ytd"]) == ("13000.00", "63000.00")
    assert (rows["surplus"]["period"], rows["surplus"]["ytd"]) == ("38000.00", "368000.00")


def test_budget_statement(examples, api):
    body = api("finance").get(f"/api/v1/reports/budget-statement?institution={CENTRE}&period={MARCH}").json
    assert body["form"] == "会政预01表"
    rows = {row["key"]: row for row in body["rows"]}
    assert (rows["revenue.fiscal_appropriation"]["period"], rows["revenue.fiscal_appropriation"]["ytd"]) == (
        "50000.00", "350000.00")
    assert (rows["revenue.business"]["period"], rows["revenue.business"]["ytd"]) == ("1000.00", "81000.00")
    assert (rows["revenue"]["period"], rows["revenue"]["ytd"]) == ("51000.00", "431000.00")
    assert (rows["expenditure.business"]["period"], rows["expenditure"]["ytd"]) == ("260000.00", "260000.00")
    assert (rows["budget_surplus"]["period"], rows["budget_surplus"]["ytd"]) == ("-209000.00", "171000.00")


def test_reconciliation_closes_to_the_fen(examples, api):
    body = api("finance").get(f"/api/v1/reports/budget-surplus-reconciliation?institution={CENTRE}"
                              f"&period={MARCH}").json
    rows = {row["key"]: row for row in body["rows"]}
    expected_march = {
        "inventories.increase": "10000.00", "inventories.decrease": "-10000.00",  # drugs bought / issued
        "long_term_assets.increase": "200000.00",  # equipment: budget expenditure, not expense
        "depreciation.decrease": "-3000.00",  # expense without budget expenditure
        "payables.increase": "60000.00",  # salaries paid by the treasury, supplier paid
        "payables.decrease": "-10000.00",  # drugs bought on credit
        "cash_outside_budget": "0.00",
    }
    for key, value in expected_march.items():
        assert rows[key]["period"] == value, key
    items = [row for row in body["rows"] if row["kind"] == "item"]
    total = sum(Decimal(row["period"]) for row in items)
    assert total == Decimal("247000.00") and rows["adjustments"]["period"] == "247000.00"
    # 本期预算结余 + Σ items = 本期盈余, for the month and the year to date
    assert Decimal(rows["budget_surplus"]["period"]) + total == Decimal("38000.00")
    assert rows["surplus"]["period"] == rows["surplus_per_income_statement"]["period"] == "38000.00"
    ytd_total = sum(Decimal(row["ytd"]) for row in items)
    assert Decimal(rows["budget_surplus"]["ytd"]) + ytd_total == Decimal("368000.00")
    assert rows["surplus"]["ytd"] == rows["surplus_per_income_statement"]["ytd"] == "368000.00"
    assert rows["unreconciled"]["period"] == rows["unreconciled"]["ytd"] == "0.00"
    assert body["checks"]["closes"] is True


def test_cash_outside_the_budget_shows_as_its_own_reconciling_item(books, api):
    # a deposit received (其他应付款) moves cash but not the budget; a refund reduces both
    books.enter(CENTRE, [("1002", "5000.00"), ("2307", "0", "5000.00", SUPPLIER)], on=MAR, memo="收取押金")
    books.enter(CENTRE, [("1001", "300.00"), ("4101010105", "0", "300.00")], on=MAR)
    body = api("finance").get(f"/api/v1/reports/budget-surplus-reconciliation?institution={CENTRE}"
                              f"&period={MARCH}").json
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["budget_surplus"]["period"] == "300.00"
    assert rows["cash_outside_budget"]["period"] == "5000.00"
    assert rows["payables.decrease"]["period"] == "-5000.00"
    assert rows["surplus"]["period"] == rows["surplus_per_income_statement"]["period"] == "300.00"


def test_statements_before_the_closing_voucher(books, api, ctx):
    """After the year-end close the December statements still show the year's revenue and expense."""
    from erp.ledger.services.periods import close_period
    from erp.ledger.services.year_end import close_year

    last = YEAR - 1
    books.enter(CENTRE, [("1001", "900.00"), ("4101010105", "0", "900.00")], on=date(last, 12, 5))
    books.enter(CENTRE, [("5001", "250.00", "0", OUTPATIENT), ("1001", "0", "250.00")], on=date(last, 12, 6))
    chief = books.user("chief")
    centre = db.session.scalar(select(Institution).where(Institution.code == CENTRE))
    for month in range(1, 12):
        close_period(db.session, centre, last, month, chief)
    close_year(db.session, centre, last, chief)
    db.session.commit()
    client = api("finance")
    income = {r["key"]: r for r in client.get(f"/api/v1/reports/income-statement?institution={CENTRE}"
                                              f"&period={last}-12").json["rows"]}
    assert (income["revenue"]["period"], income["expense"]["period"], income["surplus"]["ytd"]) == (
        "900.00", "250.00", "650.00")
    budget = {r["key"]: r for r in client.get(f"/api/v1/reports/budget-statement?institution={CENTRE}"
                                              f"&period={last}-12").json["rows"]}
    assert budget["budget_surplus"]["ytd"] == "650.00"
    recon = client.get(f"/api/v1/reports/budget-surplus-reconciliation?institution={CENTRE}&period={last}-12").json
    assert recon["checks"]["closes"] is True
    sheet = {r["key"]: r for r in client.get(f"/api/v1/reports/balance-sheet?institution={CENTRE}"
                                             f"&period={last}-12").json["rows"]}
    assert sheet["current_surplus"]["period_end"] == "0.00"  # carried into 累计盈余 by the closing voucher
    assert sheet["accumulated_surplus"]["period_end"] == "650.00"
    # the trial balance shows the books as they are: revenue emptied by the closing voucher
    tb = rows_by_account(client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={last}-12").json)
    assert tb["4101"]["period_debit"] == "900.00" and tb["4101"]["closing_credit"] == "0.00"
    opening = rows_by_account(client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}"
                                         f"&period={YEAR}-01").json)
    assert opening["3001"]["opening_credit"] == "650.00" and opening["1001"]["opening_debit"] == "650.00"


# ------------------------------------------------------------------------------------------- ledgers


def test_general_ledger_by_month_with_year_to_date(examples, api):
    body = api("finance").get(f"/api/v1/reports/general-ledger?institution={CENTRE}&account=4101"
                              f"&from={YEAR}-01&to={MARCH}").json
    (account,) = body["accounts"]
    assert account["account"] == "4101" and account["opening"] == "0.00"
    months = {m["period"]: m for m in account["months"]}
    assert months[f"{YEAR}-01"]["credit"] == "0.00"
    assert (months[f"{YEAR}-02"]["credit"], months[f"{YEAR}-02"]["balance"], months[f"{YEAR}-02"]["direction"]) \
        == ("80000.00", "80000.00", "贷")
    march = months[MARCH]
    assert (march["opening"], march["credit"], march["balance"], march["ytd_credit"]) == (
        "80000.00", "1000.00", "81000.00", "81000.00")
    every = api("finance").get(f"/api/v1/reports/general-ledger?institution={CENTRE}&period={MARCH}").json
    codes = [a["account"] for a in every["accounts"]]
    assert codes == ["1001", "1002", "1011", "1302", "1601", "1602", "2201", "2302", "4001", "4101", "5001"]
    cash = next(a for a in every["accounts"] if a["account"] == "1011")
    assert (cash["opening"], cash["months"][0]["credit"], cash["months"][0]["balance"]) == (
        "300000.00", "200000.00", "100000.00")


def test_detail_ledger_running_balance_and_voucher_links(examples, api):
    body = api("finance").get(f"/api/v1/reports/detail-ledger?institution={CENTRE}&account=4101"
                              f"&period={YEAR}-02&period_to={MARCH}").json
    lines = [r for r in body["rows"] if r["kind"] == "line"]
    assert [(l["account"], l["credit"], l["balance"]) for l in lines] == [
        ("4101010105", "80000.00", "80000.00"), ("410101010801", "600.00", "80600.00"),
        ("4101010105", "400.00", "81000.00")]
    assert all(l["direction"] == "贷" for l in lines)
    assert lines[1]["voucher_id"] == examples["outpatient"].id and lines[1]["memo"] == "门诊收费"
    assert lines[1]["voucher_number"] == examples["outpatient"].number
    summaries = [(r["kind"], r["memo"], r["credit"], r["balance"]) for r in body["rows"] if r["kind"] != "line"]
    assert summaries == [("opening", "期初余额", None, "0.00"),
                         ("month", "本月合计", "80000.00", "80000.00"), ("ytd", "本年累计", "80000.00", "80000.00"),
                         ("month", "本月合计", "1000.00", "81000.00"), ("ytd", "本年累计", "81000.00", "81000.00")]
    assert (body["closing"], body["closing_direction"]) == ("81000.00", "贷")


def test_detail_ledger_dimension_filter(examples, api):
    client = api("finance")
    base = f"/api/v1/reports/detail-ledger?institution={CENTRE}&account=5001&period={MARCH}"
    outpatient = client.get(base + "&department=01").json
    assert outpatient["opening"] == "50000.00"  # February's salaries, 门诊 only
    assert [r["debit"] for r in outpatient["rows"] if r["kind"] == "line"] == ["10000.00"]
    assert outpatient["closing"] == "60000.00"
    admin = client.get(base + "&department=31").json
    assert admin["opening"] == "0.00" and admin["closing"] == "3000.00"
    supplier = client.get(f"/api/v1/reports/detail-ledger?institution={CENTRE}&account=2302&period={MARCH}"
                          f"&partner=S001").json
    assert [(r["debit"], r["credit"]) for r in supplier["rows"] if r["kind"] == "line"] == [
        ("0.00", "10000.00"), ("10000.00", "0.00")]
    assert client.get(base + "&partner=NOPE").status_code == 404
    assert client.get(f"/api/v1/reports/detail-ledger?institution={CENTRE}&period={MARCH}").status_code == 422


# ------------------------------------------------------------------------------------------- scope


def test_township_accountant_sees_only_their_institutions(examples, api):
    accountant = api("accountant")
    own = accountant.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}")
    assert own.status_code == 200 and own.json["totals"]["closing_debit"] == "434000.00"
    for path in ("trial-balance", "balance-sheet", "income-statement", "detail-ledger?account=1002"):
        sep = "&" if "?" in path else "?"
        response = accountant.get(f"/api/v1/reports/{path}{sep}institution=QH001&period={MARCH}")
        assert response.status_code == 404, path
    assert accountant.get(f"/api/v1/reports/trial-balance?institutions=QH101,QH001&period={MARCH}"
                          ).status_code == 404
    community = accountant.get(f"/api/v1/reports/trial-balance?community=QH&period={MARCH}")
    assert community.status_code == 403
    plain = accountant.get(f"/api/v1/reports/balance-sheet?community=QH&consolidated=false&period={MARCH}")
    assert plain.status_code == 403
    village = accountant.get(f"/api/v1/reports/trial-balance?institutions=QH101,QH101-01&period={MARCH}")
    assert village.status_code == 200
    assert api("clerk").get(f"/api/v1/reports/trial-balance?institution=QH102&period={MARCH}").status_code == 403
    voucher = examples["outpatient"]
    assert api("pharmacy").get(f"/api/v1/vouchers/{voucher.id}/pdf").status_code == 403  # no ledger permission
    other = db.session.scalar(select(Voucher).where(Voucher.institution.has(code="QH001")))
    assert accountant.get(f"/api/v1/vouchers/{other.id}/pdf").status_code == 404


def test_bad_parameters_are_422_naming_the_field(examples, api):
    client = api("finance")
    assert "period" in client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}").json["error"]["fields"]
    assert "period" in client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period=2026-13"
                                  ).json["error"]["fields"]
    assert "institution" in client.get(f"/api/v1/reports/trial-balance?period={MARCH}").json["error"]["fields"]
    assert "basis" in client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}&basis=x"
                                 ).json["error"]["fields"]
    assert client.get(f"/api/v1/reports/detail-ledger?institution={CENTRE}&account=9999&period={MARCH}"
                      ).status_code == 404


# ------------------------------------------------------------------------------------------- files


def test_trial_balance_pdf_and_excel(examples, api, tmp_path):
    client = api("finance")
    response = client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = unquote(response.headers["Content-Disposition"])
    assert "科目余额表-城关镇卫生院-" + MARCH + ".pdf" in disposition
    text = pdftext(response.data, tmp_path)
    assert "科目余额表" in text and "城关镇卫生院" in text and "81,000.00" in text and "434,000.00" in text
    assert "西药收入" in text

    response = client.get(f"/api/v1/reports/trial-balance?institution={CENTRE}&period={MARCH}&format=xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in unquote(response.headers["Content-Disposition"])
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    found = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert found["4101"][7] == 81000 and isinstance(found["4101"][7], (int, float))
    assert found["1002"][2] == 80000 and found["1002"][6] == 70000
    assert found["合计"][6] == found["合计"][7] == 434000


@pytest.mark.parametrize("name, title, amount", [
    ("balance-sheet", "资产负债表", "368,000.00"),
    ("income-statement", "收入费用表", "38,000.00"),
    ("budget-statement", "预算收入支出表", "-209,000.00"),
    ("budget-surplus-reconciliation", "本期预算结余与本期盈余差异调节表", "247,000.00"),
])
def test_statement_pdfs_and_excel(examples, api, tmp_path, name, title, amount):
    check_statement_files(api("finance"), name, title, amount, tmp_path)


def check_statement_files(client, name: str, title: str, amount: str, tmp_path) -> None:
    """The statement's PDF names it, the institution and shows the amount; its Excel holds it as a number."""
    response = client.get(f"/api/v1/reports/{name}?institution={CENTRE}&period={MARCH}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftext(response.data, tmp_path)
    assert title in text.replace(" ", "") and "城关镇卫生院" in text and amount in text
    workbook = openpyxl.load_workbook(BytesIO(client.get(f"/api/v1/reports/{name}?institution={CENTRE}"
                                                         f"&period={MARCH}&format=xlsx").data))
    numbers = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row
               if isinstance(cell, (int, float))]
    assert Decimal(amount.replace(",", "")) in [Decimal(str(n)) for n in numbers]


def test_ledger_pdfs(examples, api, tmp_path):
    client = api("finance")
    response = client.get(f"/api/v1/reports/detail-ledger?institution={CENTRE}&account=4101&period={MARCH}"
                          f"&format=pdf")
    assert response.status_code == 200
    text = pdftext(response.data, tmp_path)
    assert "明细账" in text.replace(" ", "") and "城关镇卫生院" in text and "81,000.00" in text
    assert examples["outpatient"].number in text and "门诊收费" in text and "本年累计" in text
    response = client.get(f"/api/v1/reports/general-ledger?institution={CENTRE}&period={MARCH}&format=pdf")
    text = pdftext(response.data, tmp_path)
    assert "总账" in text.replace(" ", "") and "1011 零余额账户用款额度" in text and "100,000.00" in text
    workbook = openpyxl.load_workbook(BytesIO(client.get(f"/api/v1/reports/detail-ledger?institution={CENTRE}"
                                                         f"&account=4101&period={MARCH}&format=xlsx").data))
    values = [row for row in workbook.active.iter_rows(values_only=True)]
    assert any(row[5] is None and row[4] == "期初余额" for row in values if row and len(row) > 5)
    assert any(row[6] == 600 for row in values if row and len(row) > 6)


def test_voucher_print(examples, api, tmp_path):
    voucher = examples["equipment"]
    response = api("accountant").get(f"/api/v1/vouchers/{voucher.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"记账凭证-城关镇卫生院-{voucher.number}.pdf" in unquote(response.headers["Content-Disposition"])
    text = pdftext(response.data, tmp_path)
    flat = text.replace(" ", "")
    assert "记账凭证" in flat and "城关镇卫生院" in text and voucher.number in text and "附件3张" in flat
    assert "1601固定资产" in flat and "7201事业支出" in flat and "8001资金结存" in flat
    assert flat.index("1601固定资产") < flat.index("预算会计") < flat.index("7201事业支出")
    assert "贰拾万元整" in flat and "200,000.00" in text
    for box in ("会计主管", "记账：总会计师李总", "审核", "出纳", "制单：医共体财务王会计"):
        assert box in flat


# ------------------------------------------------------------------------------------------- web


def test_trial_balance_page_drills_down_to_the_detail_ledger_and_the_voucher(examples, web):
    client = web("finance")
    page = client.get(f"/ledger/reports/trial-balance?institution={CENTRE}&period={MARCH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "西药收入" in html and "81,000.00" in html and "434,000.00" in html
    assert "format=pdf" in html and "format=xlsx" in html
    link = f"/ledger/reports/detail-ledger?account=4101&amp;institution={CENTRE}&amp;period={MARCH}"
    assert link in html
    detail = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    voucher = examples["outpatient"]
    assert f"/ledger/vouchers/{voucher.id}" in detail and voucher.number in detail and "门诊收费" in detail
    assert f"/ledger/reports/vouchers/{voucher.id}/pdf" in detail
    assert client.get(f"/ledger/vouchers/{voucher.id}").status_code == 200
    printed = client.get(f"/ledger/reports/vouchers/{voucher.id}/pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    download = client.get(f"/ledger/reports/trial-balance?institution={CENTRE}&period={MARCH}&format=xlsx")
    assert download.mimetype.endswith("spreadsheetml.sheet")


def test_report_pages_and_menu(examples, web):
    client = web("accountant")
    home = client.get("/").get_data(as_text=True)
    assert "科目余额表" in home and "会计报表" in home
    assert "科目余额表" not in web("clerk").get("/").get_data(as_text=True)
    page = client.get(f"/ledger/reports/trial-balance?period={MARCH}").get_data(as_text=True)
    assert "全医共体" not in page  # a scoped user is offered their institutions only
    refused = client.get(f"/ledger/reports/trial-balance?institution=*&period={MARCH}")
    assert refused.status_code == 404 or refused.status_code == 403
    for name in ("balance-sheet", "income-statement", "budget-statement", "budget-surplus-reconciliation"):
        response = client.get(f"/ledger/reports/statements/{name}?institution={CENTRE}&period={MARCH}")
        assert response.status_code == 200, name
    assert "368,000.00" in client.get(f"/ledger/reports/statements/balance-sheet?institution={CENTRE}"
                                      f"&period={MARCH}").get_data(as_text=True)
    general = client.get(f"/ledger/reports/general-ledger?institution={CENTRE}&account=1011&period={MARCH}")
    assert "100,000.00" in general.get_data(as_text=True)
    assert client.get("/ledger/reports/").status_code == 200


# ------------------------------------------------------------------------------------------- PDF speed


def test_a_thousand_line_ledger_pdf_is_fast(app, tmp_path):
    """The lean book layout: 1,000 lines in about 1.5-2 s of CPU, where the base statement's table of the same
    lines takes 6.5-7 s: the bound fails if the ledger print ever goes back to a table of cells."""
    from datetime import datetime, timezone

    rows = [reports.BookRow({"date": f"{YEAR}-03-{i % 28 + 1:02d}", "voucher": f"记-{YEAR}-03-{i:04d}",
                             "memo": f"门诊收费 第{i}批—西药、治疗（含“检查”）", "debit": reports.format_amount(
                                 Decimal(i) * Decimal("10.01")), "credit": "", "direction": "借",
                             "balance": reports.format_amount(Decimal(i) * Decimal("123.45"))})
            for i in range(1000)]
    book = reports.Book("明细账", [reports.BookColumn("date", "日期", 10), reports.BookColumn("voucher", "凭证号", 14),
                                   reports.BookColumn("memo", "摘要", 16, flexible=True),
                                   reports.BookColumn("debit", "借方", 0, "r"),
                                   reports.BookColumn("credit", "贷方", 0, "r"),
                                   reports.BookColumn("direction", "借或贷", 6, "c"),
                                   reports.BookColumn("balance", "余额", 0, "r")],
                        [reports.BookSection(None, rows)])
    header = reports.StatementHeader(institution="城关镇卫生院", title="明细账", period=f"{YEAR}年3月",
                                     generated_at=datetime.now(timezone.utc))
    with app.test_request_context():
        reports.render_book_pdf(book, header)  # warm up (fonts, imports)
        started = time.process_time()  # CPU time: WeasyPrint is single-threaded, and a busy CI box must not fail it
        data = reports.render_book_pdf(book, header)
        elapsed = time.process_time() - started
    text = pdftext(data, tmp_path)
    assert f"记-{YEAR}-03-0999" in text and "123,326.55" in text  # the last line
    assert "第10批―西药" in text  # '—' printed as its exact-width look-alike, the columns stay aligned
    # the pages are cut by the layout: none overflows into an extra page
    pages = reports.layout_book(book)["pages"]
    assert sum(len(page) for page in pages) == 1000 and len(pages) > 15
    (path := tmp_path / "book.pdf").write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {len(pages)}" in info
    # the 借 of every line starts at the same x, however the memo mixes CJK, digits and '—' '“”'
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "2", "-l", "3", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    xs = {round(float(x), 1) for x, word in re.findall(r'<word xMin="([0-9.]+)"[^>]*>([^<]*)</word>', boxes)
          if word == "借"}
    assert len(xs) == 1, xs
    assert elapsed < 5.0, f"1,000-line ledger PDF took {elapsed:.2f} s"


def test_openapi_documents_the_media_types_a_route_produces(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    binary = {"schema": {"type": "string", "format": "binary"}}
    report = paths["/api/v1/reports/trial-balance"]["get"]["responses"]["200"]["content"]
    assert list(report) == ["application/json", "application/pdf",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert report["application/pdf"] == binary and report["application/json"] == {"schema": {"type": "object"}}
    assert paths["/api/v1/vouchers/{voucher_id}/pdf"]["get"]["responses"]["200"]["content"] == {
        "application/pdf": binary}
    listing = paths["/api/v1/institutions"]["get"]["responses"]["200"]["content"]
    assert list(listing) == ["application/json"]
