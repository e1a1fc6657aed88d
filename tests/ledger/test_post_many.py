"""Ledger.post_many: a batch of vouchers gives exactly the books the one-voucher path gives, keeps every rule,
and refuses the whole batch — writing nothing — when any voucher is wrong."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.audit import verify_chain
from erp.core.errors import BusinessError, Forbidden
from erp.core.extensions import db
from erp.core.models import AuditEntry, Department, Institution, SequenceCounter, User
from erp.core.money import Money
from erp.core.scoping import OutOfScope
from erp.core.session_context import activate_user
from erp.ledger.services.batch_posting import fen_units
from erp.ledger.services.chart import add_detail_account
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.models import Balance, Voucher, VoucherLine, VoucherState
from erp.ledger.services.periods import close_period
from erp.ledger.services.posting import Ledger, VoucherInput
from erp.ledger.services.review import review
from tests.ledger.conftest import YEAR, Books

S1, FISCAL, PROJECT = {"partner": "S001"}, {"funding_source": "F01"}, {"project": "P001"}
TEMPLATES = [  # (memo, lines): cash, budget-only, fiscal, dimension and no-budget cases of 平行记账
    ("门诊收费", [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]),
    ("支付货款", [("2302", "250.00", "0", S1), ("1002", "0", "250.00")]),
    ("购入药品", [("130201", "10000.00", "0"), ("2302", "0", "10000.00", S1)]),
    ("领用药品", [("5001", "300.50", "0", {"department": "01"}), ("130201", "0", "300.50")]),
    ("购置设备", [("1601", "20000.00", "0", PROJECT), ("1011", "0", "20000.00", FISCAL)]),
    ("发放工资", [("2201", "5000.00", "0"), ("4001", "0", "5000.00", FISCAL)]),
    ("收取押金", [("1002", "800.00", "0"), ("2307", "0", "800.00", S1)]),
    ("门诊退费", [("4101010105", "12.30", "0"), ("1001", "0", "12.30")]),
    ("公卫支出", [("5001", "66.60", "0", {"department": "03", **FISCAL}), ("1002", "0", "66.60")]),
    ("公卫收入", [("1002", "1500.00", "0"), ("410103", "0", "1500.00")]),
]


def _input(institution: str, memo: str, lines, month: int, day: int = 10) -> VoucherInput:
    return VoucherInput(institution=institution, date=date(YEAR, month, day), memo=memo, attachment_count=1,
                        lines=[Books.line(*spec) for spec in lines])


def _inputs(first: str, second: str, count: int = 20) -> list[VoucherInput]:
    """``count`` vouchers over two institutions and two months, interleaved."""
    return [_input(first if i % 2 == 0 else second, *TEMPLATES[i % len(TEMPLATES)], month=3 + (i // 2) % 2,
                   day=1 + i) for i in range(count)]


def _books(institutions: dict[str, str]) -> dict:
    """Everything a voucher batch writes, with institution-owned ids replaced by codes so that two
    institutions' books can be compared: vouchers (number, chain, lines) and kept balances."""
    ids = {db.session.scalar(select(Institution.id).where(Institution.code == code)): alias
           for code, alias in institutions.items()}
    departments = dict(db.session.execute(select(Department.id, Department.code)).all())
    vouchers = db.session.scalars(select(Voucher).where(Voucher.institution_id.in_(ids))
                                  .order_by(Voucher.institution_id, Voucher.chain_seq)).all()
    books = {"vouchers": sorted(
        (ids[v.institution_id], v.number, v.chain_seq, v.state.value, v.memo, v.date, v.attachment_count,
         v.kind.value, v.preparer.username, v.poster.username,
         tuple((l.line_no, l.account.code, l.basis.value, l.debit, l.credit, departments.get(l.department_id),
                l.partner_id, l.funding_source_id, l.employee_id, l.project_id, l.memo, l.generated)
               for l in v.lines)) for v in vouchers)}
    books["balances"] = sorted(
        (ids[b.institution_id], b.account_id, b.year, b.month, departments.get(b.department_id, ""), b.partner_id,
         b.funding_source_id, b.employee_id, b.project_id, b.debit, b.credit)
        for b in db.session.scalars(select(Balance).where(Balance.institution_id.in_(ids))))
    return books


