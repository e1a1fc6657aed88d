"""Mid-year go-live (年中上线): opening cumulative figures continue 累计预扣法 from the months before the system.

The employee: gross 18,000.00 a month, contribution base 10,000.00 (专项扣除 pension 800 + medical 200 +
unemployment 30 + housing fund 1,200 = 2,230.00; 其他扣除 职业年金 400.00), 子女教育 2,000.00: a monthly taxable
increment of 18,000 − 5,000 − 2,230 − 400 − 2,000 = 8,370.00. January to June were paid before the system:
cumulative taxable 8,370 × n → 251.10 × 4, May 41,850 × 10% − 2,520 − 1,004.40 = 660.60, June 50,220 → 837.00;
withheld 2,502.00. July (the first month here): 58,590 × 10% − 2,520 = 3,339.00, less 2,502.00 = 837.00; August
66,960 → 4,176.00 − 3,339.00 = 837.00. Without the opening figures July would withhold nothing (18,000 against
7 × 5,000 of allowances)."""
from __future__ import annotations

import base64
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.payroll.models import Payslip
from erp.payroll.services import approve_run, compute_run, create_employee, create_run, set_inputs
from erp.payroll.services.opening import set_opening
from tests.payroll.conftest import compute, id_number, user

D = Decimal
YEAR = 2026
OPENING = {"year": YEAR, "through_month": 6, "months": 6, "income": "108000.00", "special_deduction": "13380.00",
           "additional_deduction": "12000.00", "other_deduction": "2400.00", "tax_withheld": "2502.00"}


def _employee(staff, serial: int) -> int:
    profile = create_employee(db.session, staff.id, institution="QH101", name=f"上线职工{serial}",
                              id_number=id_number(serial), department="01", establishment="bianzhi",
                              staff_category="doctor", post="pro_10", grade=12, hire_date=date(2015, 1, 1),
                              insurance_base=D("10000.00"), housing_fund_base=D("10000.00"),
                              deductions=[{"kind": "child_education", "amount": D("2000.00"),
                                           "start": date(YEAR, 1, 1)}])
    return profile.employee_id


def _month_with_gross(run, employees: list[int], gross: Decimal) -> dict[int, Payslip]:
    """Compute, then top up 奖励性绩效 so that every named employee's gross is exactly ``gross``."""
    compute_run(db.session, run, user("hr"))
    slips = {s.employee_id: s for s in db.session.scalars(select(Payslip).where(Payslip.run_id == run.id))}
    set_inputs(db.session, user("hr").community_id, run.year, run.month, [
        {"employee": e, "code": "reward_performance", "value": gross - slips[e].gross} for e in employees])
    compute_run(db.session, run, user("hr"))
    slips = {s.employee_id: s for s in db.session.scalars(select(Payslip).where(Payslip.run_id == run.id))}
    assert all(slips[e].gross == gross for e in employees)
    return slips


def test_the_first_month_after_go_live_continues_the_cumulative_tax(staff, api):
    opened, fresh = _employee(staff, 601), _employee(staff, 602)
    db.session.commit()
    response = api("hr").post("/api/v1/payroll-openings", json={"employee": opened, **OPENING})
    assert response.status_code == 201, response.json
    assert response.json["tax_withheld"] == "2502.00" and response.json["months"] == 6

    july = create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=7)
    slips = _month_with_gross(july, [opened, fresh], D("18000.00"))
    slip = slips[opened]
    assert (slip.special_deduction, slip.other_deduction, slip.additional_deduction) == (
        D("2230.00"), D("400.00"), D("2000.00"))
    assert (slip.tax_months, slip.wage_tax, slip.income_tax) == (7, D("837.00"), D("837.00"))
    assert slips[fresh].wage_tax == 0  # no opening: 18,000 − 7 × 5,000 − … is below zero
    approve_run(db.session, july, user("chief"))

    august = create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=8)
    slip = _month_with_gross(august, [opened], D("18000.00"))[opened]
    assert (slip.tax_months, slip.wage_tax) == (8, D("837.00"))  # 66,960 × 10% − 2,520 − (2,502 + 837)

    # July is approved: the opening figures are frozen
    again = api("hr").post("/api/v1/payroll-openings", json={"employee": opened, **OPENING, "tax_withheld": "0"})
    assert again.status_code == 409 and again.json["error"]["code"] == "run_approved"


