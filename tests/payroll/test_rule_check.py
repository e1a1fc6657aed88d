"""A salary rule the month cannot evaluate is refused when saved (``rule_invalid`` naming the expression), and a
rule is edited (a new version from a date) or withdrawn (停用 from a date) without blocking any month."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.payroll import services as payroll
from erp.payroll.models import SalaryRule
from tests.payroll.conftest import compute, user


@pytest.mark.parametrize("rule, field", [
    ({"amount": "1 / 0"}, "amount"),
    ({"amount": "post_wage / (employee.grade - employee.grade)"}, "amount"),
    ({"condition": "post_wage / 0 > 1", "amount": "100"}, "condition"),
    ({"amount": 'table("payroll.post_wage", "no_such_post")'}, "amount"),  # no such entry for anyone
    ({"amount": "1000 / input.working_days"}, "amount"),  # an absent input reads 0, as in the run
    ({"condition": 'employee.post > 3', "amount": "100"}, "condition"),  # text compared with a number
])
def test_a_rule_that_cannot_be_evaluated_is_refused_naming_the_expression(staff, api, rule, field):
    body = {"code": "bonus_x", "name": "某津贴", "category": "allowance", "condition": "", **rule}
    response = api("hr").post("/api/v1/salary-rules", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "rule_invalid" and list(response.json["error"]["fields"]) == [field]
    assert "bonus_x" in response.json["error"]["message"]
    assert db.session.scalar(select(SalaryRule.id).where(SalaryRule.code == "bonus_x")) is None  # nothing saved


def test_a_rule_that_evaluates_for_every_sample_is_saved(staff, api):
    saved = api("hr").post("/api/v1/salary-rules", json={
        "code": "half_post", "name": "岗位津贴", "category": "allowance", "effective_from": "2026-01-01",
        "condition": "input.working_days > 0", "amount": "round(post_wage / 22 * input.working_days)"})
    assert saved.status_code == 201, saved.json


def test_without_employees_a_pay_table_rule_is_kept_and_a_division_by_zero_refused(demo):
    from tests.factories import CommunityFactory

    empty = CommunityFactory(code="HK", name="河口县紧密型县域医疗卫生共同体")
    payroll.load_standard_rules(db.session, empty.id)  # the standard set reads the pay tables by post
    assert payroll.sample_facts(db.session, empty.id, date(2026, 1, 1)) == []
    kept = payroll.save_checked_rule(db.session, empty.id, code="post_again", name="岗位工资（复核）",
                                     category="allowance", amount='table("payroll.post_wage", employee.post)',
                                     effective_from=date(2026, 1, 1))
    assert kept.version == 1
    with pytest.raises(BusinessError) as refused:
        payroll.save_checked_rule(db.session, empty.id, code="broken", name="坏规则", category="allowance",
                                  amount="1 / 0", effective_from=date(2026, 1, 1))
    assert refused.value.code == "rule_invalid" and "示例职工" in refused.value.message


def test_a_rule_is_withdrawn_from_a_date_and_the_month_computes_without_it(staff, api):
    hr = api("hr")
    withdrawn = hr.post("/api/v1/salary-rules/epidemic_allowance/withdraw", json={"effective_from": "2026-02-01"})
    assert withdrawn.status_code == 201 and withdrawn.json["active"] is False and withdrawn.json["version"] == 2
    january = hr.get("/api/v1/salary-rules?on=2026-01-31&code=epidemic_allowance").json["items"]
    february = hr.get("/api/v1/salary-rules?on=2026-02-01&code=epidemic_allowance").json["items"]
    assert [r["version"] for r in january] == [1] and february == []
    again = hr.post("/api/v1/salary-rules/epidemic_allowance/withdraw", json={"effective_from": "2026-03-01"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_withdrawn"
    unknown = hr.post("/api/v1/salary-rules/no_such_rule/withdraw", json={"effective_from": "2026-03-01"})
    assert unknown.status_code == 404 and "code" in unknown.json["error"]["fields"]
    assert hr.post("/api/v1/salary-rules/epidemic_allowance/withdraw", json={}).status_code == 422

    lines = {}
    for month in (1, 2):
        run = hr.post("/api/v1/payroll-runs", json={"institution": "QH102", "year": 2026, "month": month}).json
        assert compute(hr, run["id"])["state"] == "computed"
        slip = hr.get(f"/api/v1/payroll-runs/{run['id']}/payslips").json["items"][0]
        lines[month] = {line["code"] for line in hr.get(f"/api/v1/payslips/{slip['id']}").json["lines"]}
    assert "epidemic_allowance" in lines[1] and "epidemic_allowance" not in lines[2]
    assert lines[1] - lines[2] == {"epidemic_allowance"}


def test_the_rules_page_withdraws_a_rule(staff, web):
    from tests.conftest import csrf_token

    finance = web("finance")
    page = finance.get("/payroll/rules").get_data(as_text=True)
    assert "/payroll/rules/night_shift/withdraw" in page
    response = finance.post("/payroll/rules/night_shift/withdraw", data={
        "effective_from": "2026-03-01", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    retired = payroll.rule_history(db.session, user("finance").community_id, "night_shift")[-1]
    assert (retired.active, retired.effective_from) == (False, date(2026, 3, 1))
