"""Race-free control on PostgreSQL: 20 threads, each its own connection and transaction, commit against the last
remaining amount of a Stop line at once; exactly as many as fit get through, the line is never overspent, and
its running totals equal the commitments recorded."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp.budget import services as budget
from erp.budget.models import BudgetEntry, BudgetLine, EntryState
from erp.core.errors import Conflict
from erp.core.extensions import db
from erp.core.models import Institution
from tests.budget.conftest import source
from tests.ledger.conftest import YEAR


@pytest.mark.postgres
def test_twenty_concurrent_commitments_against_the_last_remaining_amount_never_overspend(budgets, app):
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    line = budgets.line("QH101", "01", "F01")
    line_id, institution_id = line.id, institution.id
    # leave 50,000.00 on the line: room for 5 of the 20 commitments of 10,000.00
    budget.reserve(db.session, institution, "7201", "01", "F01", "190000.00", source("BIG"), on=date(YEAR, 3, 1))
    db.session.commit()
    threads, barrier = 20, threading.Barrier(20)
    made, refused, errors = [], [], []

    def work(n: int) -> None:
        try:
            with app.app_context():
                session = db.session
                barrier.wait(timeout=60)  # before any connection is taken (the pool holds 15)
                inst = session.get(Institution, institution_id)
                try:
                    budget.reserve(session, inst, "7201", "01", "F01", "10000.00", source(f"PO-{n}"),
                                   on=date(YEAR, 3, 2))
                    session.commit()
                    made.append(n)
                except Conflict as exc:
                    session.rollback()
                    refused.append(exc.code)
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert len(made) == 5 and refused == ["budget_exceeded"] * 15
    db.session.expire_all()
    line = db.session.get(BudgetLine, line_id)
    assert (line.committed, line.available) == (Decimal("240000.00"), Decimal("0.00"))
    recorded = db.session.scalar(select(func.sum(BudgetEntry.open_amount)).where(
        BudgetEntry.line_id == line_id, BudgetEntry.state == EntryState.OPEN))
    assert recorded == line.committed


@pytest.mark.postgres
def test_concurrent_releases_of_one_document_give_its_commitment_back_once(budgets, app):
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    line_id = budgets.line("QH101", "01", "F01").id
    budget.reserve(db.session, institution, "7201", "01", "F01", "90000.00", source("PO-R"), on=date(YEAR, 3, 1))
    db.session.commit()
    threads, barrier = 10, threading.Barrier(10)
    released, errors = [], []

    def work() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=60)
                released.append(budget.release(db.session, source("PO-R")))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert sorted(released) == [Decimal("0.00")] * 9 + [Decimal("90000.00")]
    db.session.expire_all()
    assert db.session.get(BudgetLine, line_id).committed == Decimal("0.00")
