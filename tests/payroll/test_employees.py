"""Employees with their payroll profile (service level): 身份证号 checked and unique, department, deductions."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.payroll.services import create_employee, employee_profile, update_employee
from tests.payroll.conftest import id_number


def test_an_employee_gets_a_profile_with_a_valid_id_number(demo):
    profile = create_employee(db.session, demo.id, institution="QH001", name="张医生", id_number=id_number(11),
                              department="01", establishment="contract", post="pro_10", grade=12,
                              insurance_base=Decimal("8000.00"), hire_date=date(2020, 7, 1),
                              deductions=[{"kind": "child_education", "amount": Decimal("2000.00"),
                                           "start": date(2024, 1, 1)}])
    found = employee_profile(db.session, profile.employee_id)
    assert found.employee.name == "张医生" and found.department.name == "内科"
    assert found.establishment.value == "contract" and found.grade == 12
    assert found.deductions[0].applies_in(2026, 5) and not found.deductions[0].applies_in(2023, 12)
    assert found.employed_in(2020, 7) and not found.employed_in(2020, 6)


@pytest.mark.parametrize("bad", ["130534199503120111", "13053419950332011X", "1305221985"])
def test_an_invalid_id_number_is_refused_naming_the_field(demo, bad):
    with pytest.raises(BusinessError) as caught:
        create_employee(db.session, demo.id, institution="QH001", name="李", id_number=bad, establishment="bianzhi")
    assert caught.value.code == "invalid_id_number" and "id_number" in caught.value.fields


def test_an_id_number_is_registered_once(demo):
    create_employee(db.session, demo.id, institution="QH001", name="甲", id_number=id_number(21), establishment="bianzhi")
    with pytest.raises(BusinessError) as caught:
        create_employee(db.session, demo.id, institution="QH101", name="乙", id_number=id_number(21),
                        establishment="beian")
    assert caught.value.code == "duplicate" and "id_number" in caught.value.fields


def test_another_community_may_register_the_same_id_number(demo):
    from tests.factories import CommunityFactory, InstitutionFactory

    other = CommunityFactory(code="HK", name="河口县紧密型县域医疗卫生共同体")
    InstitutionFactory(community=other, code="HK001", name="河口县人民医院")
    here = create_employee(db.session, demo.id, institution="QH001", name="甲", id_number=id_number(22),
                           establishment="bianzhi")
    there = create_employee(db.session, other.id, institution="HK001", name="甲", id_number=id_number(22),
                            establishment="contract")
    assert (here.community_id, there.community_id) == (demo.id, other.id) and here.id_number == there.id_number
    with pytest.raises(BusinessError) as caught:  # still once within the other community
        create_employee(db.session, other.id, institution="HK001", name="乙", id_number=id_number(22),
                        establishment="beian")
    assert caught.value.code == "duplicate"


def test_a_leave_date_before_the_hire_date_is_refused(demo):
    profile = create_employee(db.session, demo.id, institution="QH101", name="丙", id_number=id_number(31),
                              establishment="bianzhi", hire_date=date(2022, 3, 1))
    with pytest.raises(BusinessError) as caught:
        update_employee(db.session, profile, {"leave_date": date(2021, 1, 1)})
    assert "leave_date" in caught.value.fields
