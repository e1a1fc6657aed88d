"""医共体合并: the community view adds the members up and eliminates what they owe and sell each other.

The lead hospital (QH001) distributes drugs to the Chengguan centre (QH101) at cost and runs its lab tests;
it sells surplus materials to the Liulin centre (QH102). Each side books its half, sharing an internal_ref.
"""
from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from tests.ledger.conftest import YEAR

MARCH = f"{YEAR}-03"
FEB, MAR = date(YEAR, 2, 10), date(YEAR, 3, 18)
DEPT = {"department": "01"}


def member(code: str, **more) -> dict:
    return {"partner": f"M-{code}", **more}


def post_community(books, *, received: str = "8600.00") -> None:
    # external business
    books.enter("QH001", [("130201", "20000.00"), ("2302", "0", "20000.00", {"partner": "S001"})], on=FEB,
                memo="采购药品")
    books.enter("QH001", [("1002", "500000.00"), ("4101010201", "0", "500000.00")], on=MAR, memo="住院结算")
    books.enter("QH102", [("1001", "2000.00"), ("4101010101", "0", "2000.00")], on=MAR, memo="挂号费")
    # 1. drug distribution at cost, QH001 → QH101 (no revenue): 内部往来 only
    books.enter("QH001", [("1218", "8600.00", "0", member("QH101")), ("130201", "0", "8600.00")], on=MAR,
                memo="向城关镇卫生院配送药品", internal_ref="NB-T1")
    books.enter("QH101", [("130201", received), ("2307", "0", received, member("QH001"))], on=MAR,
                memo="收到县医院配送药品", internal_ref="NB-T1")
    # 2. lab tests for QH101: revenue and expense tagged with the member partner
    books.enter("QH001", [("1218", "800.00", "0", member("QH101")),
                          ("4101010104", "0", "800.00", member("QH101"))], on=MAR, memo="代检化验")
    books.enter("QH101", [("5001", "800.00", "0", member("QH001", department="01")),
                          ("2307", "0", "800.00", member("QH001"))], on=MAR, memo="委托化验费")
    # 3. surplus materials sold to QH102: the P&L lines carry no partner, the shared internal_ref tells
    books.enter("QH001", [("1218", "1500.00", "0", member("QH102")), ("4401", "0", "1500.00")], on=MAR,
                memo="调剂卫生材料", internal_ref="NB-T2")
    books.enter("QH102", [("5001", "1500.00", "0", DEPT), ("2307", "0", "1500.00", member("QH001"))], on=MAR,
                memo="调入卫生材料", internal_ref="NB-T2")


@pytest.fixture
def community(books):
    post_community(books)


def tb(client, query: str) -> dict:
    response = client.get(f"/api/v1/reports/trial-balance?{query}&period={MARCH}")
    assert response.status_code == 200, response.json
    return response.json


def rows(body: dict) -> dict[str, dict]:
    return {row["account"]: row for row in body["rows"]}


def statement(client, name: str, query: str) -> dict[str, dict]:
    response = client.get(f"/api/v1/reports/{name}?{query}&period={MARCH}")
    assert response.status_code == 200, response.json
    return {row["key"]: row for row in response.json["rows"]}


def test_each_member_sees_its_own_side_only(community, api):
    client = api("finance")
    hospital = rows(tb(client, "institution=QH001"))
    assert hospital["1218"]["closing_debit"] == "10900.00"  # 8,600 + 800 + 1,500
    assert hospital["130201"]["closing_debit"] == "11400.00"
    assert hospital["4101010104"]["closing_credit"] == "800.00" and hospital["4401"]["closing_credit"] == "1500.00"
    assert "2307" not in hospital and "5001" not in hospital
    centre = rows(tb(client, "institution=QH101"))
    assert set(centre) == {"1302", "130201", "2307", "5001"}  # nothing of QH001's or QH102's books
    assert centre["2307"]["closing_credit"] == "9400.00" and centre["130201"]["closing_debit"] == "8600.00"
    liulin = rows(tb(client, "institution=QH102"))
    assert liulin["2307"]["closing_credit"] == "1500.00" and "1218" not in liulin and "130201" not in liulin
    own = statement(client, "balance-sheet", "institution=QH101")
    assert own["other_payables"]["period_end"] == "9400.00" and own["inventories"]["period_end"] == "8600.00"