def test_a_month_the_opening_covers_is_not_run_again(staff, api):
    opened = _employee(staff, 603)
    set_opening(db.session, user("hr"), employee=opened, **{k: (D(v) if isinstance(v, str) else v)
                                                            for k, v in OPENING.items()})
    db.session.commit()
    june = api("hr").post("/api/v1/payroll-runs", json={"institution": "QH101", "year": YEAR, "month": 6}).json
    submitted = api("hr").post(f"/api/v1/payroll-runs/{june['id']}/compute")
    job = api("hr").get(f"/api/v1/jobs/{submitted.json['id']}").json
    assert job["state"] == "failed" and "1–6" in job["error"]
    with pytest.raises(Conflict) as refused:
        compute_run(db.session, create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=5),
                    user("hr"))
    assert refused.value.code == "opening_covers_month"
    july = create_run(db.session, user("hr"), institution="QH101", year=YEAR, month=7)
    db.session.commit()
    assert compute(api("hr"), july.id)["state"] == "computed"  # the month after the opening runs


@pytest.mark.parametrize("change, field", [
    ({"through_month": 12}, "through_month"),
    ({"months": 7}, "months"),  # more months than up to June
    ({"income": "-1.00"}, "income"),
    ({"tax_withheld": "1.001"}, "tax_withheld"),
    ({"employee": 999999}, "employee"),
])
def test_bad_opening_figures_are_refused_naming_the_field(staff, api, change, field):
    opened = _employee(staff, 604)
    db.session.commit()
    response = api("hr").post("/api/v1/payroll-openings", json={"employee": opened, **OPENING, **change})
    assert response.status_code in (404, 422), response.json
    assert field in response.json["error"]["fields"], response.json


def test_one_who_joined_after_the_opening_months_has_none(staff):
    profile = create_employee(db.session, staff.id, institution="QH101", name="八月入职", id_number=id_number(605),
                              establishment="contract", hire_date=date(YEAR, 8, 1))
    with pytest.raises(BusinessError) as refused:
        set_opening(db.session, user("hr"), employee=profile.employee_id, year=YEAR, through_month=6, months=1,
                    income=D("1.00"))
    assert "through_month" in refused.value.fields
    joined_march = create_employee(db.session, staff.id, institution="QH101", name="三月入职",
                                   id_number=id_number(606), establishment="contract", hire_date=date(YEAR, 3, 1))
    with pytest.raises(BusinessError) as too_many:  # March to June: at most 4 months
        set_opening(db.session, user("hr"), employee=joined_march.employee_id, year=YEAR, through_month=6, months=5,
                    income=D("1.00"))
    assert "months" in too_many.value.fields


def _workbook(rows: list[list]) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "截至月份", "累计月数", "累计收入", "累计专项扣除", "累计专项附加扣除", "累计其他扣除",
                  "累计已预扣预缴税额"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def test_the_opening_figures_are_imported_from_excel_all_or_nothing(staff, api):
    first, second = _employee(staff, 607), _employee(staff, 608)
    db.session.commit()
    hr = api("hr")
    good = [id_number(607), "上线职工607", 6, 6, "108000.00", "13380.00", "12000.00", "2400.00", "2502.00"]
    bad = [id_number(609), "无此人", 6, 6, "1.00", 0, 0, 0, 0]
    failed = hr.post("/api/v1/payroll-openings/import", json={"year": YEAR, "file": _workbook([good, bad])})
    assert failed.status_code == 422 and failed.json["error"]["code"] == "import_failed"
    assert list(failed.json["error"]["fields"]) == ["rows[3].身份证号"]
    assert hr.get(f"/api/v1/payroll-openings?year={YEAR}").json["total"] == 0  # nothing imported
    also = [id_number(608), "上线职工608", 3, 3, 54000, 6690, 6000, 1200, 753.3]
    imported = hr.post("/api/v1/payroll-openings/import", json={"year": YEAR, "file": _workbook([good, also])})
    assert imported.status_code == 200 and imported.json == {"imported": 2}
    listed = {o["employee"]: o for o in hr.get(f"/api/v1/payroll-openings?year={YEAR}").json["items"]}
    assert listed[first]["tax_withheld"] == "2502.00" and listed[first]["source"] == "excel"
    assert (listed[second]["through_month"], listed[second]["income"], listed[second]["tax_withheld"]) == (
        3, "54000.00", "753.30")


