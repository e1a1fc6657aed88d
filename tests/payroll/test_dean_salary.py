"""院长年薪 (PAYROLL.md §8): twelve advances summing exactly to the base, settlement by the appraisal score,
every amount posted through the ledger's door with the dean's own funding source."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.core.models import FundingSource
from erp.ledger.services import Account, Voucher, VoucherLine
from erp.payroll.services.dean_salary import (annual_salary, approve_dean_salary, create_dean_salary,
                                              monthly_advances, pay_advance, settle)
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import employee, user


@pytest.mark.parametrize("base, first, rest", [
    ("250000.00", "20833.34", "20833.33"),  # 4 fen left over: months 1–4
    ("300000.00", "25000.00", "25000.00"),
    ("100000.11", "8333.35", "8333.34"),  # 1,000,011 fen = 12 × 83,334 + 3: months 1–3 one more
])
def test_twelve_advances_sum_exactly_to_the_base(base, first, rest):
    advances = monthly_advances(Decimal(base))
    assert len(advances) == 12 and sum(advances) == Decimal(base)
    assert advances[0] == Decimal(first) and advances[-1] == Decimal(rest)


def test_the_annual_salary_by_score():
    base, standard = Decimal("250000.00"), Decimal("450000.00")
    assert annual_salary(base, standard, Decimal(85)) == Decimal("317500.00")  # 250,000 + 15 × 4,500
    assert annual_salary(base, standard, Decimal(70)) == base
    assert annual_salary(base, standard, Decimal(56)) == Decimal("200000.00")  # 250,000 × 56/70
    assert annual_salary(base, standard, Decimal("64.5")) == Decimal("230357.14")  # 230,357.142857…


def test_a_recorded_salary_waits_for_another_users_approval_before_any_advance(books, demo):
    salary = create_dean_salary(db.session, demo.id, user("finance"), employee=_dean(demo), year=YEAR,
                                standard=Decimal("450000.00"), base=Decimal("250000.00"), funding_source="F01")
    assert salary.state.value == "draft" and salary.approved_by_id is None
    with pytest.raises(Conflict) as early:
        pay_advance(db.session, salary, 1, user("finance"))
    assert early.value.code == "invalid_transition"
    with pytest.raises(Conflict) as own:
        approve_dean_salary(db.session, salary, user("finance"))  # who recorded it may not approve it
    assert own.value.code == "separation_of_duties"
    approve_dean_salary(db.session, salary, user("chief"))
    assert salary.state.value == "approved" and salary.approved_by_id == user("chief").id
    with pytest.raises(Conflict):
        approve_dean_salary(db.session, salary, user("chief"))  # once
    assert pay_advance(db.session, salary, 1, user("chief")).paid_at is not None


def _dean(demo):
    return employee(demo.id, "QH001", "刘院长", 901, department="31", is_head=True, staff_category="management")


def _source(line) -> str | None:
    return db.session.get(FundingSource, line.funding_source_id).code if line.funding_source_id else None


def _lines(voucher, generated: bool = False):
    return sorted((line.account.code, f"{line.debit:.2f}", f"{line.credit:.2f}", _source(line))
                  for line in voucher.lines if line.generated == generated)


def test_advances_and_a_positive_settlement_are_posted_with_the_deans_funding_source(books, demo):
    salary = create_dean_salary(db.session, demo.id, user("hr"), employee=_dean(demo), year=YEAR,
                                standard=Decimal("450000.00"), base=Decimal("250000.00"), funding_source="F01")
    approve_dean_salary(db.session, salary, user("chief"))
    assert [a.amount for a in salary.advances][:5] == [Decimal("20833.34")] * 4 + [Decimal("20833.33")]
    pay_advance(db.session, salary, 1, user("finance"))
    accrual, payment = (db.session.scalar(select(Voucher).where(Voucher.source_kind == f"dean_advance_{kind}"))
                        for kind in ("accrual", "payment"))
    assert accrual.source_key == f"{salary.id}-01" and accrual.template_version == "payroll.dean_salary@1"
    assert _lines(accrual) == [("2201", "0.00", "20833.34", "F01"), ("5101", "20833.34", "0.00", "F01")]
    assert _lines(payment) == [("2201", "20833.34", "0.00", "F01"), ("4001", "0.00", "20833.34", "F01")]
    assert {(code, source) for code, _, _, source in _lines(payment, generated=True)} == {
        ("6001", "F01"), ("7201", "F01")}  # 平行记账: 财政拨款预算收入 / 事业支出, on the dean's source
    with pytest.raises(Conflict) as caught:
        pay_advance(db.session, salary, 1, user("finance"))
    assert caught.value.code == "already_paid"
    for month in range(2, 13):
        pay_advance(db.session, salary, month, user("finance"))
    settle(db.session, salary, Decimal(85), user("finance"))
    assert (salary.annual, salary.advanced, salary.settlement) == (Decimal("317500.00"), Decimal("250000.00"),
                                                                   Decimal("67500.00"))
    settlement = db.session.scalar(select(Voucher).where(Voucher.source_kind == "dean_settlement_accrual"))
    assert ("5101", "67500.00", "0.00", "F01") in _lines(settlement)
    expensed = db.session.scalars(select(VoucherLine.debit).join(Voucher).join(Account).where(
        Voucher.source_kind.in_(["dean_advance_accrual", "dean_settlement_accrual"]), Account.code == "5101"))
    assert sum(expensed) == salary.annual  # the year's expense is exactly the annual salary
    with pytest.raises(Conflict):
        settle(db.session, salary, Decimal(90), user("finance"))
    with pytest.raises(Conflict):
        pay_advance(db.session, salary, 2, user("finance"))


def test_a_negative_settlement_is_recovered(books, demo):
    salary = create_dean_salary(db.session, demo.id, user("hr"), employee=_dean(demo), year=YEAR,
                                standard=Decimal("450000.00"), base=Decimal("250000.00"), funding_source="F01")
    approve_dean_salary(db.session, salary, user("chief"))
    for month in range(1, 13):
        pay_advance(db.session, salary, month, user("finance"))
    settle(db.session, salary, Decimal(56), user("finance"))
    assert (salary.annual, salary.advanced, salary.settlement) == (Decimal("200000.00"), Decimal("250000.00"),
                                                                   Decimal("-50000.00"))
    recovery = db.session.scalar(select(Voucher).where(Voucher.source_kind == "dean_settlement"))
    assert _lines(recovery) == [("2201", "50000.00", "0.00", "F01"), ("5101", "0.00", "50000.00", "F01")]


def test_only_the_head_within_the_cap_from_a_fiscal_source(books, demo):
    doctor = employee(demo.id, "QH001", "王医生", 902, department="01")
    dean = _dean(demo)
    cases = [
        (dict(employee=doctor), "employee", "not_head"),
        (dict(base=Decimal("500000.00")), "base", "invalid"),
        (dict(average_pay=Decimal("100000.00")), "standard", "dean_cap"),  # 450,000 > 3 × 100,000
        (dict(funding_source="N01"), "funding_source", "not_fiscal"),
        (dict(funding_source=None), "funding_source", "funding_source_required"),
    ]
    for change, field, code in cases:
        arguments = dict(employee=dean, year=YEAR, standard=Decimal("450000.00"), base=Decimal("250000.00"),
                         funding_source="F01") | change
        with pytest.raises(BusinessError) as caught:
            create_dean_salary(db.session, demo.id, user("hr"), **arguments)
        assert (list(caught.value.fields), caught.value.code) == ([field], code), change


@pytest.mark.postgres
def test_a_month_is_advanced_once_when_paid_concurrently(books, demo, app):
    import threading

    from sqlalchemy import func

    from erp.core.models import User
    from erp.payroll.services.dean_salary import get_dean_salary

    salary = create_dean_salary(db.session, demo.id, user("hr"), employee=_dean(demo), year=YEAR,
                                standard=Decimal("450000.00"), base=Decimal("250000.00"), funding_source="F01")
    approve_dean_salary(db.session, salary, user("chief"))
    salary_id, finance_id = salary.id, user("finance").id
    db.session.commit()
    barrier, outcomes = threading.Barrier(4), []

    def work() -> None:
        with app.app_context():
            session = db.session
            barrier.wait()
            try:
                pay_advance(session, get_dean_salary(session, salary_id, lock=True), 5, session.get(User, finance_id))
                session.commit()
                outcomes.append("paid")
            except Conflict as exc:
                session.rollback()
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_paid"] * 3 + ["paid"]
    assert db.session.scalar(select(func.count(Voucher.id)).where(Voucher.source_kind.like("dean_advance%"))) == 2


def test_an_unpaid_month_is_settled_not_advanced(books, demo):
    salary = create_dean_salary(db.session, demo.id, user("hr"), employee=_dean(demo), year=YEAR,
                                standard=Decimal("450000.00"), base=Decimal("250000.00"), funding_source="F01")
    approve_dean_salary(db.session, salary, user("chief"))
    for month in range(1, 12):  # December's advance never paid
        pay_advance(db.session, salary, month, user("finance"))
    settle(db.session, salary, Decimal(70), user("finance"))
    assert (salary.annual, salary.advanced, salary.settlement) == (Decimal("250000.00"), Decimal("229166.67"),
                                                                   Decimal("20833.33"))
