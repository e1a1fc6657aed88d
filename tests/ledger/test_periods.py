"""Month-end close (结账) in order: every earlier month, last year's included, and last year's close first."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from erp.core import signals
from erp.core.extensions import db
from erp.core.models import Institution
from tests.ledger.conftest import YEAR

LAST_YEAR = YEAR - 1


def _close(client, code: str, year: int, month: int):
    return client.post("/api/v1/periods/close", json={"institution": code, "period": f"{year}-{month:02d}"})


def test_january_cannot_be_closed_before_last_year_is_closed(books, api):
    chief = api("chief")
    refused = _close(chief, "QH101", YEAR, 1)
    assert refused.status_code == 409 and "period" in refused.json["error"]["fields"], refused.json
    assert f"{LAST_YEAR}-01" in refused.json["error"]["message"]
    for month in range(1, 13):
        assert _close(chief, "QH101", LAST_YEAR, month).status_code == 200
    refused = _close(chief, "QH101", YEAR, 1)  # every month closed, but not the year (年结)
    assert refused.status_code == 409 and f"{LAST_YEAR}" in refused.json["error"]["message"], refused.json
    states = {p["period"]: p["state"] for p in chief.get("/api/v1/periods?institution=QH101&per_page=100").json["items"]}
    assert states[f"{YEAR}-01"] == "open" and states[f"{LAST_YEAR}-12"] == "closed"


def test_january_closes_after_last_years_close_and_the_close_is_announced(app, books, api):
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["institution_id"], kwargs["year"], kwargs["month"], kwargs["session"] is not None))

    books.close_last_year("QH101")
    signals.connect_hooks(app, {"period_closed": "receiver"}, {"receiver": receiver}.__getitem__)
    try:
        closed = _close(api("chief"), "QH101", YEAR, 1)
    finally:
        signals.period_closed.disconnect(receiver, sender=app)
    assert closed.status_code == 200 and closed.json["state"] == "closed", closed.json
    qh101 = db.session.scalar(select(Institution.id).where(Institution.code == "QH101"))
    assert heard == [(qh101, YEAR, 1, True)]


@pytest.mark.parametrize("period", ["99999999999-01", "10000-01", "1899-12"])
def test_a_period_outside_the_calendar_is_refused_naming_the_field(books, api, period):
    response = api("finance").get(f"/api/v1/vouchers?period={period}")
    assert response.status_code == 422 and "period" in response.json["error"]["fields"]
