"""A month is paid once per employee even when two runs race (PostgreSQL, threads)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import User
from erp.core.session_context import system_actor
from erp.payroll.models import PayrollRun, Payslip
from erp.payroll.services import compute_run, create_run
from tests.payroll.conftest import user


@pytest.mark.postgres
def test_two_runs_racing_for_the_same_month_pay_each_employee_once(staff, app):
    hr_id = user("hr").id
    db.session.commit()
    threads, barrier = 4, threading.Barrier(4)
    done, refused, errors = [], [], []

    def work() -> None:
        try:
            with app.app_context():
                session = db.session
                system_actor(session, "test")
                hr = session.get(User, hr_id)
                barrier.wait()
                try:
                    run = create_run(session, hr, institution="QH101", year=2026, month=1)
                    compute_run(session, run, hr)
                    session.commit()
                    done.append(run.id)
                except BusinessError as exc:
                    session.rollback()
                    refused.append(exc.code)
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert len(done) == 1 and set(refused) == {"month_already_run"} and len(refused) == threads - 1
    assert db.session.scalar(select(func.count()).select_from(Payslip).where(Payslip.month == 1)) == 5
    assert db.session.scalar(select(func.count()).select_from(PayrollRun).where(PayrollRun.slip_count > 0)) == 1


@pytest.mark.postgres
def test_the_database_refuses_a_second_regular_slip_when_two_computes_race(staff, app):
    """Two regular runs of the month that both exist (as if both had passed the check at creation): their
    computes race, the unique constraint lets one through and the other answers month_already_run."""
    hr = user("hr")
    first = create_run(db.session, hr, institution="QH101", year=2026, month=2)
    second = PayrollRun(institution_id=first.institution_id, number="工资-2026-02-9999", year=2026, month=2,
                        kind=first.kind, state=first.state, created_by_id=hr.id, versions={}, employee_ids=[])
    db.session.add(second)
    db.session.commit()
    ids, hr_id = [first.id, second.id], hr.id
    barrier, outcomes, errors = threading.Barrier(2), [], []

    def work(run_id: int) -> None:
        try:
            with app.app_context():
                session = db.session
                system_actor(session, "test")
                barrier.wait()
                try:
                    compute_run(session, session.get(PayrollRun, run_id), session.get(User, hr_id))
                    session.commit()
                    outcomes.append("computed")
                except BusinessError as exc:
                    session.rollback()
                    outcomes.append(exc.code)
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(run_id,)) for run_id in ids]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == ["computed", "month_already_run"]
    assert db.session.scalar(select(func.count()).select_from(Payslip).where(Payslip.month == 2)) == 5
