"""预算控制 of the payroll runs (issue #11): approving commits each institution's cost (gross + employer
contributions) on its 7201 line — Stop refuses and the run stays computed, Warn records —, a recomputation of
an unapproved run commits nothing, and paying turns the net pay into actual spending once and frees the rest."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.budget.models import BudgetEntry, BudgetLine, BudgetWarning, EntryKind, EntryState
from erp.core.errors import Conflict
from erp.core.extensions import db
from erp.core.timeutil import local_today
from erp.payroll.models import RunState
from erp.payroll.services import approve_run, compute_run, create_run, pay_run, post_run
from tests.factories import budget_line
from tests.payroll.conftest import user

YEAR, MONTH = local_today().year, local_today().month


def _computed_run():
    run = create_run(db.session, user("hr"), institution="QH102", year=YEAR, month=MONTH)
    compute_run(db.session, run, user("hr"))
    db.session.commit()
    assert run.gross_total > 0 and run.employer_total > 0
    return run


def _line(line_id: int) -> BudgetLine:
    db.session.expire_all()
    return db.session.get(BudgetLine, line_id)


def _entries(line_id: int, **where) -> list[BudgetEntry]:
    return list(db.session.scalars(select(BudgetEntry).where(BudgetEntry.line_id == line_id, *[
        getattr(BudgetEntry, key) == value for key, value in where.items()])))


def test_a_stop_line_refuses_the_approval_and_the_run_stays_computed(staff):
    run = _computed_run()
    cost = run.gross_total + run.employer_total
    line_id = budget_line("QH102", str(cost - Decimal("0.01")), "stop").id
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        approve_run(db.session, run, user("chief"))
    db.session.rollback()
    error = caught.value
    assert error.code == "budget_exceeded"
    assert (error.fields["asked"], error.fields["available"]) == ([str(cost)], [str(cost - Decimal("0.01"))])
    assert "7201" in error.fields["line"][0]
    db.session.refresh(run)
    assert run.state is RunState.COMPUTED and run.approved_by_id is None
    assert _line(line_id).committed == 0 and _entries(line_id) == []


def test_a_recomputation_needs_nothing_and_a_warn_line_records_the_approval(staff):
    run = _computed_run()
    cost = run.gross_total + run.employer_total
    line_id = budget_line("QH102", "1000.00", "warn").id
    db.session.commit()
    compute_run(db.session, run, user("hr"))  # recomputed before approval: nothing committed
    db.session.commit()
    assert _line(line_id).committed == 0 and _entries(line_id) == []
    approve_run(db.session, run, user("chief"))
    db.session.commit()
    assert _line(line_id).committed == cost and _line(line_id).available == Decimal("1000.00") - cost
    [warning] = db.session.scalars(select(BudgetWarning).where(BudgetWarning.line_id == line_id))
    assert (warning.amount, warning.available, warning.user_id) == (cost, Decimal("1000.00"), user("chief").id)
    assert run.number in warning.reason


def test_paying_the_run_turns_its_net_pay_into_actual_spending_once(staff):
    run = _computed_run()
    cost, net = run.gross_total + run.employer_total, run.net_total
    line_id = budget_line("QH102", "500000.00", "stop").id
    db.session.commit()
    approve_run(db.session, run, user("chief"))
    db.session.commit()
    line = _line(line_id)
    assert (line.committed, line.actual, line.available) == (cost, 0, Decimal("500000.00") - cost)
    post_run(db.session, run, user("finance"))  # 工资计提 moves no budget cash: the commitment stays
    db.session.commit()
    assert (_line(line_id).committed, _line(line_id).actual) == (cost, 0)
    pay_run(db.session, run, user("finance"))
    db.session.commit()
    line = _line(line_id)
    # the net pay is handed over to the 工资发放 voucher (counted once); the withholdings and the employer's
    # contributions, remitted later by their own vouchers, are freed
    assert (line.committed, line.actual, line.available) == (0, net, Decimal("500000.00") - net)
    [actual] = _entries(line_id, kind=EntryKind.ACTUAL)
    assert (actual.amount, actual.source_module, actual.source_kind) == (net, "payroll", "payment")
    assert _entries(line_id, state=EntryState.OPEN) == []
    [commitment] = _entries(line_id, kind=EntryKind.COMMITMENT, source_kind="run")
    assert (commitment.amount, commitment.open_amount) == (cost, 0)
