"""Community 统筹 (PAYROLL.md §6) and the distribution inside an institution (§7), with figures worked by hand."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.core.money import largest_remainder
from erp.payroll.services.distribution import create_distribution, people_from_workbook
from erp.payroll.services.pooling import approve_plan, create_plan, plan_summary
from tests.ledger.conftest import YEAR
from tests.payroll.pool_books import employee, user

D = Decimal
MEMBERS = [
    {"institution": "QH001", "incentive": D("1000000.00"), "fte": D(100), "fte_general_practitioner": D(0),
     "fte_public_health": D(0)},
    {"institution": "QH101", "incentive": D("200000.00"), "fte": D(10), "fte_general_practitioner": D(5),
     "fte_public_health": D(5)},
    {"institution": "QH101-01", "incentive": D("10000.00"), "fte": D(1), "fte_general_practitioner": D(0),
     "fte_public_health": D(0)},
]


def test_largest_remainder_sums_exactly():
    assert largest_remainder(D("100.00"), [("a", D(1)), ("b", D(1)), ("c", D(1))]) == {
        "a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert largest_remainder(D("-0.05"), [("a", D(2)), ("b", D(1))]) == {"a": D("-0.03"), "b": D("-0.02")}
    assert largest_remainder(D("10.00"), [("a", D(0)), ("b", D(3))]) == {"a": D(0), "b": D("10.00")}


def test_pooling_by_weights_sums_exactly_to_the_pot(demo):
    plan = create_plan(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, share=D("0.3"),
                       floor=D(0), members=MEMBERS)
    # T = 0.3 × (1,000,000 + 200,000 + 10,000); weights 100 × 1.0, (10 + 5 × 1.2 + 5 × 1.2) × 1.2 = 26.4, 1 × 1.3
    assert plan.total == D("363000.00")
    assert [line.weight for line in plan.lines] == [D(100), D("26.4"), D("1.3")]
    # 363,000 × 100/127.7 = 284,259.984… · × 26.4/127.7 = 75,044.635… · × 1.3/127.7 = 3,695.379…
    assert [line.allocation for line in plan.lines] == [D("284259.98"), D("75044.64"), D("3695.38")]
    assert sum(line.allocation for line in plan.lines) == plan.total and not plan.floor_applied


def test_the_grassroots_floor_lifts_the_townships(demo):
    plan = create_plan(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, share=D("0.3"),
                       floor=D("1.5"), members=MEMBERS)
    # a = 1.5 × L × 21 / (L × 100) = 0.315; G = 0.315 × 363,000 / 1.315 = 86,954.372… → 86,954.38 (up)
    assert plan.floor_applied
    assert [line.allocation for line in plan.lines] == [D("276045.62"), D("82873.49"), D("4080.89")]
    assert sum(line.allocation for line in plan.lines) == D("363000.00")
    summary = plan_summary(plan)
    assert summary["floor_met"] and summary["grassroots_average"] == D("4140.68")  # ≥ 1.5 × 2,760.46
    with pytest.raises(Conflict) as caught:
        approve_plan(db.session, plan, user("finance"))
    assert caught.value.code == "separation_of_duties"
    approve_plan(db.session, plan, user("chief"))
    assert plan.state.value == "approved"


def test_fte_are_counted_from_the_profiles_without_the_dean(demo):
    for serial, extra in ((11, {}), (12, {"general_practitioner": True}), (13, {"public_health": True}),
                          (14, {"is_head": True})):
        employee(demo.id, "QH102", f"职工{serial}", serial, **extra)
    plan = create_plan(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, share=D("0.5"),
                       floor=D(0), members=[{"institution": "QH102", "incentive": D("1000.00")}])
    line = plan.lines[0]
    assert (line.fte, line.fte_general_practitioner, line.fte_public_health) == (1, 1, 1)
    assert line.weight == D("4.08")  # (1 + 1.2 + 1.2) × 1.2
    assert line.allocation == plan.total == D("500.00")


def test_a_plan_needs_the_lead_hospital_and_an_incentive(demo):
    with pytest.raises(BusinessError) as caught:
        create_plan(db.session, demo.id, user("finance"), institution="QH101", year=YEAR, share=D("0.3"),
                    floor=D(0), members=MEMBERS)
    assert caught.value.code == "not_lead"
    with pytest.raises(BusinessError) as caught:
        create_plan(db.session, demo.id, user("finance"), institution="QH001", year=YEAR, share=D("0.3"),
                    floor=D(0), members=[{"institution": "QH102"}])
    assert caught.value.code == "no_pool" and "members[0].incentive" in caught.value.fields


def _sheet(rows) -> bytes:
    book = Workbook()
    book.active.append(["职工编号", "科室编码", "工作量点数", "质量得分"])
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_distribution_to_departments_then_people_by_points_times_quality(demo):
    codes = {}
    for serial, department in ((21, "01"), (22, "01"), (23, "01"), (24, "02"), (25, "02")):
        employee_id = employee(demo.id, "QH001", f"医生{serial}", serial, department=department, code=f"E{serial}")
        codes[serial] = employee_id
    people = people_from_workbook(_sheet([("E21", "01", 120, "0.95"), ("E22", "01", 100, 1), ("E23", "01", 80, "0.9"),
                                          ("E24", "02", 150, 1), ("E25", "02", 50, "0.8")]))
    distribution = create_distribution(db.session, demo.id, user("hr"), institution="QH001", year=YEAR,
                                       label="第一季度", amount=D("10000.00"), people=people,
                                       departments=[{"department": "01", "weight": D(3)},
                                                    {"department": "02", "weight": D(2)}])
    amounts = {d.department.code: (d.amount, d.points, d.point_value) for d in distribution.departments}
    assert amounts == {"01": (D("6000.00"), D("286"), D("20.979021")), "02": (D("4000.00"), D(190), D("21.052632"))}
    # 内科: 6,000 × 114/286 = 2,391.608… · × 100/286 = 2,097.902… · × 72/286 = 1,510.489…
    by_code = {share.employee.code: share.amount for share in distribution.people}
    assert by_code == {"E21": D("2391.61"), "E22": D("2097.90"), "E23": D("1510.49"),
                       "E24": D("3157.89"), "E25": D("842.11")}
    assert sum(by_code.values()) == D("10000.00")


def test_a_bad_sheet_names_the_row(demo):
    with pytest.raises(BusinessError) as caught:
        people_from_workbook(_sheet([("E21", "01", "很多", 1)]))
    assert "rows[2].points" in caught.value.fields
    with pytest.raises(BusinessError) as caught:
        people_from_workbook(b"not a workbook")
    assert "file" in caught.value.fields


def test_the_plans_page_offers_each_role_only_the_actions_it_may_take(demo, web):
    # finance drafts pooling plans; the department distribution is HR's (a link finance may not follow)
    finance = web("finance").get("/payroll/pooling-plans").get_data(as_text=True)
    hr = web("hr").get("/payroll/pooling-plans").get_data(as_text=True)
    assert "/payroll/pooling-plans/new" in finance and "/payroll/distributions/new" not in finance
    assert "/payroll/pooling-plans/new" in hr and "/payroll/distributions/new" in hr
