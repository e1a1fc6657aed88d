"""The document door: a goods receipt (入库) is posted once, replayed, refused with other content, reversed by
its document and posted again; concurrently too; before_post may refuse; a hand reversal is refused."""
from __future__ import annotations

import subprocess
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from erp.core import signals
from erp.core.audit import verify_chain
from erp.core.errors import BusinessError, Conflict, Forbidden
from erp.core.extensions import db
from erp.core.models import AuditEntry, User
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.models import Balance, LedgerDocument, Voucher, VoucherKind
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, reverse_document
from tests.conftest import ON_POSTGRES, csrf_token
from tests.ledger.conftest import YEAR

RECEIPT = DocumentSource("procurement", "receipt", "17", f"入库-{YEAR}-00017", url="/procurement/receipts/17")


def receipt(amount: str = "12345.60", on: date = date(YEAR, 3, 20)) -> VoucherInput:
    """入库: Dr 130201 库存物品-药品 / Cr 2302 应付账款 (supplier S001 国药控股)."""
    return VoucherInput(institution="QH001", date=on, memo="药品入库 国药控股", attachment_count=2, lines=[
        LineInput(account="130201", debit=amount, memo="药品入库"),
        LineInput(account="2302", credit=amount, partner="S001", memo="应付国药控股")])


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def post(data: VoucherInput | None = None, source: DocumentSource = RECEIPT) -> Voucher:
    return post_document(db.session, source, data or receipt(), preparer=user("procurement"), poster=user("chief"),
                         template_version="procurement.receipt@3")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def balance(code_id: int) -> tuple[Decimal, Decimal]:
    row = db.session.execute(select(func.sum(Balance.debit), func.sum(Balance.credit))
                             .where(Balance.account_id == code_id)).one()
    return row[0], row[1]


def test_a_receipt_is_posted_once_replayed_refused_reversed_and_posted_again(books):
    voucher = post()
    db.session.commit()
    assert (voucher.number, voucher.status, voucher.kind) == (f"记-{YEAR}-03-0001", "posted", VoucherKind.NORMAL)
    assert (voucher.preparer.username, voucher.poster.username) == ("procurement", "chief")
    assert (voucher.source_module, voucher.source_kind, voucher.source_key, voucher.source_label,
            voucher.source_url, voucher.template_version) == ("procurement", "receipt", "17", f"入库-{YEAR}-00017",
                                                              "/procurement/receipts/17", "procurement.receipt@3")
    lines = [(l.account.code, l.debit, l.credit, l.partner_id is not None) for l in voucher.lines]
    assert lines == [("130201", Decimal("12345.60"), Decimal("0.00"), False),
                     ("2302", Decimal("0.00"), Decimal("12345.60"), True)]
    inventory = voucher.lines[0].account_id
    assert balance(inventory) == (Decimal("12345.60"), Decimal("0.00"))
    audit_entries = count(AuditEntry)

    again = post(receipt("12345.6"))  # the same content (amounts compared as numbers): the same voucher
    db.session.commit()
    assert again.id == voucher.id and count(Voucher) == 1 and count(AuditEntry) == audit_entries

    with pytest.raises(Conflict) as refused:
        post(receipt("12000.00"))
    assert refused.value.code == "document_posted" and voucher.number in refused.value.message
    db.session.rollback()

    reversal = reverse_document(db.session, RECEIPT, user=user("finance"), on=date(YEAR, 3, 25))
    db.session.commit()
    assert (reversal.number, reversal.kind, reversal.reversal_of_id) == (f"记-{YEAR}-03-0002", VoucherKind.REVERSAL,
                                                                        voucher.id)
    assert reversal.source_label == f"入库-{YEAR}-00017" and reversal.poster.username == "finance"
    assert [(l.account.code, l.debit, l.credit) for l in reversal.lines] == [
        ("130201", Decimal("-12345.60"), Decimal("0.00")), ("2302", Decimal("0.00"), Decimal("-12345.60"))]  # 红字
    assert db.session.get(Voucher, voucher.id).status == "reversed"
    assert balance(inventory) == (Decimal("0.00"), Decimal("0.00"))  # 红字: 发生额 nets to zero

    corrected = post(receipt("12000.00"))  # the corrected receipt: a new voucher
    db.session.commit()
    assert corrected.id not in (voucher.id, reversal.id) and corrected.number == f"记-{YEAR}-03-0003"
    assert post(receipt("12000")).id == corrected.id
    with pytest.raises(Conflict, match=corrected.number):
        post(receipt())  # the first content is no longer what the document stands for
    db.session.rollback()
    assert balance(inventory) == (Decimal("12000.00"), Decimal("0.00"))
    assert count(LedgerDocument) == 1 and count(Voucher) == 3
    assert verify_chains(db.session) == [] and check_balances(db.session) == [] and verify_chain(db.session) is None


