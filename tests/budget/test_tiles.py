"""The budget holder's home-page tile: what is left, what is committed and by whom, for the holder's own
institutions only."""
from __future__ import annotations

from datetime import date

from erp.budget import services as budget
from erp.core.extensions import db
from tests.budget.conftest import source
from tests.conftest import csrf_token
from tests.home import tiles
from tests.ledger.conftest import YEAR


def test_the_township_holder_sees_their_own_budget_left_and_who_committed_it(budgets, web):
    budget.reserve(db.session, budgets.institution("QH101"), "7201", "01", "F01", "12000.00", source("PO-31"),
                   on=date(YEAR, 3, 5), user=budgets.user("procurement"))
    budget.reserve(db.session, budgets.institution("QH101"), "7201", "01", "F01", "800.00", source("PO-32"),
                   on=date(YEAR, 3, 6), user=budgets.user("finance"))
    budget.reserve(db.session, budgets.institution("QH102"), "7201", "01", "F01", "5000.00", source("PO-33"),
                   on=date(YEAR, 3, 7), user=budgets.user("hr"))
    db.session.commit()

    lines = budgets.budget("QH101").lines
    amount, committed = sum(line.amount for line in lines), sum(line.committed for line in lines)
    left = amount - committed - sum(line.actual for line in lines)
    tile = tiles(web("accountant").get("/").get_data(as_text=True))["budget_left"]  # 城关镇: QH101 only
    assert tile["value"] == left and committed == 12800
    assert tile["details"][:2] == [f"预算数 {amount:,.2f}", f"已预占 {committed:,.2f}"]
    assert tile["details"][3:] == ["预占：采购员 孙 12,000.00", "预占：医共体财务 王会计 800.00"]
    assert tile["href"] == f"/budget/?year={YEAR}"

    everyone = tiles(web("finance").get("/").get_data(as_text=True))["budget_left"]
    every_line = [line for code in ("QH001", "QH101", "QH102") for line in budgets.budget(code).lines]
    assert everyone["value"] == sum(line.amount - line.committed - line.actual for line in every_line)
    assert everyone["details"][3:] == ["预占：采购员 孙 12,000.00", "预占：人事专员 吴 5,000.00",
                                       "预占：医共体财务 王会计 800.00"]

    client = web("accountant")  # the committers' lines in English too, the names as they are
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    english = tiles(client.get("/").get_data(as_text=True))["budget_left"]
    assert english["details"][3:] == ["Committed: 采购员 孙 12,000.00", "Committed: 医共体财务 王会计 800.00"]
