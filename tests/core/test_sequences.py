"""Gapless document numbers: no gap and no duplicate, even under concurrent transactions."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.sequences import current_value, next_number, next_value


def test_numbers_count_per_institution_type_and_year(demo):
    lead, township = db.session.scalars(select(Institution.id).where(Institution.code.in_(["QH001", "QH101"]))
                                        .order_by(Institution.code)).all()
    assert next_number(db.session, lead, "voucher", "记", 2026, 3) == "记-2026-03-0001"
    assert next_number(db.session, lead, "voucher", "记", 2026, 3) == "记-2026-03-0002"
    assert next_number(db.session, lead, "voucher", "记", 2026, 4) == "记-2026-04-0001"
    assert next_number(db.session, township, "voucher", "记", 2026, 3) == "记-2026-03-0001"
    assert next_number(db.session, lead, "order", "PO", 2026, width=5) == "PO-2026-00001"
    assert next_number(db.session, lead, "order", "PO", 2027, width=5) == "PO-2027-00001"


def test_a_rolled_back_transaction_gives_its_number_back(demo):
    lead = db.session.scalar(select(Institution.id).where(Institution.code == "QH001"))
    assert next_value(db.session, lead, "voucher", 2026, 1) == 1
    db.session.commit()
    assert next_value(db.session, lead, "voucher", 2026, 1) == 2
    db.session.rollback()
    assert next_value(db.session, lead, "voucher", 2026, 1) == 2
    db.session.commit()
    assert current_value(db.session, lead, "voucher", 2026, 1) == 2


@pytest.mark.postgres
def test_concurrent_transactions_get_gapless_unique_numbers(demo):
    lead = db.session.scalar(select(Institution.id).where(Institution.code == "QH001"))
    db.session.commit()
    engine = db.engine
    threads, per_thread = 12, 25
    committed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for attempt in range(per_thread):
                with Session(engine) as session:
                    value = next_value(session, lead, "voucher", 2026, 7)
                    # every fifth transaction fails after taking a number: it must give it back
                    if (index + attempt) % 5 == 0:
                        session.rollback()
                        continue
                    session.commit()
                    with lock:
                        committed.append(value)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors
    expected = sum(1 for i in range(threads) for a in range(per_thread) if (i + a) % 5 != 0)
    assert len(committed) == expected == 240
    assert sorted(committed) == list(range(1, expected + 1))
