"""Vouchers through the API: draft → posted → reversed, with every refusal naming its field."""
from __future__ import annotations

from sqlalchemy import func, select

from erp.core.extensions import db
from erp.ledger.models import Voucher
from tests.ledger.conftest import YEAR

CASH_RECEIPT = {
    "institution": "QH101", "date": f"{YEAR}-03-15", "memo": "门诊收费", "attachment_count": 2,
    "lines": [{"account": "1001", "debit": "1000.00"},
              {"account": "410101010801", "credit": "600.00"},
              {"account": "4101010105", "credit": "400.00", "memo": "治疗"}],
}


def _create(client, body=CASH_RECEIPT, **headers):
    return client.post("/api/v1/vouchers", json=body, headers=headers)


def test_enter_post_and_reverse_a_voucher(books, api):
    finance, chief = api("finance"), api("chief")
    draft = _create(finance)
    assert draft.status_code == 201, draft.json
    assert draft.json["status"] == "draft" and draft.json["number"] is None
    assert [l["basis"] for l in draft.json["lines"]] == ["financial"] * 3
    voucher_id = draft.json["id"]
    # 制单 → 审核 → 记账: the preparer may not review; nothing is posted unreviewed
    self_review = finance.post(f"/api/v1/vouchers/{voucher_id}/review")
    assert self_review.status_code == 403 and self_review.json["error"]["code"] == "self_review"
    unreviewed = chief.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert unreviewed.status_code == 409 and unreviewed.json["error"]["message"] == "状态不允许从「未审核」变为「已记账」"
    reviewed = chief.post(f"/api/v1/vouchers/{voucher_id}/review")
    assert reviewed.status_code == 200 and (reviewed.json["status"], reviewed.json["reviewer"]) == ("reviewed", "chief")
    # separation of duties: the preparer may not post
    refused = finance.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert refused.status_code == 403 and "制单人" in refused.json["error"]["message"]
    posted = chief.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert posted.status_code == 200, posted.json
    body = posted.json
    assert body["status"] == "posted" and body["number"] == f"记-{YEAR}-03-0001"
    assert body["poster"] == "chief" and body["preparer"] == "finance" and body["attachment_count"] == 2
    assert body["reviewer"] == "chief" and body["cashier"] is None
    budget = [(l["account"], l["debit"], l["credit"]) for l in body["lines"] if l["generated"]]
    assert sorted(budget) == [("61010101", "0.00", "1000.00"), ("8001", "1000.00", "0.00")]
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/post").status_code == 409
    reversal = chief.post(f"/api/v1/vouchers/{voucher_id}/reverse", json={"date": f"{YEAR}-03-20"})
    assert reversal.status_code == 201, reversal.json
    assert reversal.json["reversal_of"] == f"记-{YEAR}-03-0001" and reversal.json["number"] == f"记-{YEAR}-03-0002"
    red = sorted((l["account"], l["debit"], l["credit"]) for l in reversal.json["lines"])  # same sides, negative
    assert red == sorted((l["account"], _negated(l["debit"]), _negated(l["credit"])) for l in body["lines"])
    original = chief.get(f"/api/v1/vouchers/{voucher_id}").json
    assert original["status"] == "reversed" and original["reversed_by"] == f"记-{YEAR}-03-0002"
    again = chief.post(f"/api/v1/vouchers/{voucher_id}/reverse", json={})
    assert again.status_code == 409


def _negated(amount: str) -> str:
    return amount if amount == "0.00" else f"-{amount}"


def test_unbalanced_voucher_is_refused_naming_the_difference(books, api):
    body = {**CASH_RECEIPT, "lines": [{"account": "1001", "debit": "1000.00"},
                                      {"account": "4101010105", "credit": "987.50"}]}
    response = _create(api("finance"), body)
    assert response.status_code == 422
    assert "12.50" in response.json["error"]["message"] and "lines" in response.json["error"]["fields"]


def _first_field_error(response):
    assert response.status_code in (404, 422), response.json
    return response.json["error"]["fields"]