def test_plain_sum_keeps_the_internal_balances(community, api):
    body = tb(api("finance"), "community=QH&consolidated=false")
    assert "eliminations" not in body
    summed = rows(body)
    assert summed["1218"]["closing_debit"] == "10900.00" and summed["2307"]["closing_credit"] == "10900.00"
    assert summed["4101"]["closing_credit"] == "502800.00" and summed["5001"]["closing_debit"] == "2300.00"
    assert summed["4401"]["closing_credit"] == "1500.00"
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"] == "535200.00"


def test_community_view_eliminates_internal_balances_revenue_and_expense(community, api):
    body = tb(api("finance"), "community=QH")
    consolidated = rows(body)
    for internal in ("1218", "2307", "4401", "4101010104", "4101010104", "5001"):
        assert internal not in consolidated, internal
    assert consolidated["130201"]["closing_debit"] == "20000.00"  # the drugs are still the community's
    assert (consolidated["130201"]["period_debit"], consolidated["130201"]["period_credit"]) == ("8600.00",
                                                                                                 "8600.00")
    assert consolidated["4101"]["closing_credit"] == "502000.00"  # 500,000 + 2,000: the lab tests are gone
    assert consolidated["1002"]["closing_debit"] == "500000.00"
    totals = body["totals"]
    # 535,200 summed − 10,900 receivables/payables − 2,300 internal revenue/expense
    assert totals["closing_debit"] == totals["closing_credit"] == "522000.00"
    assert totals["period_debit"] == totals["period_credit"]
    assert not any(code.startswith("ELIM") for code in consolidated)  # both sides agree: no difference

    eliminations = body["eliminations"]
    lines = {(l["type"], l["institution"], l["counterparty"], l["account"]):
             (l["elimination_debit"], l["elimination_credit"]) for l in eliminations["lines"]}
    assert lines == {
        ("balance", "QH001", "QH101", "1218"): ("0.00", "9400.00"),
        ("balance", "QH001", "QH102", "1218"): ("0.00", "1500.00"),
        ("balance", "QH101", "QH001", "2307"): ("9400.00", "0.00"),
        ("balance", "QH102", "QH001", "2307"): ("1500.00", "0.00"),
        ("transaction", "QH001", "QH101", "4101010104"): ("800.00", "0.00"),
        ("transaction", "QH001", "QH102", "4401"): ("1500.00", "0.00"),  # found through internal_ref NB-T2
        ("transaction", "QH101", "QH001", "5001"): ("0.00", "800.00"),
        ("transaction", "QH102", "QH001", "5001"): ("0.00", "1500.00"),
    }
    pairs = {(p["type"], *p["members"]): (p["a"], p["b"], p["difference"]) for p in eliminations["pairs"]}
    assert pairs == {("balance", "QH001", "QH101"): ("9400.00", "-9400.00", "0.00"),
                     ("balance", "QH001", "QH102"): ("1500.00", "-1500.00", "0.00"),
                     ("transaction", "QH001", "QH101"): ("-800.00", "800.00", "0.00"),
                     ("transaction", "QH001", "QH102"): ("-1500.00", "1500.00", "0.00")}
    assert eliminations["differences"] == []


def test_consolidated_statements_are_the_sum_less_the_eliminations(community, api):
    client = api("finance")
    plain = statement(client, "income-statement", "community=QH&consolidated=false")
    merged = statement(client, "income-statement", "community=QH")
    assert (plain["revenue"]["period"], plain["expense"]["period"]) == ("504300.00", "2300.00")
    assert (merged["revenue"]["period"], merged["expense"]["period"]) == ("502000.00", "0.00")
    assert merged["operating_revenue"]["period"] == "0.00"
    assert plain["surplus"]["period"] == merged["surplus"]["period"] == "502000.00"  # elimination keeps 盈余
    sheet = statement(client, "balance-sheet", "community=QH")
    assert sheet["other_receivables"]["period_end"] == "0.00" and sheet["other_payables"]["period_end"] == "0.00"
    assert sheet["inventories"]["period_end"] == "20000.00"
    assert sheet["assets"]["period_end"] == "522000.00"  # 500,000 bank + 2,000 cash + 20,000 drugs
    assert sheet["liabilities"]["period_end"] == "20000.00"  # the supplier only
    assert sheet["current_surplus"]["period_end"] == "502000.00"
    assert sheet["liabilities_and_net_assets"]["period_end"] == "522000.00"
    assert "internal_difference" not in sheet
    plain_sheet = statement(client, "balance-sheet", "community=QH&consolidated=false")
    assert plain_sheet["assets"]["period_end"] == "532900.00" and plain_sheet["net_assets"]["period_end"] == \
        sheet["net_assets"]["period_end"]
    recon = client.get(f"/api/v1/reports/budget-surplus-reconciliation?community=QH&period={MARCH}").json
    assert recon["checks"]["closes"] is True


