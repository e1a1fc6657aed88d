"""Accounts appear with their full path (事业收入—医疗收入—门急诊收入—诊察收入) in search, the entry grid, the
voucher page and print, and the ledgers; search matches the code's start or any level's name."""
from __future__ import annotations

from datetime import date

from erp.core.extensions import db
from erp.ledger.models import Voucher
from erp.ledger.reports.printing import voucher_print
from tests.ledger.conftest import YEAR

CONSULTATION = "事业收入—医疗收入—门急诊收入—诊察收入"


def test_the_api_search_matches_any_levels_name_or_the_codes_start(books, api):
    client = api("finance")
    found = client.get("/api/v1/accounts?institution=QH001&q=诊察&per_page=50").json["items"]
    assert [(a["code"], a["full_name"]) for a in found] == [
        ("4101010102", CONSULTATION), ("4101010202", "事业收入—医疗收入—住院收入—诊察收入")]
    both = client.get("/api/v1/accounts?institution=QH001&q=门急诊收入 诊察&per_page=50").json["items"]
    assert [a["code"] for a in both] == ["4101010102"]  # every word must match, at some level
    below = client.get("/api/v1/accounts?institution=QH001&q=门急诊收入&per_page=100").json["items"]
    codes = [a["code"] for a in below]
    assert codes[0] == "41010101" and "4101010102" in codes and "4101010109" in codes  # the parent's name
    assert all(code.startswith("41010101") for code in codes)
    assert [a["code"] for a in client.get("/api/v1/accounts?q=4101010102").json["items"]] == ["4101010102"]


def test_the_grid_offers_leaves_with_their_full_path(books, web):
    client = web("finance")
    body = client.get("/ledger/accounts/search?institution=QH001&q=门急诊 诊察").get_json()
    assert [(i["code"], i["name"], i["full_name"]) for i in body["items"]] == [("4101010102", "诊察收入", CONSULTATION)]
    parents = client.get("/ledger/accounts/search?institution=QH001&q=医疗收入&limit=50").get_json()["items"]
    assert parents and all(item["full_name"].startswith("事业收入—医疗收入—") for item in parents)
    assert "41010101" not in {item["code"] for item in parents}  # leaves only


def test_voucher_page_print_and_ledgers_show_the_full_path(books, api, web, tmp_path):
    voucher = books.enter("QH001", [("1001", "2345.67"), ("4101010102", "0", "2345.67")], on=date(YEAR, 3, 5),
                          memo="门诊诊察费")
    page = web("finance").get(f"/ledger/vouchers/{voucher.id}").get_data(as_text=True)
    assert f"4101010102 {CONSULTATION}" in page and "2,345.67" in page
    doc = voucher_print(db.session.get(Voucher, voucher.id))
    html_lines = [f"{line.account.code} {line.account.full_name}" for line in doc.financial]
    assert html_lines == ["1001 库存现金", f"4101010102 {CONSULTATION}"]
    detail = api("finance").get(f"/api/v1/reports/detail-ledger?institution=QH001&account=4101010102"
                                f"&period={YEAR}-03").json
    assert detail["name"] == CONSULTATION
    parent = api("finance").get(f"/api/v1/reports/detail-ledger?institution=QH001&account=4101&period={YEAR}-03").json
    assert [(r["account"], r["account_name"]) for r in parent["rows"] if r["kind"] == "line"] == [
        ("4101010102", CONSULTATION)]
    general = api("finance").get(f"/api/v1/reports/general-ledger?institution=QH001&period={YEAR}-03").json
    names = {account["account"]: account["name"] for account in general["accounts"]}
    assert names["4101"] == "事业收入" and names.get("1001") == "库存现金"


def test_the_edit_grid_shows_amounts_grouped_and_a_cell_for_each_dimensions_name(books, web):
    draft = books.draft("QH101", [("5001", "12345.60", "0", {"department": "01"}), ("1001", "0", "12345.60")])
    db.session.commit()
    page = web("finance").get(f"/ledger/vouchers/{draft.id}/edit").get_data(as_text=True)
    assert 'value="12,345.60"' in page
    assert page.count('class="dim-name"') >= 5 * 2  # one per dimension cell of every row


def test_the_voucher_page_names_the_dimensions(books, web):
    voucher = books.enter("QH001", [("121202", "800.00", "0", {"partner": "I001"}), ("4101010105", "0", "800.00")],
                          memo="医保结算")
    page = web("finance").get(f"/ledger/vouchers/{voucher.id}").get_data(as_text=True)
    assert "往来单位：清河县医疗保障局</span>" in page and "：I001<" not in page