def test_bad_lines_get_a_4xx_naming_the_field(books, api):
    finance = api("finance")
    cases = {
        "lines[1].account": [{"account": "1001", "debit": "10.00"}, {"account": "9999", "credit": "10.00"}],
        "lines[0].account": [{"account": "4101", "debit": "10.00"}, {"account": "1001", "credit": "10.00"}],
        "lines[0].debit": [{"account": "1001", "debit": "-10.00"}, {"account": "4101010105", "credit": "10.00"}],
        "lines[1].credit": [{"account": "1001", "debit": "10.00"}, {"account": "4101010105", "credit": "10.005"}],
        "lines[0].department": [{"account": "5001", "debit": "10.00"}, {"account": "1001", "credit": "10.00"}],
        "lines[1].partner": [{"account": "1002", "debit": "10.00"}, {"account": "2302", "credit": "10.00"}],
    }
    for field, lines in cases.items():
        fields = _first_field_error(_create(finance, {**CASH_RECEIPT, "lines": lines}))
        assert field in fields, (field, fields)
    both_sides = [{"account": "1001", "debit": "10.00", "credit": "10.00"}, {"account": "4101010105", "credit": "0"}]
    assert "lines[0].debit" in _first_field_error(_create(finance, {**CASH_RECEIPT, "lines": both_sides}))
    budget_by_hand = [{"account": "8001", "debit": "10.00"}, {"account": "6001", "credit": "10.00"}]
    assert "lines[0].account" in _first_field_error(_create(finance, {**CASH_RECEIPT, "lines": budget_by_hand}))
    no_period = _create(finance, {**CASH_RECEIPT, "date": "1999-01-05"})
    assert "date" in _first_field_error(no_period)
    db.session.remove()
    assert db.session.scalar(select(func.count(Voucher.id))) == 0


def test_voucher_into_a_closed_period_is_refused(books, api):
    books.close_last_year("QH101")
    chief = api("chief")
    for month in (1, 2, 3):
        closed = chief.post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{YEAR}-{month:02d}"})
        assert closed.status_code == 200, closed.json
    response = _create(api("finance"))
    assert response.status_code == 422 and "date" in response.json["error"]["fields"]
    assert response.json["error"]["code"] == "period_closed"


def test_idempotency_key_does_not_create_a_second_voucher(books, api):
    finance = api("finance")
    first = _create(finance, **{"Idempotency-Key": "voucher-42"})
    second = _create(finance, **{"Idempotency-Key": "voucher-42"})
    assert first.json["id"] == second.json["id"]
    db.session.remove()
    assert db.session.scalar(select(func.count(Voucher.id))) == 1


def test_scope_township_accountant_cannot_see_or_write_the_lead_hospital(books, api):
    finance, accountant = api("finance"), api("accountant")
    lead = _create(finance, {**CASH_RECEIPT, "institution": "QH001"}).json
    own = _create(accountant).json
    assert accountant.get(f"/api/v1/vouchers/{lead['id']}").status_code == 404
    assert accountant.get(f"/api/v1/vouchers/{own['id']}").status_code == 200
    listing = accountant.get("/api/v1/vouchers").json
    assert [v["institution"] for v in listing["items"]] == ["QH101"] and listing["total"] == 1
    refused = _create(accountant, {**CASH_RECEIPT, "institution": "QH001"})
    assert refused.status_code == 403, refused.json  # a write into another institution
    assert accountant.post(f"/api/v1/vouchers/{lead['id']}/post").status_code == 403  # no post permission
    assert api("auditor").post("/api/v1/vouchers", json=CASH_RECEIPT).status_code == 403
    assert finance.get("/api/v1/vouchers?institution=QH001").json["total"] == 1


