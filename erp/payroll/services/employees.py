"""Employees with their payroll profile: create, change, find; 身份证号 checked with python-stdnum."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from erp.core import sequences
from erp.core.timeutil import local_today
from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Department, Employee, Institution
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today
from erp.payroll.models import Establishment, PayrollProfile, SpecialDeduction, StaffCategory

PROFILE_FIELDS = ("post", "grade", "staff_category", "general_practitioner", "public_health", "establishment",
                  "bank_name", "bank_account", "insurance_base", "housing_fund_base", "hire_date", "leave_date",
                  "is_head")


def validate_id_number(value: str) -> str:
    """A resident identity number (GB 11643): 18 characters, valid birth date and check digit."""
    try:
        return ric.validate(value)
    except StdnumError as exc:
        raise BusinessError.for_field("id_number", f"身份证号无效 (invalid resident ID number): {exc}",
                                      "invalid_id_number") from exc


def _department(session: Session, institution: Institution, code: str | None) -> Department | None:
    if not code:
        return None
    found = session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                    Department.code == code))
    if found is None:
        raise NotFound.for_field("department", f"{institution.code} 没有科室 {code} (no department {code!r})")
    return found


def _unique_id_number(session: Session, community_id: int, id_number: str, profile_id: int | None = None) -> None:
    """One profile per ID number in a community (every institution of it, whatever the user's scope); another
    community's records are not this one's business."""
    statement = select(PayrollProfile.id).where(PayrollProfile.community_id == community_id,
                                                PayrollProfile.id_number == id_number)
    other = session.scalar(statement.execution_options(skip_scope=True))
    if other is not None and other != profile_id:
        raise Conflict.for_field("id_number", "该身份证号已登记 (this ID number is already registered)", "duplicate")


def create_employee(session: Session, community_id: int, *, institution: str, name: str, id_number: str,
                    establishment: str, department: str | None = None, is_head: bool = False,
                    code: str | None = None, hire_date: date | None = None, staff_category: str = "doctor",
                    deductions: list[dict] = (), **profile) -> PayrollProfile:
    """A core employee and its payroll profile, in the caller's transaction."""
    inst = institution_by_code(session, community_id, institution, write=True)
    id_number = validate_id_number(id_number)
    _unique_id_number(session, inst.community_id, id_number)
    if not code:
        code = f"{sequences.next_value(session, inst.id, 'payroll.employee', 0):05d}"
    elif session.scalar(select(Employee.id).where(Employee.institution_id == inst.id, Employee.code == code)):
        raise Conflict.for_field("code", f"职工编号 {code} 已存在 (employee code {code!r} exists)", "duplicate")
    employee = Employee(institution_id=inst.id, code=code, name=name.strip())
    session.add(employee)
    profile_row = PayrollProfile(
        employee=employee, institution_id=inst.id, community_id=inst.community_id, department=_department(session, inst, department),
        id_number=id_number, establishment=Establishment(establishment), is_head=is_head,
        staff_category=StaffCategory(staff_category), hire_date=hire_date or local_today(),
        **{key: value for key, value in profile.items() if key in PROFILE_FIELDS and value is not None})
    session.add(profile_row)
    for item in deductions:
        profile_row.deductions.append(SpecialDeduction(institution_id=inst.id, **item))
    session.flush()
    return profile_row


def update_employee(session: Session, profile: PayrollProfile, changes: dict) -> PayrollProfile:
    """Change a profile (and the employee's name); the institution never changes here (a transfer is a leave
    date here and a new employee there)."""
    if "name" in changes:
        profile.employee.name = changes.pop("name").strip()
    if "id_number" in changes:
        id_number = validate_id_number(changes.pop("id_number"))
        _unique_id_number(session, profile.community_id, id_number, profile.id)
        profile.id_number = id_number
    if "department" in changes:
        profile.department = _department(session, profile.institution, changes.pop("department"))
    if "deductions" in changes:
        profile.deductions = [SpecialDeduction(institution_id=profile.institution_id, **item)
                              for item in changes.pop("deductions")]
    for key, value in changes.items():
        if key == "establishment":
            value = Establishment(value)
        elif key == "staff_category":
            value = StaffCategory(value)
        if key in PROFILE_FIELDS:
            setattr(profile, key, value)
    if profile.leave_date and profile.leave_date < profile.hire_date:
        raise BusinessError.for_field("leave_date", "离职日期早于入职日期 (leave date before hire date)")
    session.flush()
    return profile


def employee_profile(session: Session, employee_id: int) -> PayrollProfile:
    """The profile of the employee ``employee_id`` (404 outside the user's scope)."""
    found = session.scalar(select(PayrollProfile).options(joinedload(PayrollProfile.employee))
                           .where(PayrollProfile.employee_id == employee_id))
    if found is None:
        raise NotFound.for_field("employee", f"没有职工 {employee_id} (no employee {employee_id})")
    return found


def profiles_query(community_id: int, institution_id: int | None = None):
    statement = (select(PayrollProfile).join(PayrollProfile.employee).join(Institution,
                 Institution.id == PayrollProfile.institution_id).where(Institution.community_id == community_id)
                 .options(joinedload(PayrollProfile.employee)).order_by(Institution.code, Employee.code))
    if institution_id is not None:
        statement = statement.where(PayrollProfile.institution_id == institution_id)
    return statement


def head_of(session: Session, institution_id: int) -> PayrollProfile | None:
    """The institution's 主要负责人 (院长), if recorded."""
    return session.scalar(select(PayrollProfile).where(PayrollProfile.institution_id == institution_id,
                                                       PayrollProfile.is_head.is_(True),
                                                       PayrollProfile.leave_date.is_(None)))