def test_unmatched_internal_balances_show_their_difference(books, api):
    post_community(books, received="8500.00")  # the centre booked 100 less than the hospital sent
    client = api("finance")
    body = tb(client, "community=QH")
    consolidated = rows(body)
    assert consolidated["ELIM-BS"]["closing_debit"] == "100.00"
    assert consolidated["ELIM-BS"]["name"].startswith("内部往来未达差额")
    assert "1218" not in consolidated and "2307" not in consolidated
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"]
    pairs = {(p["type"], *p["members"]): p for p in body["eliminations"]["pairs"]}
    assert (pairs[("balance", "QH001", "QH101")]["a"], pairs[("balance", "QH001", "QH101")]["b"],
            pairs[("balance", "QH001", "QH101")]["difference"]) == ("9400.00", "-9300.00", "100.00")
    assert pairs[("balance", "QH001", "QH102")]["difference"] == "0.00"
    sheet = statement(client, "balance-sheet", "community=QH")
    assert sheet["internal_difference"]["period_end"] == "100.00"
    assert sheet["assets"]["period_end"] == sheet["liabilities_and_net_assets"]["period_end"]


def test_a_group_eliminates_only_between_its_members(community, api):
    client = api("finance")
    body = tb(client, "institutions=QH001,QH101&consolidated=true")
    group = rows(body)
    assert group["1218"]["closing_debit"] == "1500.00"  # QH102 is outside the group: its claim stays
    assert "2307" not in group and "5001" not in group
    assert group["4401"]["closing_credit"] == "1500.00"  # NB-T2 was booked by QH102, outside the group
    assert {(l["institution"], l["counterparty"]) for l in body["eliminations"]["lines"]} == {
        ("QH001", "QH101"), ("QH101", "QH001")}
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"]
    summed = rows(tb(client, "institutions=QH001,QH101"))
    assert summed["1218"]["closing_debit"] == "10900.00"  # a group is a plain sum unless asked


def test_only_a_whole_community_user_gets_community_figures(community, api):
    assert api("accountant").get(f"/api/v1/reports/trial-balance?community=QH&period={MARCH}").status_code == 403
    assert api("accountant").get(f"/api/v1/reports/income-statement?community=QH&consolidated=false"
                                 f"&period={MARCH}").status_code == 403
    assert api("auditor").get(f"/api/v1/reports/trial-balance?community=QH&period={MARCH}").status_code == 200
    assert api("finance").get(f"/api/v1/reports/trial-balance?community=XX&period={MARCH}").status_code == 404


def test_consolidated_pdf_and_excel_show_the_eliminations(community, api, tmp_path):
    client = api("finance")
    response = client.get(f"/api/v1/reports/balance-sheet?community=QH&period={MARCH}&format=pdf")
    assert response.status_code == 200
    path = tmp_path / "consolidated.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "合并抵销分录" in text and "（合并）" in text and "9,400.00" in text and "522,000.00" in text
    workbook = openpyxl.load_workbook(BytesIO(client.get(f"/api/v1/reports/trial-balance?community=QH"
                                                         f"&period={MARCH}&format=xlsx").data))
    assert workbook.sheetnames[1:] == ["合并抵销分录", "内部往来核对"]
    values = [v for row in workbook["合并抵销分录"].iter_rows(values_only=True) for v in row]
    assert Decimal("9400") in [Decimal(str(v)) for v in values if isinstance(v, (int, float))]


def test_community_pages_on_the_web(community, web):
    client = web("finance")
    page = client.get(f"/ledger/reports/trial-balance?institution=*&period={MARCH}").get_data(as_text=True)
    assert "合并抵销分录" in page and "522,000.00" in page and "全医共体" in page
    plain = client.get(f"/ledger/reports/trial-balance?institution=*&consolidated=false&period={MARCH}")
    assert "535,200.00" in plain.get_data(as_text=True)