def test_period_listing_and_reopen_needs_the_chief_and_a_reason(books, api):
    books.close_last_year("QH102")
    chief, finance = api("chief"), api("finance")
    assert finance.post("/api/v1/periods/close", json={"institution": "QH102", "period": f"{YEAR}-01"}).status_code == 200
    no_reason = chief.post("/api/v1/periods/reopen", json={"institution": "QH102", "period": f"{YEAR}-01",
                                                          "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]
    assert finance.post("/api/v1/periods/reopen", json={"institution": "QH102", "period": f"{YEAR}-01",
                                                        "reason": "补记"}).status_code == 403
    reopened = chief.post("/api/v1/periods/reopen", json={"institution": "QH102", "period": f"{YEAR}-01",
                                                          "reason": "补记遗漏的1月份收入"})
    assert reopened.status_code == 200 and reopened.json["state"] == "open"
    periods = chief.get("/api/v1/periods?institution=QH102&per_page=50").json
    assert periods["total"] == 24
    from erp.core.models import AuditEntry

    trail = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Period", AuditEntry.action == "transition")
                               ).all()
    assert any(e.after.get("reopen_reason") == "补记遗漏的1月份收入" and e.username == "chief" for e in trail)


def test_a_draft_is_corrected_in_place_and_a_posted_one_is_not(books, api):
    finance, chief = api("finance"), api("chief")
    draft = _create(finance).json
    corrected = {**CASH_RECEIPT, "memo": "门诊收费（更正）", "lines": [
        {"account": "1001", "debit": "1200.00"}, {"account": "4101010105", "credit": "1200.00"}]}
    response = chief.put(f"/api/v1/vouchers/{draft['id']}", json=corrected)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["id"] == draft["id"] and body["memo"] == "门诊收费（更正）" and body["preparer"] == "chief"
    assert [(l["line_no"], l["account"], l["debit"]) for l in body["lines"]] == [(1, "1001", "1200.00"),
                                                                               (2, "4101010105", "0.00")]
    # the editor became the preparer: the chief may no longer review it, the finance officer may
    assert chief.post(f"/api/v1/vouchers/{draft['id']}/review").status_code == 403
    assert finance.post(f"/api/v1/vouchers/{draft['id']}/review").status_code == 200
    reviewed = chief.put(f"/api/v1/vouchers/{draft['id']}", json=CASH_RECEIPT)  # 取消审核 first
    assert reviewed.status_code == 409 and reviewed.json["error"]["code"] == "voucher_reviewed"
    assert chief.post(f"/api/v1/vouchers/{draft['id']}/post").status_code == 403  # the preparer
    posted = finance.post(f"/api/v1/vouchers/{draft['id']}/post")
    assert posted.status_code == 200 and posted.json["number"] == f"记-{YEAR}-03-0001"
    refused = finance.put(f"/api/v1/vouchers/{draft['id']}", json=CASH_RECEIPT)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "voucher_posted"
    from erp.core.models import AuditEntry

    changes = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Voucher",
                                                          AuditEntry.record_id == str(draft["id"]))).all()
    assert [e.action for e in changes] == ["create", "update", "transition", "transition"]  # 审核, 记账


def _raw_voucher(client, debit: str, credit: str):
    """A voucher whose amounts are written as bare JSON numbers (as a script in another language would)."""
    raw = ('{"institution": "QH101", "date": "%s-03-15", "memo": "JSON number", "lines": ['
           '{"account": "1001", "debit": %s}, {"account": "4101010105", "credit": %s}]}') % (YEAR, debit, credit)
    return client.post("/api/v1/vouchers", data=raw, headers={"Content-Type": "application/json"})


def test_a_json_number_not_exact_to_the_fen_is_refused_naming_the_field(books, api):
    finance = api("finance")
    before = db.session.scalar(select(func.count(Voucher.id)))
    refused = _raw_voucher(finance, "10.00000000000000001", "10.00")
    assert refused.status_code == 422, refused.json
    assert list(refused.json["error"]["fields"]) == ["lines[0].debit"], refused.json
    refused = _raw_voucher(finance, "10.00", "10.004999999999999999")
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["lines[1].credit"], refused.json
    db.session.remove()
    assert db.session.scalar(select(func.count(Voucher.id))) == before


def test_exact_json_numbers_are_taken_exactly_including_exponents(books, api):
    created = _raw_voucher(api("finance"), "1e1", "10.00")
    assert created.status_code == 201, created.json
    assert [(l["debit"], l["credit"]) for l in created.json["lines"]] == [("10.00", "0.00"), ("0.00", "10.00")]
    created = _raw_voucher(api("finance"), "0.1", "1E-1")
    assert created.status_code == 201, created.json
    assert [(l["debit"], l["credit"]) for l in created.json["lines"]] == [("0.10", "0.00"), ("0.00", "0.10")]
    refused = _raw_voucher(api("finance"), "NaN", "10.00")
    assert refused.status_code in (400, 422)