def test_the_openings_page_imports_a_workbook(staff, web):
    from tests.conftest import csrf_token

    _employee(staff, 610)
    db.session.commit()
    hr = web("hr")
    page = hr.get(f"/payroll/openings?year={YEAR}").get_data(as_text=True)
    assert "本年度没有期初累计数" in page and "累计已预扣预缴税额" in page
    row = [id_number(610), "上线职工610", 6, 6, "108000.00", "13380.00", "12000.00", "2400.00", "2502.00"]
    response = hr.post("/payroll/openings", data={
        "year": str(YEAR), "csrf_token": csrf_token(page),
        "file": (io.BytesIO(base64.b64decode(_workbook([row]))), "期初.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = hr.get(f"/payroll/openings?year={YEAR}").get_data(as_text=True)
    assert "上线职工610" in page and "2,502.00" in page and "108,000.00" in page


@pytest.mark.parametrize("row, field, message", [
    (["六", 6, "108000.00"], "rows[2].截至月份", "应为整数"),
    ([6.5, 6, "108000.00"], "rows[2].截至月份", "应为整数"),
    ([6, 6, "-5.00"], "rows[2].累计收入", "负数"),
    ([6, 6, "1.005"], "rows[2].累计收入", "2 位小数"),
])
def test_an_imported_cell_that_does_not_parse_is_named_by_its_column(staff, api, row, field, message):
    _employee(staff, 612)
    db.session.commit()
    failed = api("hr").post("/api/v1/payroll-openings/import", json={
        "year": YEAR, "file": _workbook([[id_number(612), "上线职工612", *row, 0, 0, 0, 0]])})
    assert failed.status_code == 422 and failed.json["error"]["code"] == "import_failed"
    assert list(failed.json["error"]["fields"]) == [field] and message in failed.json["error"]["fields"][field][0]


def test_an_id_number_on_two_rows_is_refused_not_silently_replaced(staff, api):
    _employee(staff, 613)
    db.session.commit()
    first = [id_number(613), "上线职工613", 6, 6, "108000.00", 0, 0, 0, "2502.00"]
    again = [id_number(613), "上线职工613", 5, 5, "90000.00", 0, 0, 0, "1665.00"]
    failed = api("hr").post("/api/v1/payroll-openings/import", json={"year": YEAR, "file": _workbook([first, again])})
    assert failed.status_code == 422
    assert failed.json["error"]["fields"] == {"rows[3].身份证号": ["与第 2 行重复 (the same ID number as row 2)"]}
    assert api("hr").get(f"/api/v1/payroll-openings?year={YEAR}").json["total"] == 0


def test_another_institutions_employee_is_not_found_for_a_member_hr_officer(staff, api):
    from erp.core import services

    opened = _employee(staff, 614)  # at QH101
    services.create_user(db.session, staff, username="hr102", password="人事-secret-1", role="hr",
                         institution_codes=["QH102"], display_name="柳林镇卫生院人事")
    db.session.commit()
    scoped = api("hr102", "人事-secret-1")
    response = scoped.post("/api/v1/payroll-openings", json={"employee": opened, **OPENING})
    assert response.status_code == 404 and "employee" in response.json["error"]["fields"]
    row = [id_number(614), "上线职工614", 6, 6, "108000.00", 0, 0, 0, 0]
    imported = scoped.post("/api/v1/payroll-openings/import", json={"year": YEAR, "file": _workbook([row])})
    assert imported.status_code == 422 and list(imported.json["error"]["fields"]) == ["rows[2].身份证号"]
    assert api("hr").get(f"/api/v1/payroll-openings?year={YEAR}").json["total"] == 0


@pytest.mark.parametrize("body, field", [
    ({"employee": "x"}, "employee"), ({"employee": 2 ** 40}, "employee"), ({"income": "1\x00"}, "income"),
    ({"year": 99999}, "year"), ({"income": "99999999999999999999.00"}, "income"), ({"months": "abc"}, "months"),
])
def test_malformed_opening_input_is_a_422_naming_the_field(staff, api, body, field):
    opened = _employee(staff, 615)
    db.session.commit()
    response = api("hr").post("/api/v1/payroll-openings", json={**OPENING, "employee": opened, **body})
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json


@pytest.mark.parametrize("data, message", [("!!!", "base64"), (base64.b64encode(b"not a workbook").decode(), "Excel")])
def test_a_file_that_is_not_a_workbook_is_refused_naming_file(staff, api, data, message):
    response = api("hr").post("/api/v1/payroll-openings/import", json={"year": YEAR, "file": data})
    assert response.status_code == 422 and message in response.json["error"]["fields"]["file"][0]
