"""Every state change of every module, raced: five simultaneous requests on one document give exactly one
success and four 409s — never a 500, never a deadlock left to the client — and the document changed once.

The endpoints are read from the API's operations (the OpenAPI document's source): every state-changing
operation (a POST, PUT, PATCH or DELETE) is either raced here (``RACES``) or listed in ``NOT_RACED`` with the
reason, so a new endpoint fails :func:`test_every_state_changing_endpoint_is_raced_or_excused` until it is
classified. The races run on PostgreSQL (threads, each request its own connection and transaction)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import pytest
from sqlalchemy import func, select

from erp.core.api_framework import OPERATIONS
from erp.core.extensions import db
from tests.ledger.conftest import YEAR

LAST_YEAR = YEAR - 1
THREADS = 5
RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]


@dataclass
class Race:
    """``THREADS`` clients of ``role`` send ``method path body`` at once: one answers ``ok``, the rest 409
    (or ``losers``); then ``check()`` proves the document changed once."""

    role: str
    path: str
    body: dict | None = None
    ok: int = 200
    method: str = "POST"
    losers: tuple[int, ...] = (409,)
    check: Callable[[], None] | None = None
    extra: dict = field(default_factory=dict)


def race(api, spec: Race) -> list[tuple[int, str | None]]:
    """Send the requests from threads released together; their (status, error code), sorted."""
    clients = [api(spec.role) for _ in range(THREADS)]  # signed in first: the race is the action alone
    barrier, results, errors = threading.Barrier(THREADS), [], []

    def run(client):
        try:
            barrier.wait(timeout=60)
            response = client.open(spec.path, method=spec.method, json=spec.body)
            body = response.json if isinstance(response.json, dict) else {}
            results.append((response.status_code, (body.get("error") or {}).get("code")))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS, "a request hung (deadlock?)"
    return sorted(results, key=lambda r: r[0])


# ---- ledger ------------------------------------------------------------------------------------------------


def _draft(request, reviewed=False):
    from erp.ledger.services.review import review

    books = request.getfixturevalue("books")
    draft = books.draft("QH101", RECEIPT)
    if reviewed:
        review(db.session, books.user("chief"), draft)
    db.session.commit()
    return draft.id


def _voucher_state(voucher_id, state):
    def check():
        from erp.ledger.models import Voucher

        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id).state.value == state
    return check


def _chains_hold():
    from erp.ledger.services.integrity import check_balances, verify_chains

    db.session.expire_all()
    assert verify_chains(db.session) == [] and check_balances(db.session) == []


def voucher_review(request, api):
    voucher_id = _draft(request)
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/review", check=_voucher_state(voucher_id, "reviewed"))


def voucher_unreview(request, api):
    voucher_id = _draft(request, reviewed=True)
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/unreview", check=_voucher_state(voucher_id, "draft"))


def voucher_post(request, api):
    voucher_id = _draft(request, reviewed=True)

    def check():
        _voucher_state(voucher_id, "posted")()
        _chains_hold()
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/post", check=check)


def voucher_reverse(request, api):
    from erp.ledger.models import Voucher

    voucher_id = request.getfixturevalue("books").enter("QH101", RECEIPT).id

    def check():
        _chains_hold()
        assert db.session.scalar(select(func.count(Voucher.id)).where(Voucher.reversal_of_id == voucher_id)) == 1
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/reverse", {"date": f"{YEAR}-03-20"}, ok=201, check=check)


def voucher_delete(request, api):
    from erp.ledger.models import Voucher

    voucher_id = _draft(request)

    def check():
        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id) is None
    # the losers find the draft gone: 404, or 409 when they read it before the winner deleted it
    return Race("finance", f"/api/v1/vouchers/{voucher_id}", method="DELETE", losers=(404, 409), check=check)


def _period(code, year, month):
    from erp.core.models import Institution
    from erp.ledger.models import Period

    return db.session.scalar(select(Period).join(Institution, Institution.id == Period.institution_id).where(
        Institution.code == code, Period.year == year, Period.month == month))


def period_close(request, api):
    request.getfixturevalue("books")

    def check():
        db.session.expire_all()
        assert _period("QH101", LAST_YEAR, 1).state.value == "closed"
    return Race("chief", "/api/v1/periods/close", {"institution": "QH101", "period": f"{LAST_YEAR}-01"}, check=check)


def period_reopen(request, api):
    request.getfixturevalue("books")
    closed = api("chief").post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{LAST_YEAR}-01"})
    assert closed.status_code == 200, closed.json

    def check():
        db.session.expire_all()
        assert _period("QH101", LAST_YEAR, 1).state.value == "open"
    return Race("chief", "/api/v1/periods/reopen", {"institution": "QH101", "period": f"{LAST_YEAR}-01",
                                                    "reason": "补记漏记凭证"}, check=check)


def year_close(request, api):
    from erp.core.models import Institution
    from erp.ledger.services.periods import close_period

    books = request.getfixturevalue("books")
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    for month in range(1, 12):
        close_period(db.session, institution, LAST_YEAR, month, books.user("chief"))
    db.session.commit()
    return Race("chief", "/api/v1/years/close", {"institution": "QH101", "year": LAST_YEAR})


# ---- budget ------------------------------------------------------------------------------------------------


def _budget(request, api, steps=()):
    from tests.budget.test_api import _line

    request.getfixturevalue("books")
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/budgets", json={"institution": "QH103", "year": YEAR, "lines": [_line()]})
    assert created.status_code == 201, created.json
    budget_id = created.json["id"]
    for step in steps:
        response = (finance if step == "submit" else chief).post(f"/api/v1/budgets/{budget_id}/{step}")
        assert response.status_code == 200, (step, response.json)
    return budget_id


def _budget_state(budget_id, state):
    def check():
        from erp.budget.models import Budget

        db.session.expire_all()
        assert db.session.get(Budget, budget_id).state == state
    return check


def budget_submit(request, api):
    budget_id = _budget(request, api)
    return Race("finance", f"/api/v1/budgets/{budget_id}/submit", check=_budget_state(budget_id, "submitted"))


def budget_return(request, api):
    budget_id = _budget(request, api, ["submit"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/return", {"reason": "请补充测算依据"},
                check=_budget_state(budget_id, "draft"))


def budget_approve(request, api):
    budget_id = _budget(request, api, ["submit"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/approve", check=_budget_state(budget_id, "approved"))


def budget_execute(request, api):
    budget_id = _budget(request, api, ["submit", "approve"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/execute", check=_budget_state(budget_id, "executing"))


def budget_close(request, api):
    budget_id = _budget(request, api, ["submit", "approve", "execute"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/close", check=_budget_state(budget_id, "closed"))


def _version(request, api, steps=()):
    from tests.budget.test_api import _line

    budget_id = _budget(request, api, ["submit", "approve", "execute"])
    finance = api("finance")
    made = finance.post(f"/api/v1/budgets/{budget_id}/versions", json={"reason": "追加", "lines": [
        _line(amount="150000.00")]})
    assert made.status_code == 201, made.json
    if "submit" in steps:
        assert finance.post(f"/api/v1/budgets/{budget_id}/versions/2/submit").status_code == 200
    return budget_id


def _version_state(budget_id, state):
    def check():
        from erp.budget.models import BudgetVersion

        db.session.expire_all()
        version = db.session.scalar(select(BudgetVersion).where(BudgetVersion.budget_id == budget_id,
                                                                BudgetVersion.number == 2))
        assert version.state == state
    return check


def version_submit(request, api):
    budget_id = _version(request, api)
    return Race("finance", f"/api/v1/budgets/{budget_id}/versions/2/submit",
                check=_version_state(budget_id, "submitted"))


def version_approve(request, api):
    budget_id = _version(request, api, ["submit"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/versions/2/approve",
                check=_version_state(budget_id, "approved"))


def version_reject(request, api):
    budget_id = _version(request, api, ["submit"])
    return Race("chief", f"/api/v1/budgets/{budget_id}/versions/2/reject", {"reason": "依据不足"},
                check=_version_state(budget_id, "rejected"))


def commitment_release(request, api):
    from tests.budget.test_api import SOURCE, _executing

    request.getfixturevalue("books")
    _executing(api)
    made = api("procurement").post("/api/v1/commitments", json={
        "institution": "QH103", "account": "7201", "department": "01", "funding_source": "F01",
        "amount": "80000.00", "source": SOURCE, "date": f"{YEAR}-04-01"})
    assert made.status_code == 201, made.json

    def check():
        from erp.budget.models import BudgetEntry

        db.session.expire_all()
        assert db.session.scalar(select(func.sum(BudgetEntry.open_amount)).where(
            BudgetEntry.institution_id == made.json.get("institution_id", BudgetEntry.institution_id))) == 0
    # the losers find nothing left to release: 422 no_commitment (naming the source), as a later release would
    return Race("procurement", "/api/v1/commitments/release", {"source": SOURCE}, losers=(409, 422), check=check)


def _fund_receipt(request, api, post=True):
    request.getfixturevalue("books")
    made = api("finance").post("/api/v1/funding-sources/receipts", json={
        "funding_source": "F02", "purpose": "设备购置", "amount": "1000000.00", "date": f"{YEAR}-03-12"})
    assert made.status_code == 201, made.json
    if post:
        assert api("chief").post(f"/api/v1/funding-sources/receipts/{made.json['id']}/post").status_code == 200
    return made.json["id"]


def fund_receipt_post(request, api):
    receipt_id = _fund_receipt(request, api, post=False)
    return Race("chief", f"/api/v1/funding-sources/receipts/{receipt_id}/post", check=_chains_hold)


def fund_allocation(request, api):
    receipt_id = _fund_receipt(request, api)

    def check():
        from erp.budget.models import FundAllocation

        db.session.expire_all()
        assert db.session.scalar(select(func.sum(FundAllocation.amount)).where(
            FundAllocation.receipt_id == receipt_id)) == 600000
        _chains_hold()
    # each asks for 60% of the receipt: the first fits, the rest exceed what is left (422 naming amount)
    return Race("chief", f"/api/v1/funding-sources/receipts/{receipt_id}/allocations",
                {"institution": "QH101", "amount": "600000.00", "date": f"{YEAR}-03-12"}, ok=201, losers=(409, 422),
                check=check)


def _public_health(request, api, pre=False):
    request.getfixturevalue("books")
    made = api("finance").post("/api/v1/public-health-funds", json={
        "year": YEAR, "population": 286500, "per_capita": "89.00", "pre_allocation_share": "0.6"})
    assert made.status_code == 201, made.json
    if pre:
        assert api("chief").post(f"/api/v1/public-health-funds/{made.json['id']}/pre-allocate", json={
            "funding_source": "F03", "populations": {"QH001": "52000", "QH101": "31000"}}).status_code == 200
    return made.json["id"]


def public_health_pre(request, api):
    fund_id = _public_health(request, api)
    return Race("chief", f"/api/v1/public-health-funds/{fund_id}/pre-allocate", {
        "funding_source": "F03", "populations": {"QH001": "52000", "QH101": "31000"}}, check=_chains_hold)


def public_health_settle(request, api):
    fund_id = _public_health(request, api, pre=True)
    return Race("chief", f"/api/v1/public-health-funds/{fund_id}/settle", {
        "funding_source": "F03", "scores": {"QH001": "92", "QH101": "85"}}, check=_chains_hold)


def _insurance(request, api):
    request.getfixturevalue("books")
    made = api("finance").post("/api/v1/insurance-budgets", json={
        "year": YEAR, "funding_total": "120000000.00", "previous_funding_total": "110000000.00",
        "serious_illness_fund": "6000000.00", "share": "0.95"})
    assert made.status_code == 201, made.json
    return made.json["id"]


def insurance_month(request, api):
    budget_id = _insurance(request, api)
    return Race("chief", f"/api/v1/insurance-budgets/{budget_id}/months",
                {"month": 3, "amount": "8800000.00", "date": f"{YEAR}-03-31"}, check=_chains_hold)


def insurance_settle(request, api):
    budget_id = _insurance(request, api)
    return Race("chief", f"/api/v1/insurance-budgets/{budget_id}/settle", {
        "spent": "107000000.00", "scores": {"QH001": "96", "QH101": "88.5"}}, check=_chains_hold)


# ---- procurement -------------------------------------------------------------------------------------------


@pytest.fixture
def flow(demo):
    from tests.procurement.flow.conftest import Flow

    return Flow(demo)


def _requisition(request, api, submit=True):
    from tests.procurement.flow.conftest import ASPIRIN, requisition

    request.getfixturevalue("flow")
    return requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], submit=submit)["id"]


def requisition_submit(request, api):
    return Race("clerk", f"/api/v1/requisitions/{_requisition(request, api, submit=False)}/submit")


def requisition_approve(request, api):
    return Race("finance", f"/api/v1/requisitions/{_requisition(request, api)}/approve")


def requisition_reject(request, api):
    return Race("finance", f"/api/v1/requisitions/{_requisition(request, api)}/reject", {"reason": "数量过多"})


def _order(request, api, approve=True):
    from tests.procurement.flow.conftest import ASPIRIN, approved_order, consolidate, requisition

    request.getfixturevalue("flow")
    if approve:
        return approved_order(api, [(ASPIRIN, 3)])
    requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], approver=api("finance"))
    [order] = consolidate(api("procurement"))
    return order


def order_approve(request, api):
    order = _order(request, api, approve=False)
    return Race("chief", f"/api/v1/purchase-orders/{order['id']}/approve")


def order_cancel(request, api):
    order = _order(request, api, approve=False)  # 作废 is for a draft order
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/cancel", {"reason": "供应商停产"})


def order_line_cancel(request, api):
    order = _order(request, api)
    line = order["lines"][0]["id"]
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/lines/{line}/cancel", {"reason": "供应商停产"})


def order_consolidate(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, PERIOD, requisition

    request.getfixturevalue("flow")
    requisition(api("clerk"), "QH102", [(ASPIRIN, 3)], approver=api("finance"))

    def check():
        from erp.procurement.models import PurchaseOrder

        db.session.expire_all()
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 1
    # the approved requisitions become one order once; the others find nothing left (an empty list, or 409)
    return Race("procurement", "/api/v1/purchase-orders/consolidate", {"period": PERIOD}, ok=201, losers=(201, 409),
                check=check)


def _receipt(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, receive

    order = _order(request, api)
    made = receive(api("pharmacy"), order, {ASPIRIN: 3})
    assert made.status_code == 201, made.json
    return made.json["id"]


def receipt_accept(request, api):
    return Race("procurement", f"/api/v1/receipts/{_receipt(request, api)}/accept", {}, check=_chains_hold)


def receipt_cancel(request, api):
    return Race("pharmacy", f"/api/v1/receipts/{_receipt(request, api)}/cancel", {"reason": "到货破损"})


def order_platform_number(request, api):
    order = _order(request, api)
    # recording the platform's order number is not a state change: every writer may set it, the last one stays
    return Race("procurement", f"/api/v1/purchase-orders/{order['id']}/platform-order",
                {"platform_order_no": "HBYC2026000123"}, losers=(200, 409))


def _receipt_accepted(request, api):
    receipt_id = _receipt(request, api)
    accepted = api("procurement").post(f"/api/v1/receipts/{receipt_id}/accept", json={})
    assert accepted.status_code == 200, accepted.json
    return accepted.json


def transfer_post(request, api):
    from tests.procurement.flow.conftest import ASPIRIN

    _receipt_accepted(request, api)  # 3 boxes (90 tablets) in the lead's store
    made = api("pharmacy").post("/api/v1/transfers", json={"to_institution": "QH102", "lines": [
        {"item": ASPIRIN, "quantity": 1}]})
    assert made.status_code == 201, made.json
    return Race("procurement", f"/api/v1/transfers/{made.json['id']}/post", {}, check=_chains_hold)


def dispensing_post(request, api):
    from tests.procurement.flow.conftest import ASPIRIN, approved_order, received

    request.getfixturevalue("flow")
    order = approved_order(api, [(ASPIRIN, 3)])
    received(api, order, {ASPIRIN: 3}, registrar="procurement", accepter="finance", institution="QH102")
    made = api("clerk").post("/api/v1/dispensing", json={"institution": "QH102", "department": "21", "lines": [
        {"item": ASPIRIN, "quantity": 20}]})
    assert made.status_code == 201, made.json
    return Race("finance", f"/api/v1/dispensing/{made.json['id']}/post", {}, check=_chains_hold)


def payment_post(request, api):
    accepted = _receipt_accepted(request, api)
    invoice = api("procurement").post("/api/v1/invoices", json={"supplier": "S101", "invoice_no": "F0001", "lines": [
        {"receipt_line": accepted["lines"][0]["id"], "quantity": 3, "unit_price": "12.3456",
         "upstream_invoice_no": "44012345", "upstream_seller": "测试药厂", "upstream_seller_role": "manufacturer"}]})
    assert invoice.status_code == 201, invoice.json
    draft = api("finance").post("/api/v1/payments", json={"supplier": "S101", "allocations": [
        {"invoice": invoice.json["id"], "amount": "30.00"}]})
    assert draft.status_code == 201, draft.json
    return Race("chief", f"/api/v1/payments/{draft.json['id']}/post", {}, check=_chains_hold)


# ---- payroll -----------------------------------------------------------------------------------------------


@pytest.fixture
def staff(demo):
    from erp.payroll.demo import load_demo

    load_demo(db.session, history=False)
    db.session.commit()
    return demo


def _run(request, api, steps=()):
    request.getfixturevalue("staff")
    hr = api("hr")
    run = hr.post("/api/v1/payroll-runs", json={"institution": "QH101", "year": 2026, "month": 1})
    assert run.status_code == 201, run.json
    run_id = run.json["id"]
    for step, role, body in (("compute", "hr", None), ("approve", "chief", None), ("post", "finance", None)):
        if step in steps:
            response = api(role).post(f"/api/v1/payroll-runs/{run_id}/{step}", json=body)
            assert response.status_code == 200, (step, response.json)
    return run_id


def _run_state(run_id, state):
    def check():
        from erp.payroll.models import PayrollRun

        db.session.expire_all()
        assert db.session.get(PayrollRun, run_id).state.value == state
    return check


def run_compute(request, api):
    run_id = _run(request, api)

    def check():
        from erp.payroll.models import Payslip

        _run_state(run_id, "computed")()
        assert db.session.scalar(select(func.count(Payslip.id)).where(Payslip.run_id == run_id)) == 5
    # computing again replaces the slips of a computed run: a racing second compute waits and then recomputes
    return Race("hr", f"/api/v1/payroll-runs/{run_id}/compute", losers=(200, 409), check=check)


def run_approve(request, api):
    run_id = _run(request, api, ["compute"])
    return Race("chief", f"/api/v1/payroll-runs/{run_id}/approve", check=_run_state(run_id, "approved"))


def run_post(request, api):
    run_id = _run(request, api, ["compute", "approve"])

    def check():
        _run_state(run_id, "posted")()
        _chains_hold()
    return Race("finance", f"/api/v1/payroll-runs/{run_id}/post", check=check)


def run_pay(request, api):
    run_id = _run(request, api, ["compute", "approve", "post"])

    def check():
        _run_state(run_id, "paid")()
        _chains_hold()
    return Race("finance", f"/api/v1/payroll-runs/{run_id}/pay", {"date": "2026-01-31"}, check=check)


def _pool(request, api):
    from tests.payroll.pool_books import enter_last_year
    from tests.payroll.test_pools_api import POOL

    enter_last_year(request.getfixturevalue("books"))
    created = api("finance").post("/api/v1/performance-pools", json=POOL)
    assert created.status_code == 201, created.json
    return created.json["id"]


def _pool_total(pool_id, total):
    def check():
        from erp.payroll.models.performance_pool import PerformancePool

        db.session.expire_all()
        assert db.session.get(PerformancePool, pool_id).total == Decimal(total)
    return check


def pool_compute(request, api):
    pool_id = _pool(request, api)

    def check():  # the racers left the pool as one compute of these inputs leaves it
        raced = api("finance").get(f"/api/v1/performance-pools/{pool_id}").json
        again = api("finance").post(f"/api/v1/performance-pools/{pool_id}/compute", json={"growth": "0"}).json
        assert (raced["state"], raced["total"], raced["basic"]) == (again["state"], again["total"], again["basic"])
    # recomputing a computed pool is allowed: every racer waits its turn and computes the same
    return Race("finance", f"/api/v1/performance-pools/{pool_id}/compute", {"growth": "0"}, losers=(200, 409),
                check=check)


def pool_increase(request, api):
    pool_id = _pool(request, api)
    # each increase is its own entry (not a state change): five racers add five, the total counts each once
    return Race("finance", f"/api/v1/performance-pools/{pool_id}/increases",
                {"category": "talent", "amount": "20000.00", "reason": "引进学科带头人"}, losers=(200,),
                check=_pool_total(pool_id, "632950.00"))


def pool_approve(request, api):
    pool_id = _pool(request, api)
    return Race("chief", f"/api/v1/performance-pools/{pool_id}/approve")


def pooling_plan_approve(request, api):
    request.getfixturevalue("demo")
    created = api("finance").post("/api/v1/pooling-plans", json={"institution": "QH001", "year": YEAR, "share": "0.3",
                                                                  "members": [
        {"institution": "QH001", "incentive": "1000000.00", "fte": 100, "fte_general_practitioner": 0,
         "fte_public_health": 0},
        {"institution": "QH101", "incentive": "200000.00", "fte": "10", "fte_general_practitioner": 5,
         "fte_public_health": 5}]})
    assert created.status_code == 201, created.json
    return Race("chief", f"/api/v1/pooling-plans/{created.json['id']}/approve")


def _dean_salary(request, api, paid=()):
    from tests.payroll.pool_books import employee

    request.getfixturevalue("books")
    dean = employee(request.getfixturevalue("demo").id, "QH001", "刘院长", 901, department="31", is_head=True)
    db.session.commit()
    created = api("hr").post("/api/v1/dean-salaries", json={"employee": dean, "year": YEAR, "standard": "450000.00",
                                                            "base": "250000.00", "funding_source": "F01"})
    assert created.status_code == 201, created.json
    for month in paid:
        assert api("finance").post(f"/api/v1/dean-salaries/{created.json['id']}/advances/{month}/pay",
                                   json={}).status_code == 200
    return created.json["id"]


def dean_advance_pay(request, api):
    salary_id = _dean_salary(request, api)
    return Race("finance", f"/api/v1/dean-salaries/{salary_id}/advances/1/pay", {}, check=_chains_hold)


def dean_settle(request, api):
    salary_id = _dean_salary(request, api, paid=(1,))
    return Race("finance", f"/api/v1/dean-salaries/{salary_id}/settle", {"score": "85"}, check=_chains_hold)


def cashier_sign(request, api):
    voucher_id = _draft(request, reviewed=True)  # RECEIPT: a cash voucher
    assert api("finance").put("/api/v1/ledger-settings", json={"cashier_sign": True}).status_code == 200

    def check():
        from erp.ledger.models import Voucher

        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id).cashier.username == "accountant"
    return Race("accountant", f"/api/v1/vouchers/{voucher_id}/cashier-sign", check=check)


RACES: dict[tuple[str, str], Callable] = {
    ("POST", "/api/v1/vouchers/<int:voucher_id>/review"): voucher_review,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/unreview"): voucher_unreview,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/post"): voucher_post,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/reverse"): voucher_reverse,
    ("DELETE", "/api/v1/vouchers/<int:voucher_id>"): voucher_delete,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/cashier-sign"): cashier_sign,
    ("POST", "/api/v1/periods/close"): period_close,
    ("POST", "/api/v1/periods/reopen"): period_reopen,
    ("POST", "/api/v1/years/close"): year_close,
    ("POST", "/api/v1/budgets/<int:budget_id>/submit"): budget_submit,
    ("POST", "/api/v1/budgets/<int:budget_id>/return"): budget_return,
    ("POST", "/api/v1/budgets/<int:budget_id>/approve"): budget_approve,
    ("POST", "/api/v1/budgets/<int:budget_id>/execute"): budget_execute,
    ("POST", "/api/v1/budgets/<int:budget_id>/close"): budget_close,
    ("POST", "/api/v1/budgets/<int:budget_id>/versions/<int:number>/submit"): version_submit,
    ("POST", "/api/v1/budgets/<int:budget_id>/versions/<int:number>/approve"): version_approve,
    ("POST", "/api/v1/budgets/<int:budget_id>/versions/<int:number>/reject"): version_reject,
    ("POST", "/api/v1/commitments/release"): commitment_release,
    ("POST", "/api/v1/funding-sources/receipts/<int:receipt_id>/post"): fund_receipt_post,
    ("POST", "/api/v1/funding-sources/receipts/<int:receipt_id>/allocations"): fund_allocation,
    ("POST", "/api/v1/public-health-funds/<int:fund_id>/pre-allocate"): public_health_pre,
    ("POST", "/api/v1/public-health-funds/<int:fund_id>/settle"): public_health_settle,
    ("POST", "/api/v1/insurance-budgets/<int:budget_id>/months"): insurance_month,
    ("POST", "/api/v1/insurance-budgets/<int:budget_id>/settle"): insurance_settle,
    ("POST", "/api/v1/requisitions/<int:requisition_id>/submit"): requisition_submit,
    ("POST", "/api/v1/requisitions/<int:requisition_id>/approve"): requisition_approve,
    ("POST", "/api/v1/requisitions/<int:requisition_id>/reject"): requisition_reject,
    ("POST", "/api/v1/purchase-orders/consolidate"): order_consolidate,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/approve"): order_approve,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/cancel"): order_cancel,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/lines/<int:line_id>/cancel"): order_line_cancel,
    ("POST", "/api/v1/receipts/<int:receipt_id>/accept"): receipt_accept,
    ("POST", "/api/v1/receipts/<int:receipt_id>/cancel"): receipt_cancel,
    ("POST", "/api/v1/purchase-orders/<int:order_id>/platform-order"): order_platform_number,
    ("POST", "/api/v1/transfers/<int:transfer_id>/post"): transfer_post,
    ("POST", "/api/v1/dispensing/<int:dispensing_id>/post"): dispensing_post,
    ("POST", "/api/v1/payments/<int:payment_id>/post"): payment_post,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/compute"): run_compute,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/approve"): run_approve,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/post"): run_post,
    ("POST", "/api/v1/payroll-runs/<int:run_id>/pay"): run_pay,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/compute"): pool_compute,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/increases"): pool_increase,
    ("POST", "/api/v1/performance-pools/<int:pool_id>/approve"): pool_approve,
    ("POST", "/api/v1/pooling-plans/<int:plan_id>/approve"): pooling_plan_approve,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/advances/<int:month>/pay"): dean_advance_pay,
    ("POST", "/api/v1/dean-salaries/<int:salary_id>/settle"): dean_settle,
}

CREATES = "creates a new record (no existing document's state is raced; duplicates are refused by key)"
SETTING = "sets a value (master data, settings, parameters): the last writer wins, no state machine"
EDIT = "edits a draft's content, no state change (the lock serialises writers; the last writer wins)"
CALC = "a calculator: reads and answers, changes nothing"

NOT_RACED: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/token"): "sign-in (raced by the lock-out tests in tests/core/test_auth_hardening.py)",
    ("DELETE", "/api/v1/auth/token"): "sign-out of the caller's own token",
    ("POST", "/api/v1/institutions"): CREATES,
    ("POST", "/api/v1/departments"): CREATES,
    ("POST", "/api/v1/internal-transactions"): CREATES,
    ("POST", "/api/v1/vouchers"): CREATES,
    ("PUT", "/api/v1/vouchers/<int:voucher_id>"): EDIT,
    ("POST", "/api/v1/periods/carry-over"): CREATES + ": the 期末结转 draft voucher",
    ("POST", "/api/v1/accounts"): CREATES,
    ("PUT", "/api/v1/budget-mappings"): SETTING,
    ("DELETE", "/api/v1/budget-mappings/<int:mapping_id>"): SETTING,
    ("PUT", "/api/v1/posting-templates/<kind>"): SETTING,
    ("POST", "/api/v1/vouchers/batch-review"): "many vouchers: each one's review is raced above (same service)",
    ("POST", "/api/v1/vouchers/batch-post"): "many vouchers: each one's posting is raced above (same service)",
    ("PUT", "/api/v1/ledger-settings"): SETTING,
    ("PUT", "/api/v1/costing/drivers"): SETTING,
    ("PUT", "/api/v1/costing/rules"): SETTING,
    ("POST", "/api/v1/budgets"): CREATES,
    ("PUT", "/api/v1/budgets/<int:budget_id>/lines"): EDIT,
    ("POST", "/api/v1/budgets/<int:budget_id>/versions"): CREATES,
    ("PUT", "/api/v1/budgets/<int:budget_id>/versions/<int:number>/lines"): EDIT,
    ("POST", "/api/v1/commitments/check"): CALC,
    ("POST", "/api/v1/commitments"): CREATES + " (20 racing commitments: tests/budget/test_concurrency.py)",
    ("POST", "/api/v1/funding-sources/receipts"): CREATES,
    ("POST", "/api/v1/public-health-funds"): CREATES,
    ("POST", "/api/v1/insurance-budgets"): CREATES,
    ("PUT", "/api/v1/budget-parameters"): SETTING,
    ("POST", "/api/v1/price-agreements"): CREATES,
    ("PUT", "/api/v1/catalogue/items/<code>/price"): SETTING,
    ("PATCH", "/api/v1/procurement/settings"): SETTING,
    ("POST", "/api/v1/catalogue/items"): CREATES + " (raced: tests/procurement/test_concurrency.py)",
    ("PUT", "/api/v1/catalogue/items/<code>"): SETTING,
    ("PATCH", "/api/v1/catalogue/items/<code>"): SETTING,
    ("POST", "/api/v1/formularies"): SETTING,
    ("POST", "/api/v1/catalogue/import"): CREATES,
    ("POST", "/api/v1/suppliers"): CREATES,
    ("PATCH", "/api/v1/suppliers/<code>"): SETTING,
    ("POST", "/api/v1/invoices"): CREATES,
    ("POST", "/api/v1/payments"): CREATES,
    ("POST", "/api/v1/requisitions"): CREATES,
    ("POST", "/api/v1/purchase-overrides"): CREATES,
    ("POST", "/api/v1/receipts"): CREATES,
    ("POST", "/api/v1/transfers"): CREATES,
    ("POST", "/api/v1/dispensing"): CREATES,
    ("POST", "/api/v1/employees"): CREATES,
    ("PATCH", "/api/v1/employees/<int:employee_id>"): SETTING,
    ("POST", "/api/v1/payroll/tax/cumulative"): CALC,
    ("POST", "/api/v1/payroll/tax/annual-bonus"): CALC,
    ("POST", "/api/v1/salary-rules"): CREATES,
    ("POST", "/api/v1/payroll-parameters"): SETTING,
    ("POST", "/api/v1/payroll-runs"): CREATES,
    ("PUT", "/api/v1/payroll-inputs"): SETTING,
    ("POST", "/api/v1/performance-pools"): CREATES,
    ("PUT", "/api/v1/performance-pools/mapping/<item>"): SETTING,
    ("POST", "/api/v1/pooling-plans"): CREATES,
    ("POST", "/api/v1/distributions"): CREATES,
    ("POST", "/api/v1/dean-salaries"): CREATES,
}


def test_every_state_changing_endpoint_is_raced_or_excused(app):
    changing = {(op.method, op.rule) for op in OPERATIONS if op.method != "GET"}
    assert changing, "no operations registered"
    unclassified = changing - set(RACES) - set(NOT_RACED)
    assert not unclassified, f"race these state changes here (or say why not in NOT_RACED): {sorted(unclassified)}"
    assert not set(RACES) & set(NOT_RACED)
    gone = (set(RACES) | set(NOT_RACED)) - changing
    assert not gone, f"no longer an operation: {sorted(gone)}"


@pytest.mark.postgres
@pytest.mark.parametrize("endpoint", sorted(RACES), ids=lambda e: f"{e[0]} {e[1]}")
def test_five_simultaneous_requests_give_one_success_and_409s(endpoint, request, api):
    spec = RACES[endpoint](request, api)
    results = race(api, spec)
    statuses = [status for status, _ in results]
    assert 500 not in statuses, results
    assert spec.ok in statuses, results
    if spec.ok not in spec.losers:  # else a loser answers like the winner with nothing done: check() proves it
        assert statuses.count(spec.ok) == 1, results
    losers = list(results)
    losers.remove(next(r for r in results if r[0] == spec.ok))
    assert all(status in spec.losers for status, _ in losers), results
    if spec.check:
        spec.check()
