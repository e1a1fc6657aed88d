"""医保 monthly settlements against the global budget: each month posted once through the ledger's document door
in the lead hospital's books (Dr 银行存款 / Cr 应收医疗款（医保） with the insurer), tracked against the budget, and
the year-end surplus computed from them and distributed (posted too)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution, Partner
from erp.ledger.services import Basis, Voucher
from tests.ledger.conftest import YEAR

MONTHS = [(1, "8800000.00"), (2, "9150000.00"), (3, "8950000.00")]


def _financial_lines(number: str, institution: str) -> tuple:
    voucher = db.session.scalar(select(Voucher).join(Voucher.institution).where(
        Voucher.number == number, Institution.code == institution))
    partners = {p.id: p.code for p in db.session.scalars(select(Partner))}
    return voucher.source_kind, sorted(
        (l.account.code, f"{l.debit:.2f}", f"{l.credit:.2f}", partners.get(l.partner_id))
        for l in voucher.lines if l.basis is Basis.FINANCIAL)


def test_monthly_settlements_are_posted_once_and_tracked_against_the_budget(books, api):
    finance, chief = api("finance"), api("chief")
    budget_id = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "120000000.00", "previous_funding_total": "110000000.00",
        "serious_illness_fund": "6000000.00", "share": "0.95"}).json["id"]  # community budget 107,350,000.00
    for month, amount in MONTHS:
        recorded = chief.post(f"/api/v1/insurance-budgets/{budget_id}/months", json={
            "month": month, "amount": amount, "date": f"{YEAR}-{month:02d}-25"})
        assert recorded.status_code == 200, recorded.json
    body = recorded.json
    # 8,800,000 + 9,150,000 + 8,950,000 = 26,900,000; 107,350,000 − 26,900,000 = 80,450,000
    assert (body["settled_to_date"], body["remaining"]) == ("26900000.00", "80450000.00")
    numbers = [m["voucher"] for m in body["months"]]
    assert [m["amount"] for m in body["months"]] == [amount for _, amount in MONTHS]
    assert _financial_lines(numbers[1], "QH001") == ("insurance_month", [
        ("1002", "9150000.00", "0.00", None), ("121202", "0.00", "9150000.00", "I001")])
    # a month is recorded once: a second entry is refused, nothing more is posted
    again = chief.post(f"/api/v1/insurance-budgets/{budget_id}/months", json={"month": 2, "amount": "1.00",
                                                                              "date": f"{YEAR}-02-26"})
    assert again.status_code == 409 and again.json["error"]["code"] == "duplicate", again.json
    assert "month" in again.json["error"]["fields"]
    assert len(list(db.session.scalars(select(Voucher).where(Voucher.source_kind == "insurance_month")))) == 3
    outside = chief.post(f"/api/v1/insurance-budgets/{budget_id}/months", json={"month": 4, "amount": "1.00",
                                                                               "date": f"{YEAR - 1}-12-31"})
    assert outside.status_code == 422 and "date" in outside.json["error"]["fields"]
    # year end without "spent": the months' total is what was spent; the surplus goes out by score
    settled = chief.post(f"/api/v1/insurance-budgets/{budget_id}/settle", json={
        "scores": {"QH001": "96", "QH101": "88.5", "QH102": "91"}, "date": f"{YEAR}-03-31"})
    assert settled.status_code == 200, settled.json
    assert (settled.json["spent"], settled.json["surplus"]) == ("26900000.00", "80450000.00")
    # 80,450,000 × 96 / 275.5 = 28,033,393.829…, × 88.5 / 275.5 = 25,843,284.936…, × 91 / 275.5 = 26,573,321.234…:
    # the two fen left go to the largest remainders (.0094, .0064)
    amounts = {a["institution"]: Decimal(a["amount"]) for a in settled.json["allocations"]}
    assert amounts == {"QH001": Decimal("28033393.83"), "QH101": Decimal("25843284.94"),
                       "QH102": Decimal("26573321.23")}
    qh101 = next(a["voucher"] for a in settled.json["allocations"] if a["institution"] == "QH101")
    assert _financial_lines(qh101, "QH101") == ("insurance_settlement", [
        ("121202", "25843284.94", "0.00", "I001"), ("41010103", "0.00", "25843284.94", None)])
    late = chief.post(f"/api/v1/insurance-budgets/{budget_id}/months", json={"month": 4, "amount": "1.00"})
    assert late.status_code == 409 and late.json["error"]["code"] == "insurance_settled"


def test_a_month_settled_at_zero_is_recorded_without_a_voucher(books, api):
    finance = api("finance")
    budget_id = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "1000000.00", "previous_funding_total": "1000000.00",
        "serious_illness_fund": "0", "share": "1"}).json["id"]
    recorded = api("chief").post(f"/api/v1/insurance-budgets/{budget_id}/months", json={"month": 1, "amount": "0"})
    assert recorded.status_code == 200, recorded.json
    assert recorded.json["months"] == [{"month": 1, "amount": "0.00", "voucher": None}]
    assert recorded.json["remaining"] == "1000000.00"


def test_bad_month_input_names_the_field_and_posts_nothing(books, api):
    finance, chief = api("finance"), api("chief")
    budget_id = finance.post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "1000000.00", "previous_funding_total": "1000000.00",
        "serious_illness_fund": "0", "share": "1"}).json["id"]
    url = f"/api/v1/insurance-budgets/{budget_id}/months"
    for body, field in (({"month": 13, "amount": "1.00"}, "month"), ({"month": "三", "amount": "1.00"}, "month"),
                        ({"month": True, "amount": "1.00"}, "month"), ({"month": 1, "amount": "-1.00"}, "amount"),
                        ({"month": 1, "amount": "1.001"}, "amount"), ({"month": 1, "amount": "1\u0000"}, "amount"),
                        ({"month": 1, "amount": "9999999999999999.00"}, "amount"),
                        ({"month": 1, "amount": "1.00", "date": f"{YEAR}-13-01"}, "date"),
                        ({"month": 1, "amount": "1.00", "date": f"{YEAR + 1}-01-05"}, "date")):
        refused = chief.post(url, json=body)
        assert refused.status_code == 422 and field in refused.json["error"]["fields"], (body, refused.json)
    assert chief.post("/api/v1/insurance-budgets/2147483647/months",
                      json={"month": 1, "amount": "1.00"}).status_code == 404
    # the budget's author prepared it: the same person may not also post its settlements (制单 ≠ 记账)
    assert finance.post(url, json={"month": 1, "amount": "1.00"}).status_code == 403
    # a member's accountant prepares its own institution's budget (budget.write) but does not record the
    # community's 医保 settlements, posted in the lead hospital's books: that is the finance office's (budget.fund.write)
    assert api("accountant").post(url, json={"month": 1, "amount": "1.00"}).status_code == 403
    after = chief.get(f"/api/v1/insurance-budgets/{budget_id}").json
    assert (after["months"], after["settled_to_date"]) == ([], "0.00")
    assert not list(db.session.scalars(select(Voucher).where(Voucher.source_kind == "insurance_month")))
