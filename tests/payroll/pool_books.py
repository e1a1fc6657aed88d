"""A closed year of ledger figures for the lead hospital QH001 (the 两个允许 pool reads it), entered as the
finance officer and posted by the chief accountant.

Revenue 2,900,000: 诊察 1,200,000 · 床位 200,000 · 西药 800,000 · 卫生材料 300,000 · 检查 250,000 · 化验 150,000.
Expense: 业务活动费用 1,500,000 (of which pay accrued to 应付职工薪酬 900,000), 单位管理费用 200,000."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import User
from erp.payroll.services import create_employee
from tests.ledger.conftest import YEAR
from tests.payroll.test_employees import id_number

LAST_YEAR = YEAR - 1


def enter_last_year(books, institution: str = "QH001", close: bool = True) -> None:
    books.enter(institution, [
        ("1002", "2900000.00", "0"),
        ("4101010102", "0", "1200000.00"), ("4101010201", "0", "200000.00"), ("410101010801", "0", "800000.00"),
        ("4101010107", "0", "300000.00"), ("4101010103", "0", "250000.00"), ("4101010104", "0", "150000.00"),
    ], on=date(LAST_YEAR, 6, 30), memo="上年医疗收入")
    books.enter(institution, [("5001", "900000.00", "0", {"department": "01"}), ("2201", "0", "900000.00")],
                on=date(LAST_YEAR, 12, 31), memo="上年工资计提")
    books.enter(institution, [("5001", "600000.00", "0", {"department": "02"}),
                              ("5101", "200000.00", "0", {"department": "31"}), ("1002", "0", "800000.00")],
                on=date(LAST_YEAR, 11, 30), memo="上年其他费用")
    if close:
        books.close_last_year(institution)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def employee(community_id: int, institution: str, name: str, serial: int, **extra) -> int:
    """A new employee with a payroll profile; returns the core employee id."""
    profile = create_employee(db.session, community_id, institution=institution, name=name,
                              id_number=id_number(serial, extra.pop("birth", "19950312")),
                              establishment=extra.pop("establishment", "bianzhi"),
                              hire_date=extra.pop("hire_date", date(2015, 1, 1)), **extra)
    db.session.flush()
    return profile.employee_id
