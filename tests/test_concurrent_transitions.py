"""Every state change of every module, raced: five simultaneous requests on one document give exactly one
success and four 409s — never a 500, never a deadlock left to the client — and the document changed once.

The endpoints are read from the API's operations (the OpenAPI document's source): every state-changing
operation (a POST, PUT, PATCH or DELETE) is either raced here (the cases in :mod:`tests.races`) or listed in
``NOT_RACED`` with the reason, so a new endpoint fails :func:`test_every_state_changing_endpoint_is_raced_or_excused`
until it is classified. The races run on PostgreSQL (threads, each request its own connection and transaction)."""
from __future__ import annotations

import pytest

from erp.core.api_framework import OPERATIONS
from erp.core.extensions import db
from tests.races import budget, ledger, payroll, procurement
from tests.races.common import race

RACES = {**ledger.RACES, **budget.RACES, **procurement.RACES, **payroll.RACES}


@pytest.fixture
def flow(demo):
    from tests.procurement.flow.conftest import Flow

    return Flow(demo)


@pytest.fixture
def staff(demo):
    from erp.payroll.demo import load_demo

    load_demo(db.session, history=False)
    db.session.commit()
    return demo


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
    ("POST", "/api/v1/catalogue/import"): "queues an import job (each request its own job; the import's rows are "
                                          "created or updated by code, all or nothing)",
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
    ("POST", "/api/v1/payroll-openings/import"): "many employees' opening figures: each one's setting is raced above "
                                                 "(same service)",
    ("POST", "/api/v1/payroll-runs/<int:run_id>/payslips/pdf"): "prints: queues a job that reads the run's slips "
                                                                "(each request its own PDF; the run does not change)",
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
