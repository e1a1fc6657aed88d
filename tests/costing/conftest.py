"""Costing fixtures: the ledger's demo books, the worked example of test_report and the API helpers."""
from __future__ import annotations

from datetime import date

import pytest

from tests.ledger.conftest import YEAR, books  # noqa: F401 - the ledger's books fixture, used here too

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