def _counts() -> dict:
    return {"vouchers": db.session.scalar(select(func.count(Voucher.id))),
            "lines": db.session.scalar(select(func.count(VoucherLine.id))),
            "balances": db.session.scalar(select(func.count()).select_from(Balance)),
            "audit": db.session.scalar(select(func.count(AuditEntry.id))),
            "counters": sorted(tuple(row) for row in db.session.execute(select(
                SequenceCounter.institution_id, SequenceCounter.doc_type, SequenceCounter.fiscal_year,
                SequenceCounter.period, SequenceCounter.last_value)))}


def test_a_batch_gives_exactly_the_books_of_posting_one_by_one(books):
    finance, chief = books.user("finance"), books.user("chief")
    ids = Ledger(db.session, finance).post_many(_inputs("QH101", "QH102"), poster=chief)
    db.session.commit()
    assert len(ids) == 20
    for data in _inputs("QH103", "QH104"):  # the same vouchers, one by one, in two other centres
        books.post(Ledger(db.session, finance).create_draft(data))
        db.session.commit()
    batch = _books({"QH101": "first", "QH102": "second"})
    single = _books({"QH103": "first", "QH104": "second"})
    assert batch == single
    numbers = [v[1] for v in batch["vouchers"] if v[0] == "first"]
    assert numbers == [f"记-{YEAR}-03-{n:04d}" for n in range(1, 6)] + [f"记-{YEAR}-04-{n:04d}" for n in range(1, 6)]
    assert any(line[-1] for v in batch["vouchers"] for line in v[-1])  # budget lines were generated
    assert [db.session.get(Voucher, i).memo for i in ids] == [TEMPLATES[i % 10][0] for i in range(20)]
    assert verify_chains(db.session) == []
    assert check_balances(db.session) == []


def test_interleaving_with_the_single_path_keeps_chains_intact_and_numbers_gapless(books):
    finance, chief = books.user("finance"), books.user("chief")
    receipt, payment = TEMPLATES[0][1], TEMPLATES[1][1]
    books.enter("QH101", receipt)
    Ledger(db.session, finance).post_many([_input("QH101", "批量", payment, 3)] * 3, poster=chief)
    # no commit in between: the single path must see the chain head the batch moved in this transaction
    books.post(books.draft("QH101", receipt))
    Ledger(db.session, finance).post_many([_input("QH101", "批量", receipt, 3), _input("QH102", "批量", payment, 3)],
                                          poster=chief)
    db.session.commit()
    books.enter("QH101", payment)
    vouchers = db.session.scalars(select(Voucher).where(Voucher.institution_id == _id("QH101"))
                                  .order_by(Voucher.chain_seq)).all()
    assert [v.chain_seq for v in vouchers] == list(range(1, 8))
    assert [v.number for v in vouchers] == [f"记-{YEAR}-03-{n:04d}" for n in range(1, 8)]
    assert all(v.state is VoucherState.POSTED for v in vouchers)
    assert verify_chains(db.session) == []
    assert check_balances(db.session) == []


def _id(code: str) -> int:
    return db.session.scalar(select(Institution.id).where(Institution.code == code))


def _with(inputs: list[VoucherInput], index: int, **changes) -> list[VoucherInput]:
    """The batch with voucher ``index`` changed (lines given as specs)."""
    changed = list(inputs)
    data = inputs[index]
    lines = changes.pop("lines", None)
    changed[index] = VoucherInput(**{**data.__dict__, **changes})
    if lines is not None:
        changed[index].lines = [Books.line(*spec) for spec in lines]
    return changed


BAD = {
    "vouchers[12].lines[1].account": dict(lines=[("1001", "10.00"), ("9999", "0", "10.00")]),
    "vouchers[7].lines[0].account": dict(lines=[("4101", "10.00"), ("1001", "0", "10.00")]),  # not a leaf
    "vouchers[3].lines[0].debit": dict(lines=[("1001", "-10.00"), ("4101010105", "0", "10.00")]),
    "vouchers[19].lines[1].credit": dict(lines=[("1001", "10.00"), ("4101010105", "0", "10.005")]),
    "vouchers[0].lines[0].department": dict(lines=[("5001", "10.00"), ("1001", "0", "10.00")]),
    "vouchers[5].lines[1].partner": dict(lines=[("1002", "10.00"), ("2302", "0", "10.00")]),
    "vouchers[9].lines": dict(lines=[("1001", "10.00"), ("4101010105", "0", "9.99")]),  # unbalanced
    "vouchers[11].lines[0].account": dict(lines=[("8001", "10.00"), ("6001", "0", "10.00")]),  # budget by hand
    "vouchers[4].date": dict(date=date(1999, 1, 5)),  # no such period
    "vouchers[15].institution": dict(institution="XX999"),
}


