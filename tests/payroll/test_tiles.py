"""Payroll's home-page tiles: runs to compute, to approve and to post, with their gross pay, counted within
the user's institutions."""
from __future__ import annotations

from decimal import Decimal

from erp.core.extensions import db
from tests.factories import USER_PASSWORD, UserFactory
from tests.home import tiles
from tests.ledger.conftest import YEAR
from tests.payroll.conftest import compute
from tests.payroll.pool_books import enter_last_year


def test_runs_move_from_tile_to_tile_and_a_township_officer_sees_only_their_own(staff, api, web):
    UserFactory(username="town_finance", role="finance", institutions=["QH102"])
    db.session.commit()
    hr, chief = api("hr"), api("chief")
    runs = {code: hr.post("/api/v1/payroll-runs", json={"institution": code, "year": 2026, "month": 1}).json
            for code in ("QH101", "QH102")}
    shown = tiles(web("hr").get("/").get_data(as_text=True))["runs_to_compute"]
    assert shown["value"] == 2 and shown["href"] == "/payroll/runs?state=draft"

    computed = {code: compute(hr, run["id"]) for code, run in runs.items()}
    gross = {code: Decimal(run["gross_total"]) for code, run in computed.items()}
    assert all(gross.values())
    to_approve = tiles(web("chief").get("/").get_data(as_text=True))["runs_to_approve"]
    assert to_approve["value"] == 2 and to_approve["details"] == [f"应发合计 {sum(gross.values()):,.2f}"]
    town = tiles(web("town_finance", USER_PASSWORD).get("/").get_data(as_text=True))["runs_to_approve"]
    assert town["value"] == 1 and town["details"] == [f"应发合计 {gross['QH102']:,.2f}"]

    assert chief.post(f"/api/v1/payroll-runs/{runs['QH101']['id']}/approve").status_code == 200
    finance = tiles(web("finance").get("/").get_data(as_text=True))
    assert finance["runs_to_approve"]["value"] == 1 and finance["runs_to_post"]["value"] == 1
    assert finance["runs_to_post"]["details"] == [f"应发合计 {gross['QH101']:,.2f}"]
    assert tiles(web("town_finance", USER_PASSWORD).get("/").get_data(as_text=True))["runs_to_post"]["value"] == 0


def test_the_payroll_index_page_shows_its_tiles_and_menu(staff, web):
    page = web("hr").get("/payroll/").get_data(as_text=True)
    assert "runs_to_compute" in tiles(page) and "runs_to_approve" not in tiles(page)
    assert "/payroll/runs" in page and "/payroll/employees" in page and "个税试算" in page
    assert web("clerk").get("/payroll/").status_code == 403  # no payroll page for a clerk


def test_the_chief_accountant_sees_the_pool_awaiting_approval_until_approved(books, demo, api, web):
    enter_last_year(books)
    pool = api("finance").post("/api/v1/performance-pools", json={
        "institution": "QH001", "year": YEAR, "previous_pool": "500000.00", "growth": "0.05",
        "appraisal_factor": "0.95", "staff_count": 100, "local_average_wage": "80000.00"}).json
    assert Decimal(pool["total"]) > 0
    waiting = tiles(web("chief").get("/").get_data(as_text=True))["pools_to_approve"]
    assert waiting["value"] == 1 and waiting["details"] == [f"总量 {Decimal(pool['total']):,.2f}"]
    assert waiting["href"] == "/payroll/performance-pools"
    assert "pools_to_approve" not in tiles(web("finance").get("/").get_data(as_text=True))  # approval is not theirs
    assert api("chief").post(f"/api/v1/performance-pools/{pool['id']}/approve").status_code == 200
    assert tiles(web("chief").get("/").get_data(as_text=True))["pools_to_approve"]["value"] == 0