def test_reversing_a_document_not_posted_is_refused(books):
    with pytest.raises(Conflict) as refused:
        reverse_document(db.session, RECEIPT, user=user("finance"))
    assert refused.value.code == "document_not_posted" and RECEIPT.label in refused.value.message


def test_the_document_door_keeps_the_posting_rules(books):
    with pytest.raises(Forbidden, match="制单人"):  # separation of duties: the preparer may not approve
        post_document(db.session, RECEIPT, receipt(), preparer=user("chief"), poster=user("chief"))
    db.session.rollback()
    with pytest.raises(BusinessError) as refused:  # 2302 needs the supplier
        post(VoucherInput(institution="QH001", date=date(YEAR, 3, 20), lines=[
            LineInput(account="130201", debit="10.00"), LineInput(account="2302", credit="10.00")]))
    assert "vouchers[0].lines[1].partner" in refused.value.fields
    db.session.rollback()
    assert count(Voucher) == 0 and count(LedgerDocument) == 0


def test_two_sources_for_a_document_that_books_in_two_institutions(books):
    out = DocumentSource("procurement", "transfer_out", "5", "调拨-00005")
    into = DocumentSource("procurement", "transfer_in", "5", "调拨-00005")
    issued = post(VoucherInput(institution="QH001", date=date(YEAR, 3, 21), lines=[
        LineInput(account="1218", debit="800.00", partner="M-QH101"), LineInput(account="130201", credit="800.00")]), out)
    received = post(VoucherInput(institution="QH101", date=date(YEAR, 3, 21), lines=[
        LineInput(account="130201", debit="800.00"), LineInput(account="2307", credit="800.00", partner="M-QH001")]),
        into)
    db.session.commit()
    assert issued.institution.code == "QH001" and received.institution.code == "QH101"
    assert {issued.number, received.number} == {f"记-{YEAR}-03-0001"} and count(LedgerDocument) == 2


def test_source_is_covered_by_the_hash_chain(books):
    voucher = post()
    db.session.commit()
    assert verify_chains(db.session) == []
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher DISABLE TRIGGER voucher_posted_immutable"))
    db.session.execute(text(f"UPDATE voucher SET source_label = '入库-伪造' WHERE id = {voucher.id}"))
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher ENABLE TRIGGER voucher_posted_immutable"))
    db.session.commit()
    problems = verify_chains(db.session)
    assert len(problems) == 1 and voucher.number in problems[0] and "altered" in problems[0]