@pytest.mark.parametrize("field", list(BAD))
def test_a_bad_voucher_anywhere_refuses_the_whole_batch_and_writes_nothing(books, field):
    finance, chief = books.user("finance"), books.user("chief")
    books.enter("QH101", TEMPLATES[0][1])  # numbers, balances and audit entries exist before
    before = _counts()
    index = int(field.split("[")[1].split("]")[0])
    with pytest.raises(BusinessError) as refused:
        Ledger(db.session, finance).post_many(_with(_inputs("QH101", "QH102"), index, **BAD[field]), poster=chief)
    assert field in refused.value.fields, refused.value.fields
    assert refused.value.message.startswith(f"vouchers[{index}]")
    assert _counts() == before  # nothing written, even before the caller rolls back
    db.session.rollback()
    assert _counts() == before


def test_a_closed_period_refuses_the_batch(books):
    chief = books.user("chief")
    books.close_last_year("QH102")
    institution = db.session.get(Institution, _id("QH102"))
    close_period(db.session, institution, YEAR, 1, chief)
    db.session.commit()
    inputs = _inputs("QH101", "QH101", 6) + [_input("QH102", *TEMPLATES[0], month=1)]
    before = _counts()
    with pytest.raises(BusinessError) as refused:
        Ledger(db.session, books.user("finance")).post_many(inputs, poster=chief)
    assert refused.value.code == "period_closed" and "vouchers[6].date" in refused.value.fields
    assert _counts() == before


def test_scope_is_enforced_although_core_inserts_bypass_the_flush_listeners(books):
    accountant, chief = books.user("accountant"), books.user("chief")  # accountant: QH101 (and its clinics)
    before = _counts()
    activate_user(db.session, accountant)
    ledger = Ledger(db.session, accountant)
    lead = [_input("QH101", *TEMPLATES[0], month=3), _input("QH001", *TEMPLATES[0], month=3)]
    with pytest.raises((OutOfScope, BusinessError)) as refused:
        ledger.post_many(lead, poster=chief)
    assert "vouchers[1]" in str(refused.value)
    db.session.rollback()
    activate_user(db.session, books.user("auditor"))  # a read-only role writes nothing at all
    with pytest.raises(OutOfScope):
        Ledger(db.session, books.user("auditor")).post_many(lead[:1], poster=chief)
    db.session.rollback()
    activate_user(db.session, accountant)
    ids = ledger.post_many([lead[0], _input("QH101-01", *TEMPLATES[1], month=3)], poster=chief)  # own clinic
    db.session.commit()
    db.session.info["scope"] = None
    assert _counts()["vouchers"] == before["vouchers"] + len(ids) == 2


def test_separation_of_duties(books):
    finance, chief, pharmacy = books.user("finance"), books.user("chief"), books.user("pharmacy")
    inputs = _inputs("QH101", "QH102", 2)
    with pytest.raises(Forbidden, match="制单人"):
        Ledger(db.session, finance).post_many(inputs)  # the preparer would post
    with pytest.raises(Forbidden, match="制单人"):
        Ledger(db.session, finance).post_many(inputs, poster=finance)
    with pytest.raises(Forbidden):
        Ledger(db.session, finance).post_many(inputs, poster=pharmacy)  # pharmacy: QH001 only
    assert _counts()["vouchers"] == 0
    ids = Ledger(db.session, finance).post_many(inputs, poster=chief)
    db.session.commit()
    posted = db.session.get(Voucher, ids[0])
    assert (posted.preparer.username, posted.poster.username, posted.posted_at is not None) == ("finance", "chief", True)


