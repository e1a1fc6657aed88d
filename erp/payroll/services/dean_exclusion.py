"""The dean takes part in no other distribution (PAYROLL.md §8; DOMAIN.md §6 院长年薪制): every path that pays
or counts a person — the pool's 核增, community 统筹, department distribution, bonuses and rule-based pay —
asks :func:`refuse_dean` first and is refused with the stable code ``dean_excluded``."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.payroll.models import PayrollProfile
from erp.payroll.models.dean_salary import DeanSalary

DEAN_EXCLUDED = "dean_excluded"


def is_dean(session: Session, employee_id: int, year: int | None = None) -> bool:
    """The 主要负责人 flag on the profile, or an annual salary approved for the year (any year when None)."""
    statement = select(PayrollProfile.is_head).where(PayrollProfile.employee_id == employee_id)
    if session.scalar(statement.execution_options(skip_scope=True)):
        return True
    salary = select(DeanSalary.id).where(DeanSalary.employee_id == employee_id)
    if year is not None:
        salary = salary.where(DeanSalary.year == year)
    return session.scalar(salary.limit(1).execution_options(skip_scope=True)) is not None


def dean_ids(session: Session, employee_ids, year: int | None = None) -> set[int]:
    """Those of ``employee_ids`` who are deans."""
    ids = set(employee_ids)
    if not ids:
        return set()
    heads = set(session.scalars(select(PayrollProfile.employee_id).where(
        PayrollProfile.employee_id.in_(ids), PayrollProfile.is_head.is_(True)).execution_options(skip_scope=True)))
    salaried = select(DeanSalary.employee_id).where(DeanSalary.employee_id.in_(ids))
    if year is not None:
        salaried = salaried.where(DeanSalary.year == year)
    return heads | set(session.scalars(salaried.execution_options(skip_scope=True)))


def refuse_dean(session: Session, employee_id: int, *, what: str, field: str = "employee",
                year: int | None = None) -> None:
    """422 ``dean_excluded`` naming ``field`` when the employee is the dean."""
    if is_dean(session, employee_id, year):
        raise BusinessError.for_field(field, f"院长实行年薪制，不参与{what} (the dean takes part in no {what})",
                                      DEAN_EXCLUDED)