def test_a_document_voucher_is_shown_with_its_source_and_not_reversed_by_hand(books, api, web):
    voucher = post()
    db.session.commit()
    chief = api("chief")
    shown = chief.get(f"/api/v1/vouchers/{voucher.id}").json
    assert shown["source"] == {"module": "procurement", "kind": "receipt", "key": "17",
                               "label": f"入库-{YEAR}-00017", "url": "/procurement/receipts/17"}
    assert shown["template_version"] == "procurement.receipt@3"
    refused = chief.post(f"/api/v1/vouchers/{voucher.id}/reverse", json={"date": f"{YEAR}-03-25"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "document_voucher"
    assert f"入库-{YEAR}-00017" in refused.json["error"]["message"]
    browser = web("chief")
    page = browser.get(f"/ledger/vouchers/{voucher.id}").get_data(as_text=True)
    # the source is named; receipt 17 does not exist in this test, so it is not linked (it would answer 404)
    assert f"来源单据：入库-{YEAR}-00017" in page and 'href="/procurement/receipts/17"' not in page
    assert "红字冲销</button>" not in page and "只能在该单据中冲销" in page
    forced = browser.post(f"/ledger/vouchers/{voucher.id}/reverse", follow_redirects=True,
                          data={"csrf_token": csrf_token(page), "date": f"{YEAR}-03-25"}).get_data(as_text=True)
    assert "不能冲销" in forced and f"入库-{YEAR}-00017" in forced
    assert count(Voucher) == 1


@pytest.fixture
def hooks(app):
    """Connect receivers to the app's before_post / after_post for one test."""
    connected = []

    def connect(signal, receiver):
        signal.connect(receiver, sender=app, weak=False)
        connected.append((signal, receiver))

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver, sender=app)


def test_before_post_may_refuse_and_nothing_is_written(books, hooks, app):
    def budget_control(sender, session, voucher, source):
        if sum((line.debit for line in voucher.lines), Decimal(0)) > Decimal("10000.00"):
            raise BusinessError("超出预算指标 (over budget)", code="over_budget")

    hooks(signals.before_post, budget_control)
    before = (count(Voucher), count(AuditEntry), count(Balance))
    with pytest.raises(BusinessError) as refused:
        post()
    assert refused.value.code == "over_budget"
    db.session.rollback()
    assert (count(Voucher), count(AuditEntry), count(Balance)) == before
    draft = books.draft("QH101", [("1001", "20000.00"), ("4101010105", "0", "20000.00")])
    db.session.commit()
    with pytest.raises(BusinessError, match="超出预算"):
        books.post(draft)
    db.session.rollback()
    assert db.session.get(Voucher, draft.id).status == "draft" and count(Balance) == before[2]
    assert post(receipt("9000.00")).number == f"记-{YEAR}-03-0001"  # within budget: posted


def test_every_posted_voucher_is_announced_with_its_source(books, hooks):
    heard = []
    hooks(signals.before_post, lambda sender, session, voucher, source: heard.append(
        ("before", voucher.number, source.label if source else None)))
    hooks(signals.after_post, lambda sender, session, voucher, source: heard.append(
        ("after", voucher.number, source.label if source else None)))
    post()
    books.enter("QH001", [("1001", "50.00"), ("4101010105", "0", "50.00")])
    reverse_document(db.session, RECEIPT, user=user("finance"), on=date(YEAR, 3, 25))
    label = RECEIPT.label
    assert heard == [("before", None, label), ("after", f"记-{YEAR}-03-0001", label),
                     ("before", None, None), ("after", f"记-{YEAR}-03-0002", None),
                     ("before", None, label), ("after", f"记-{YEAR}-03-0003", label)]


@pytest.mark.postgres
def test_concurrent_first_calls_give_one_voucher(books, app):
    procurement_id, chief_id = user("procurement").id, user("chief").id
    db.session.commit()
    threads, barrier = 6, threading.Barrier(6)
    results, errors = [], []

    def work() -> None:
        try:
            with app.app_context():
                session = db.session
                barrier.wait()
                voucher = post_document(session, RECEIPT, receipt(), preparer=session.get(User, procurement_id),
                                        poster=session.get(User, chief_id))
                number = voucher.number
                session.commit()
                results.append(number)
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert not errors, errors
    assert results == [f"记-{YEAR}-03-0001"] * threads
    assert count(Voucher) == 1 and count(LedgerDocument) == 1
    assert verify_chains(db.session) == [] and check_balances(db.session) == []


def test_the_print_names_the_source_document(books, api, tmp_path):
    voucher = post()
    db.session.commit()
    response = api("chief").get(f"/api/v1/vouchers/{voucher.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "voucher.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace(" ", "")
    assert f"来源单据：入库-{YEAR}-00017" in flat and "procurement.receipt@3" in flat
    links = subprocess.run(["pdfinfo", "-url", str(path)], capture_output=True, text=True, check=True).stdout
    assert "http://localhost/procurement/receipts/17" in links  # the link back to the document