def test_each_voucher_gets_an_audit_entry_and_the_audit_chain_stays_intact(books):
    finance, chief = books.user("finance"), books.user("chief")
    activate_user(db.session, finance)
    books.draft("QH101", TEMPLATES[0][1])  # an ORM-audited change in the same transaction
    ids = Ledger(db.session, finance).post_many(_inputs("QH101", "QH102", 4), poster=chief)
    db.session.commit()
    books.enter("QH102", TEMPLATES[1][1])
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Voucher",
                                                          AuditEntry.record_id.in_([str(i) for i in ids]))
                                 .order_by(AuditEntry.chain, AuditEntry.seq)).all()
    assert sorted(int(e.record_id) for e in entries) == sorted(ids)
    entries.sort(key=lambda e: ids.index(int(e.record_id)))
    first = db.session.get(Voucher, ids[0])
    assert all(e.chain == str(db.session.get(Voucher, ids[n]).institution_id) for n, e in enumerate(entries))
    assert entries[0].action == "create" and entries[0].username == "finance"
    assert entries[0].institution_id == first.institution_id
    assert entries[0].after == {"number": first.number, "state": "posted", "institution_id": first.institution_id,
                                "lines": len(first.lines), "hash": first.hash}
    assert verify_chain(db.session) is None


def test_a_ledger_kept_across_transactions_checks_its_cached_accounts_again(books):
    finance, chief = books.user("finance"), books.user("chief")
    ledger = Ledger(db.session, finance)
    payment = _input("QH101", *TEMPLATES[1], month=3)  # 2302 / 1002
    with pytest.raises(BusinessError):  # 1002 resolved and cached, the batch refused for its second voucher
        ledger.post_many([payment, _input("QH101", "坏", [("1002", "1.00"), ("9999", "0", "1.00")], 3)], poster=chief)
    db.session.rollback()
    add_detail_account(db.session, db.session.get(Institution, _id("QH101")), "1002", "100201", "工行基本户")
    db.session.commit()
    with pytest.raises(BusinessError) as refused:  # 1002 is no longer a leaf for QH101
        ledger.post_many([payment], poster=chief)
    assert refused.value.code == "non_leaf_account" and "vouchers[0].lines[1].account" in refused.value.fields


@pytest.mark.parametrize("amount", ["0.00", "1.23", "10", "999999999999.99", "-5.10", "1.5", "1E+3"])
def test_copied_amounts_are_what_the_money_column_stores(amount):
    assert fen_units(Decimal(amount)) == Money().process_bind_param(Decimal(amount), None)


def test_copied_amounts_refuse_what_the_money_column_refuses():
    with pytest.raises(ValueError):
        fen_units(Decimal("1.234"))
    with pytest.raises(ValueError):
        fen_units(Decimal("1E+20"))


def test_an_empty_batch_does_nothing(books):
    assert Ledger(db.session, books.user("finance")).post_many([], poster=books.user("chief")) == []


@pytest.mark.postgres
def test_concurrent_batches_and_single_postings_keep_chains_and_numbers(books):
    finance_id, chief_id = books.user("finance").id, books.user("chief").id
    db.session.commit()
    engine = db.engine
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(kind: str) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                with Session(engine) as session:
                    finance, chief = session.get(User, finance_id), session.get(User, chief_id)
                    if kind == "batch":
                        Ledger(session, finance).post_many(_inputs("QH101", "QH102", 6), poster=chief)
                    else:
                        voucher = Ledger(session, finance).create_draft(_input("QH101", *TEMPLATES[0], month=3))
                        session.commit()
                        review(session, chief, voucher)
                        Ledger(session, chief).post(voucher)
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(kind,)) for kind in ("batch", "batch", "single", "single")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = db.session.scalars(select(Voucher.number).where(Voucher.institution_id == _id("QH101"),
                                                              Voucher.month == 3)).all()
    per_batch = sum(1 for data in _inputs("QH101", "QH102", 6) if (data.institution, data.date.month) == ("QH101", 3))
    assert sorted(numbers) == [f"记-{YEAR}-03-{n:04d}" for n in range(1, 2 * 5 * per_batch + 2 * 5 + 1)]
    assert verify_chains(db.session) == []
    assert check_balances(db.session) == []
    assert verify_chain(db.session) is None
