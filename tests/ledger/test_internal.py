"""内部往来: both members' books get a voucher, sharing one reference."""
from __future__ import annotations

from tests.ledger.conftest import YEAR

DISTRIBUTION = {
    "memo": "中心药房向城关镇卫生院配送药品",
    "issuer": {"institution": "QH001", "date": f"{YEAR}-03-18", "lines": [
        {"account": "1218", "debit": "8600.00", "partner": "M-QH101"},
        {"account": "130201", "credit": "8600.00"}]},
    "receiver": {"institution": "QH101", "date": f"{YEAR}-03-18", "lines": [
        {"account": "130201", "debit": "8600.00"},
        {"account": "2307", "credit": "8600.00", "partner": "M-QH001"}]},
}


def test_distribution_is_booked_on_both_sides_with_a_shared_reference(books, api):
    finance, chief = api("finance"), api("chief")
    response = finance.post("/api/v1/internal-transactions", json=DISTRIBUTION)
    assert response.status_code == 201, response.json
    body = response.json
    reference = body["internal_ref"]
    assert reference == f"NB-{YEAR}-QH001-00001"
    assert body["issuer"]["institution"] == "QH001" and body["receiver"]["institution"] == "QH101"
    assert body["issuer"]["internal_ref"] == body["receiver"]["internal_ref"] == reference
    assert body["issuer"]["memo"] == DISTRIBUTION["memo"]
    for side in ("issuer", "receiver"):
        assert chief.post(f"/api/v1/vouchers/{body[side]['id']}/review").status_code == 200
        posted = chief.post(f"/api/v1/vouchers/{body[side]['id']}/post")
        assert posted.status_code == 200 and posted.json["lines"][-1]["generated"] is False  # no cash: no budget
    second = finance.post("/api/v1/internal-transactions", json=DISTRIBUTION).json
    assert second["internal_ref"] == f"NB-{YEAR}-QH001-00002"


def test_each_side_must_name_the_other_member_and_nothing_is_half_written(books, api):
    finance = api("finance")
    wrong = {**DISTRIBUTION, "receiver": {**DISTRIBUTION["receiver"], "lines": [
        {"account": "130201", "debit": "8600.00"}, {"account": "2307", "credit": "8600.00", "partner": "S001"}]}}
    response = finance.post("/api/v1/internal-transactions", json=wrong)
    assert response.status_code == 422 and "receiver.lines" in response.json["error"]["fields"]
    unbalanced = {**DISTRIBUTION, "receiver": {**DISTRIBUTION["receiver"], "lines": [
        {"account": "130201", "debit": "8600.00"}, {"account": "2307", "credit": "8500.00", "partner": "M-QH001"}]}}
    refused = finance.post("/api/v1/internal-transactions", json=unbalanced)
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["receiver.lines"]
    unknown = {**DISTRIBUTION, "issuer": {**DISTRIBUTION["issuer"], "lines": [
        {"account": "1218", "debit": "8600.00", "partner": "M-QH101"}, {"account": "9999", "credit": "8600.00"}]}}
    refused = finance.post("/api/v1/internal-transactions", json=unknown)
    assert refused.status_code == 404 and list(refused.json["error"]["fields"]) == ["issuer.lines[1].account"]
    assert finance.get("/api/v1/vouchers").json["total"] == 0


def test_a_township_accountant_cannot_book_into_the_lead_hospital(books, api):
    response = api("accountant").post("/api/v1/internal-transactions", json=DISTRIBUTION)
    assert response.status_code == 403, response.json  # a write into another institution
