"""The 两个允许 pool from the closed ledger year (PAYROLL.md §5), with figures worked by hand (tests/payroll/pool_books)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.payroll.services.performance_pool import add_increase, approve_pool, create_pool, recompute_pool
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import enter_last_year, user

PARAMETERS = dict(previous_pool=Decimal("500000.00"), growth=Decimal("0.05"), appraisal_factor=Decimal("0.95"),
                  staff_count=100, local_average_wage=Decimal("80000.00"))


def test_the_pool_follows_the_closed_ledger_year_to_the_fen(books, demo):
    enter_last_year(books)
    pool = create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, increases=[
        {"category": "talent", "amount": Decimal("20000.00"), "reason": "引进学科带头人 1 名"}], **PARAMETERS)
    # S = 2,900,000 − 800,000 (药品) − 300,000 (卫生材料) = 1,800,000; C = 1,500,000 + 200,000
    assert (pool.service_revenue, pool.cost, pool.surplus) == (Decimal("1800000.00"), Decimal("1700000.00"),
                                                               Decimal("100000.00"))
    assert pool.funds == Decimal("40000.00")  # U × (0.30 + 0.10)
    assert pool.reward_room == Decimal("36000.00")  # 0.6 × (100,000 − 40,000)
    # (500,000 × 1.05 + 36,000) × 0.95 + 20,000 核增
    assert (pool.increases_total, pool.total) == (Decimal("20000.00"), Decimal("552950.00"))
    assert (pool.basic_share, pool.basic, pool.incentive) == (Decimal("0.4"), Decimal("221180.00"),
                                                              Decimal("331770.00"))
    drugs = pool.figures["drug_revenue"]
    assert drugs["accounts"] == [{"code": "410101010801", "name": "西药收入", "amount": "800000.00"}]
    assert drugs["deducted"] and not pool.figures["exam_revenue"]["deducted"]
    medical = pool.figures["medical_revenue"]
    assert medical["amount"] == "2900000.00" and len(medical["accounts"]) == 6
    assert pool.figures["personnel_expense"]["accounts"] == [
        {"code": "2201", "name": "应付职工薪酬", "amount": "900000.00"}]
    checks = {check["code"]: check for check in pool.checks}
    # (900,000 − 500,000 + 552,950) ÷ 100 ≤ 3 × 80,000
    assert checks["average_pay"] == {**checks["average_pay"], "ok": True, "value": "9529.50", "limit": "240000.00"}
    assert (checks["personnel_share"]["ok"], checks["personnel_share"]["value"]) == (True, "0.6000")


def test_deducting_examinations_and_tests_leaves_no_surplus(books, demo):
    enter_last_year(books)
    pool = create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, deduct_exam_lab=True,
                       **PARAMETERS)
    assert (pool.service_revenue, pool.surplus, pool.reward_room) == (Decimal("1400000.00"), 0, 0)
    assert pool.total == Decimal("498750.00")  # 500,000 × 1.05 × 0.95
    pool = recompute_pool(db.session, pool, {"deduct_exam_lab": False, "appraisal_factor": Decimal("1")},
                          user("finance"))
    assert pool.total == Decimal("561000.00")  # 525,000 + 36,000
    pool = add_increase(db.session, pool, {"category": "public_interest", "amount": Decimal("0.01"),
                                           "reason": "对口支援"}, user("finance"))
    assert (pool.total, pool.basic, pool.incentive) == (Decimal("561000.01"), Decimal("224400.00"),
                                                        Decimal("336600.01"))


def test_an_open_year_a_low_reward_share_and_a_reasonless_increase_are_refused(books, demo):
    enter_last_year(books, close=False)
    with pytest.raises(BusinessError) as caught:
        create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR)
    assert caught.value.code == "year_not_closed" and "year" in caught.value.fields
    books.close_last_year("QH001")
    with pytest.raises(BusinessError) as caught:
        create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, reward_share=Decimal("0.4"))
    assert "reward_share" in caught.value.fields
    with pytest.raises(BusinessError) as caught:
        create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR,
                    increases=[{"category": "talent", "amount": Decimal("1.00"), "reason": " "}])
    assert "increases[0].reason" in caught.value.fields


def test_an_approved_pool_is_final_and_seeds_next_years_previous_pool(books, demo):
    enter_last_year(books)
    pool = create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, **PARAMETERS)
    approve_pool(db.session, pool, user("chief"))
    assert pool.state.value == "approved" and pool.approved_by.username == "chief"
    with pytest.raises(Conflict) as caught:
        recompute_pool(db.session, pool, {"growth": Decimal("0")}, user("finance"))
    assert caught.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        approve_pool(db.session, pool, user("chief"))


def test_the_pool_is_approved_as_reviewed_and_by_someone_who_did_not_prepare_it(books, demo):
    from erp.payroll.services.ledger_figures import set_item_accounts

    enter_last_year(books)
    pool = create_pool(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, **PARAMETERS)
    assert pool.total == Decimal("532950.00")  # (500,000 × 1.05 + 36,000) × 0.95
    recompute_pool(db.session, pool, {}, user("chief"))  # the chief accountant recomputed: now its preparer
    with pytest.raises(Conflict) as own:
        approve_pool(db.session, pool, user("chief"))
    assert own.value.code == "separation_of_duties"
    recompute_pool(db.session, pool, {}, user("finance"))
    # after the review the mapping changes: 化验收入 counted as drug revenue too (S 1,650,000 < C: no surplus)
    set_item_accounts(db.session, demo.id, user("finance"), "drug_revenue",
                      [{"account": "410101010801"}, {"account": "4101010104"}])
    with pytest.raises(Conflict) as changed:
        approve_pool(db.session, pool, user("chief"))
    assert changed.value.code == "inputs_changed" and "drug_revenue" in changed.value.message
    assert (pool.state.value, pool.total, pool.service_revenue) == ("draft", Decimal("532950.00"),
                                                                   Decimal("1800000.00"))  # not recomputed
    recompute_pool(db.session, pool, {}, user("finance"))
    approve_pool(db.session, pool, user("chief"))
    assert (pool.state.value, pool.total, pool.reward_room) == ("approved", Decimal("498750.00"), 0)
