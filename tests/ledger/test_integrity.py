"""Posted data is immutable; the hash chain and the kept balances can be verified and catch tampering."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.ledger.models.immutability import PostedRecordImmutable
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.models import Voucher, VoucherLine
from erp.ledger.services.posting import Ledger
from tests.conftest import ON_POSTGRES
from tests.ledger.conftest import YEAR

RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]
PAYMENT = [("2302", "250.00", "0", {"partner": "S002"}), ("1002", "0", "250.00")]


def test_service_refuses_to_change_or_delete_a_posted_voucher(books):
    voucher = books.enter("QH101", RECEIPT)
    voucher.memo = "改摘要"
    with pytest.raises(PostedRecordImmutable):
        db.session.flush()
    db.session.rollback()
    line = db.session.scalars(select(VoucherLine).where(VoucherLine.voucher_id == voucher.id)).first()
    line.debit = Decimal("999.00")
    with pytest.raises(PostedRecordImmutable):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Conflict, match="冲销"):
        Ledger(db.session, books.user("finance")).delete_draft(db.session.get(Voucher, voucher.id))
    db.session.rollback()


@pytest.mark.postgres
def test_raw_sql_cannot_alter_a_posted_line_on_postgresql(books):
    voucher = books.enter("QH101", RECEIPT)
    draft = books.draft("QH101", PAYMENT)
    db.session.commit()
    for statement in (f"UPDATE voucher_line SET debit = 99900 WHERE voucher_id = {voucher.id}",
                      f"DELETE FROM voucher_line WHERE voucher_id = {voucher.id}",
                      f"UPDATE voucher SET memo = 'x' WHERE id = {voucher.id}",
                      f"DELETE FROM voucher WHERE id = {voucher.id}",
                      f"INSERT INTO voucher_line (voucher_id, institution_id, line_no, account_id, basis, debit, "
                      f"credit, memo, generated) SELECT {voucher.id}, institution_id, 99, account_id, basis, 1, 0, '', "
                      f"false FROM voucher_line WHERE voucher_id = {voucher.id} LIMIT 1"):
        with pytest.raises(DBAPIError, match="immutable"):
            db.session.execute(text(statement))
        db.session.rollback()
    # drafts stay editable
    db.session.execute(text(f"UPDATE voucher_line SET memo = 'ok' WHERE voucher_id = {draft.id}"))
    db.session.commit()


def test_verify_passes_then_names_the_first_tampered_voucher(books):
    first = books.enter("QH101", RECEIPT)
    second = books.enter("QH101", PAYMENT)
    books.enter("QH102", RECEIPT)
    assert verify_chains(db.session) == []
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher_line DISABLE TRIGGER voucher_line_posted_immutable"))
    db.session.execute(text(f"UPDATE voucher_line SET credit = 60100 WHERE voucher_id = {second.id} AND line_no = 2"))
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher_line ENABLE TRIGGER voucher_line_posted_immutable"))
    db.session.commit()
    problems = verify_chains(db.session)
    assert len(problems) == 1 and second.number in problems[0] and "altered" in problems[0]
    assert first.number not in problems[0]


def test_check_finds_balances_that_disagree_with_the_lines(books):
    books.enter("QH101", RECEIPT)
    books.enter("QH101", PAYMENT)
    assert check_balances(db.session) == []
    db.session.execute(text("UPDATE balance SET debit = debit + 1 WHERE month = 3"
                            " AND account_id = (SELECT id FROM account WHERE code = '1001')"))
    db.session.commit()
    differences = check_balances(db.session)
    assert len(differences) == 1 and "kept debit/credit 1000.01/0.00, lines give 1000.00/0.00" in differences[0]


ACCOUNTS = [("1001", None), ("1002", None), ("4101010105", None), ("410101010801", None), ("130201", None),
            ("2302", {"partner": "S001"}), ("5001", {"department": "01"}), ("5001", {"department": "02"}),
            ("1601", None), ("2201", None), ("4001", None)]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
pairs = st.tuples(st.sampled_from(range(len(ACCOUNTS))), st.sampled_from(range(len(ACCOUNTS))), amounts,
                  st.sampled_from(["QH101", "QH102"]), st.integers(min_value=1, max_value=4))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vouchers=st.lists(pairs, min_size=1, max_size=8))
def test_kept_balances_always_equal_the_lines_after_random_postings(books, vouchers):
    for debit_index, credit_index, amount, institution, month in vouchers:
        if debit_index == credit_index:
            continue
        (debit_account, debit_dims), (credit_account, credit_dims) = ACCOUNTS[debit_index], ACCOUNTS[credit_index]
        try:
            books.enter(institution, [(debit_account, str(amount), "0", debit_dims),
                                      (credit_account, "0", str(amount), credit_dims)], on=date(YEAR, month, 10))
        except BusinessError:
            db.session.rollback()  # e.g. a pair whose budget side cannot balance: refused, nothing written
    assert check_balances(db.session) == []
    assert verify_chains(db.session) == []


def test_erp_ledger_verify_and_check_commands(app, books, monkeypatch):
    from erp.core.cli import main

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    voucher = books.enter("QH101", RECEIPT)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["ledger", "verify"]).output.strip() == "voucher chains intact"
    assert "balances agree" in runner.invoke(main, ["ledger", "check"]).output
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher DISABLE TRIGGER voucher_posted_immutable"))
    db.session.execute(text(f"UPDATE voucher SET memo = '篡改' WHERE id = {voucher.id}"))
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher ENABLE TRIGGER voucher_posted_immutable"))
    db.session.execute(text("UPDATE balance SET credit = credit + 100 WHERE month = 3"))
    db.session.commit()
    verify = runner.invoke(main, ["ledger", "verify"])
    assert verify.exit_code == 1 and voucher.number in verify.output and "altered" in verify.output
    check = runner.invoke(main, ["ledger", "check"])
    assert check.exit_code == 1 and "differences" in check.output
