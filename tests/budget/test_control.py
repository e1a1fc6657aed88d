"""Budget control: available = approved − open commitments − actuals; Stop refuses, Warn records, Ignore passes;
commitments released on cancel and consumed into actuals on posting, never counted twice."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.budget import services as budget
from erp.budget.models import BudgetEntry, BudgetWarning, EntryState
from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.core.models import Institution
from tests.budget.conftest import source
from tests.ledger.conftest import YEAR

ON = date(YEAR, 3, 10)


def at(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def test_a_commitment_takes_from_what_is_available_and_release_gives_it_back(budgets):
    finance = budgets.user("finance")
    entry = budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "100000.00", source("PO-1"), on=ON, user=finance)
    line = budgets.line("QH101", "01", "F01")
    assert (line.amount, line.committed, line.actual, line.available) == (
        Decimal("240000.00"), Decimal("100000.00"), Decimal("0.00"), Decimal("140000.00"))
    assert entry.state is EntryState.OPEN and entry.open_amount == Decimal("100000.00")
    assert budget.release(db.session, source("PO-1"), "30000.00") == Decimal("30000.00")
    assert budgets.line("QH101", "01", "F01").available == Decimal("170000.00")
    assert budget.release(db.session, source("PO-1")) == Decimal("70000.00")
    assert budgets.line("QH101", "01", "F01").available == Decimal("240000.00")
    assert entry.state is EntryState.RELEASED


def test_a_stop_line_refuses_more_than_is_available_naming_line_asked_and_available(budgets):
    budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "200000.00", source("PO-1"), on=ON)
    with pytest.raises(Conflict) as refused:
        budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "40000.01", source("PO-2"), on=ON)
    assert refused.value.code == "budget_exceeded"
    assert refused.value.fields["asked"] == ["40000.01"] and refused.value.fields["available"] == ["40000.00"]
    assert "7201" in refused.value.message and "全科门诊" in refused.value.message
    assert budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "40000.00", source("PO-2"), on=ON) is not None
    assert budgets.line("QH101", "01", "F01").available == Decimal("0.00")


def test_a_warn_line_lets_the_excess_through_and_records_who_and_why(budgets):
    clerk = budgets.user("finance")
    budget.reserve(db.session, at("QH101"), "7201", "31", "N01", "59000.00", source("EX-1", "claim", "expense"), on=ON)
    entry = budget.reserve(db.session, at("QH101"), "7201", "31", "N01", "2500.00", source("EX-2", "claim", "expense"),
                           on=ON, user=clerk, reason="防汛应急采购")
    assert entry is not None
    warning = db.session.scalar(select(BudgetWarning).where(BudgetWarning.entry_id == entry.id))
    assert (warning.amount, warning.available, warning.reason, warning.user_id) == (
        Decimal("2500.00"), Decimal("1000.00"), "防汛应急采购", clerk.id)
    assert budgets.line("QH101", "31", "N01").available == Decimal("-1500.00")


def test_ytd_monthly_check_allows_only_the_phasing_up_to_the_month(budgets):
    # QH102 办公室 N01: 48000 a year, 4000 a month, checked year-to-date (warn) ; QH001 外科 F01: 1,500,000 ytd stop
    result = budget.check(db.session, at("QH001"), "7201", "02", "F01", "250000.01", date(YEAR, 2, 1))
    assert result.available == Decimal("250000.00") and result.exceeded and not result.allowed
    assert budget.check(db.session, at("QH001"), "7201", "02", "F01", "250000.01", date(YEAR, 3, 1)).allowed
    with pytest.raises(Conflict):
        budget.reserve(db.session, at("QH001"), "7201", "02", "F01", "250000.01", source("PO-9"), on=date(YEAR, 2, 1))


def test_a_replay_returns_the_commitment_and_another_amount_is_refused(budgets):
    first = budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "1000.00", source("PO-1"), on=ON)
    assert budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "1000.00", source("PO-1"), on=ON).id == first.id
    with pytest.raises(Conflict) as refused:
        budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "1500.00", source("PO-1"), on=ON)
    assert refused.value.code == "commitment_exists"
    assert budgets.line("QH101", "01", "F01").committed == Decimal("1000.00")


def test_bad_input_names_the_field(budgets):
    with pytest.raises(BusinessError) as bad:
        budget.reserve(db.session, at("QH101"), "5001", "01", "F01", "10.00", source("X"), on=ON)
    assert "account" in bad.value.fields
    with pytest.raises(BusinessError) as bad:
        budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "-10.00", source("X"), on=ON)
    assert "amount" in bad.value.fields
    with pytest.raises(BusinessError) as bad:
        budget.reserve(db.session, at("QH101"), "7201", "99", "F01", "10.00", source("X"), on=ON)
    assert "department" in bad.value.fields
    assert budget.reserve(db.session, at("QH103"), "7201", "01", "F01", "10.00", source("X"), on=ON) is None


def test_unknown_department_or_source_is_named_even_where_a_line_covers_every_department(budgets):
    # QH001's F02 line names no department: it would match any, so the code itself must still be known
    for call in (budget.check, lambda *a: budget.reserve(*a, source("X"), on=ON)):
        with pytest.raises(BusinessError) as bad:
            call(db.session, at("QH001"), "7201", "99", "F02", "10.00")
        assert bad.value.code == "unknown_department" and "department" in bad.value.fields
        with pytest.raises(BusinessError) as bad:
            call(db.session, at("QH001"), "7201", "01", "F99", "10.00")
        assert bad.value.code == "unknown_funding_source" and "funding_source" in bad.value.fields
        with pytest.raises(BusinessError) as bad:
            call(db.session, at("QH001"), "1002", "01", "F01", "10.00")
        assert bad.value.code == "not_expenditure_account" and "account" in bad.value.fields
        with pytest.raises(BusinessError) as bad:
            call(db.session, at("QH001"), "7999", "01", "F01", "10.00")
        assert bad.value.code == "unknown_account"


def test_the_line_naming_the_department_wins_over_the_one_covering_every_department(budgets):
    general = budgets.line("QH001", None, "F02")
    budget.reserve(db.session, at("QH001"), "7201", "01", "F02", "1000.00", source("PO-G"), on=ON)
    budget.reserve(db.session, at("QH001"), "7201", "01", "F01", "2000.00", source("PO-D"), on=ON)
    assert budgets.line("QH001", "01", "F01").committed == Decimal("2000.00")
    db.session.refresh(general)
    assert general.committed == Decimal("1000.00")
    assert budget.check(db.session, at("QH001"), "7201", "01", "F01", "1.00", ON).line.id == \
        budgets.line("QH001", "01", "F01").id


def _pay(books, institution, amount, department, funding_source, memo="付款"):
    return books.draft(institution, [("5001", amount, "0", {"department": department, "funding_source": funding_source}),
                                     ("1002", "0", amount)], on=ON, memo=memo)


def test_posting_an_expense_voucher_makes_actual_spending_and_a_stop_line_refuses_the_posting(budgets, books):
    books.post(_pay(books, "QH101", "150000.00", "01", "F01"))
    line = budgets.line("QH101", "01", "F01")
    assert (line.actual, line.available) == (Decimal("150000.00"), Decimal("90000.00"))
    actual = db.session.scalar(select(BudgetEntry).where(BudgetEntry.line_id == line.id))
    assert actual.voucher_number and actual.voucher_number.startswith("记-") and actual.source_label == actual.voucher_number
    with pytest.raises(Conflict) as refused:
        books.post(_pay(books, "QH101", "90000.01", "01", "F01"))
    assert refused.value.code == "budget_exceeded"


def test_a_commitment_is_consumed_by_its_documents_voucher_never_counted_twice(budgets, books):
    from erp.ledger.services import LineInput, VoucherInput, post_document

    order, payment = source("PO-7"), source("PAY-7", "payment")
    budget.reserve(db.session, at("QH101"), "7201", "01", "F01", "200000.00", order, on=ON)
    assert budget.consume(db.session, order, by=payment, amount="120000.00") == Decimal("120000.00")
    assert budgets.line("QH101", "01", "F01").committed == Decimal("200000.00")
    post_document(db.session, payment, VoucherInput("QH101", ON, [
        LineInput("5001", debit="120000.00", department="01", funding_source="F01"),
        LineInput("1002", credit="120000.00")], memo="支付药款"),
        preparer=books.user("finance"), poster=books.user("chief"))
    line = budgets.line("QH101", "01", "F01")
    assert (line.committed, line.actual, line.available) == (
        Decimal("80000.00"), Decimal("120000.00"), Decimal("40000.00"))
    # the order is cancelled: what is left of its commitment is released
    assert budget.release(db.session, order) == Decimal("80000.00")
    assert budgets.line("QH101", "01", "F01").available == Decimal("120000.00")


def test_a_reversal_gives_the_actual_back(budgets, books):
    from erp.ledger.services.posting import Ledger

    voucher = books.post(_pay(books, "QH101", "50000.00", "01", "F01"))
    Ledger(db.session, books.user("chief")).reverse(voucher, ON)
    line = budgets.line("QH101", "01", "F01")
    assert (line.actual, line.available) == (Decimal("0.00"), Decimal("240000.00"))


def test_a_refused_posting_leaves_nothing_behind_for_the_next_one(budgets, books):
    with pytest.raises(Conflict):
        books.post(_pay(books, "QH101", "240000.01", "01", "F01"))
    db.session.rollback()
    voucher = books.post(_pay(books, "QH101", "1000.00", "01", "F01", memo="下一张"))
    entries = db.session.scalars(select(BudgetEntry).where(BudgetEntry.kind == "actual")).all()
    assert [(e.amount, e.voucher_number) for e in entries] == [(Decimal("1000.00"), voucher.number)]


def test_year_end_closing_vouchers_are_not_spending(budgets):
    from types import SimpleNamespace

    from erp.budget.services.listeners import on_before_post
    from erp.ledger.services import Account, Basis

    account = db.session.scalar(select(Account).where(Account.code == "7201"))
    line = budgets.line("QH101", "01", "F01")
    closing_line = SimpleNamespace(basis=Basis.BUDGET, account=account, account_id=account.id, debit=Decimal("0.00"),
                                   credit=Decimal("5000.00"), department_id=line.department_id,
                                   funding_source_id=line.funding_source_id)
    for kind, expected in (("closing", Decimal("0.00")), ("reversal", Decimal("-5000.00"))):
        voucher = SimpleNamespace(kind=kind, institution_id=line.institution_id, year=YEAR, month=12,
                                  date=date(YEAR, 12, 31), memo="年终结转", lines=[closing_line])
        on_before_post(None, session=db.session, voucher=voucher, source=None)
        assert budgets.line("QH101", "01", "F01").actual == expected, kind
