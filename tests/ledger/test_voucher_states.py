"""Vouchers move through their state machine (draft → posted → reversed); simultaneous requests give one
success and 409s, never a 500."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from erp.core.extensions import db
from erp.ledger.services.integrity import check_balances, verify_chains
from erp.ledger.models import Voucher, VoucherKind
from erp.ledger.services.review import review
from tests.ledger.conftest import YEAR

RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]


def test_posting_a_posted_voucher_and_reversing_a_reversed_one_are_409s(books, api):
    voucher = books.enter("QH101", RECEIPT)
    chief = api("chief")
    again = chief.post(f"/api/v1/vouchers/{voucher.id}/post")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    assert again.json["error"]["message"] == "状态不允许从「已记账」变为「已记账」"
    assert chief.post(f"/api/v1/vouchers/{voucher.id}/reverse", json={"date": f"{YEAR}-03-20"}).status_code == 201
    twice = chief.post(f"/api/v1/vouchers/{voucher.id}/reverse", json={"date": f"{YEAR}-03-21"})
    assert twice.status_code == 409 and twice.json["error"]["message"] == "状态不允许从「已冲销」变为「已冲销」"
    reversal = db.session.scalar(select(Voucher).where(Voucher.kind == VoucherKind.REVERSAL))
    of_reversal = chief.post(f"/api/v1/vouchers/{reversal.id}/reverse", json={"date": f"{YEAR}-03-21"})
    assert of_reversal.status_code == 409 and of_reversal.json["error"]["code"] == "already_reversed"


def simultaneously(requests) -> list:
    """Run the request functions in threads released together; their responses' (status, code)."""
    barrier, results, errors = threading.Barrier(len(requests)), [], []

    def run(request):
        try:
            barrier.wait()
            response = request()
            results.append((response.status_code, (response.json.get("error") or {}).get("code")))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return sorted(results, key=lambda r: r[0])


@pytest.mark.postgres
def test_five_simultaneous_postings_give_one_200_and_409s(books, api):
    draft = books.draft("QH101", RECEIPT)
    review(db.session, books.user("chief"), draft)
    draft_id = draft.id
    db.session.commit()
    clients = [api("chief") for _ in range(5)]
    results = simultaneously([lambda c=c: c.post(f"/api/v1/vouchers/{draft_id}/post") for c in clients])
    assert results == [(200, None)] + [(409, "invalid_transition")] * 4
    db.session.expire_all()
    assert db.session.get(Voucher, draft_id).number == f"记-{YEAR}-03-0001"
    assert verify_chains(db.session) == [] and check_balances(db.session) == []


@pytest.mark.postgres
def test_five_simultaneous_reversals_give_one_reversal_and_409s(books, api):
    voucher_id = books.enter("QH101", RECEIPT).id
    clients = [api("chief") for _ in range(5)]
    results = simultaneously([lambda c=c: c.post(f"/api/v1/vouchers/{voucher_id}/reverse",
                                                  json={"date": f"{YEAR}-03-20"}) for c in clients])
    assert results == [(201, None)] + [(409, "invalid_transition")] * 4
    assert db.session.scalar(select(func.count(Voucher.id)).where(Voucher.reversal_of_id == voucher_id)) == 1
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
