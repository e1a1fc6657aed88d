"""Budget races: a budget's and a version's states, releasing a commitment, fiscal funds, 基本公卫 and 医保."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select

from erp.core.extensions import db
from tests.ledger.conftest import YEAR
from tests.races.common import Race, chains_hold


def _budget_line(amount="120000.00"):
    return {"account": "7201", "department": "01", "funding_source": "F01", "amount": amount}


def _budget(request, api, steps=()):
    request.getfixturevalue("books")
    finance, chief = api("finance"), api("chief")
    created = finance.post("/api/v1/budgets", json={"institution": "QH103", "year": YEAR, "lines": [_budget_line()]})
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
    budget_id = _budget(request, api, ["submit", "approve", "execute"])
    finance = api("finance")
    made = finance.post(f"/api/v1/budgets/{budget_id}/versions", json={"reason": "追加", "lines": [
        _budget_line("150000.00")]})
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
    from tests.budget.test_api import SOURCE

    _budget(request, api, ["submit", "approve", "execute"])  # QH103's 7201 line of 120,000.00 on Stop
    made = api("procurement").post("/api/v1/commitments", json={
        "institution": "QH103", "account": "7201", "department": "01", "funding_source": "F01",
        "amount": "80000.00", "source": SOURCE, "date": f"{YEAR}-04-01"})
    assert made.status_code == 201, made.json

    def check():
        from erp.budget.models import BudgetEntry

        db.session.expire_all()
        entries = list(db.session.scalars(select(BudgetEntry).where(BudgetEntry.source_key == SOURCE["key"])))
        assert [(e.state.value, e.open_amount) for e in entries] == [("released", 0)]
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
    return Race("chief", f"/api/v1/funding-sources/receipts/{receipt_id}/post", check=chains_hold)


def fund_allocation(request, api):
    receipt_id = _fund_receipt(request, api)

    def check():
        from erp.budget.models import FundAllocation

        db.session.expire_all()
        assert db.session.scalar(select(func.sum(FundAllocation.amount)).where(
            FundAllocation.receipt_id == receipt_id)) == 600000
        chains_hold()
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
        "funding_source": "F03", "populations": {"QH001": "52000", "QH101": "31000"}}, check=chains_hold)


def public_health_settle(request, api):
    fund_id = _public_health(request, api, pre=True)
    return Race("chief", f"/api/v1/public-health-funds/{fund_id}/settle", {
        "funding_source": "F03", "scores": {"QH001": "92", "QH101": "85"}}, check=chains_hold)


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
                {"month": 3, "amount": "8800000.00", "date": f"{YEAR}-03-31"}, check=chains_hold)


def insurance_settle(request, api):
    budget_id = _insurance(request, api)
    return Race("chief", f"/api/v1/insurance-budgets/{budget_id}/settle", {
        "spent": "107000000.00", "scores": {"QH001": "96", "QH101": "88.5"}}, check=chains_hold)


RACES: dict[tuple[str, str], Callable] = {
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
}
