"""全成本核算 tables: allocation drivers (分摊参数) per department and month, and the allocation plan.

The costs themselves are never stored here: they are read from the kept ``balance`` table (业务活动费用
5001* / 单位管理费用 5101* by department) every time a report is made, so the report always agrees with
the ledger. See :mod:`erp.costing.services`.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import CostClass, Department, enum_column
from erp.core.money import FixedDecimal

DRIVER_SCALE = 4  # driver values keep 4 decimal places (m², hours, percent …), exactly


class CostDriver(Audited, InstitutionOwned, db.Model):
    """One allocation-base figure (人员数, 面积, 工作量, 收入, 门诊/住院拆分参数 …) of a department for a month."""

    __tablename__ = "cost_driver"
    __table_args__ = (UniqueConstraint("institution_id", "year", "month", "department_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of erp.costing.services.DRIVER_KINDS
    value: Mapped[Decimal] = mapped_column(FixedDecimal(DRIVER_SCALE))

    department: Mapped[Department] = relationship()

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


class CostAllocationRule(Audited, InstitutionOwned, db.Model):
    """The allocation plan: which base a class of departments (or one department) is allocated by.

    ``from_class`` admin / medical_support / medical_tech: the step-down base (staff, floor_area, workload,
    revenue). ``from_class`` clinical: how a clinical department's cost splits into outpatient and inpatient.
    ``department_id`` set = an override for that one department of the class. Without a row the defaults of
    :data:`erp.costing.services.DEFAULT_BASES` apply.
    """

    __tablename__ = "cost_allocation_rule"
    __table_args__ = (Index("uq_cost_allocation_rule", "institution_id", "from_class",
                            text("coalesce(department_id, 0)"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_class: Mapped[CostClass] = enum_column(CostClass)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    base_kind: Mapped[str] = mapped_column(String(32))

    department: Mapped[Department | None] = relationship()
