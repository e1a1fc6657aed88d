"""Opening cumulative figures (期初累计数) for 累计预扣法 when the system goes live in the middle of a tax year.

An employee paid by this employer before go-live has months whose slips are not in the system: the figures of
the 个人所得税扣缴申报 up to ``through_month`` (累计收入, 累计专项扣除, 累计专项附加扣除, 累计其他扣除, 累计已预扣预缴税额
and the number of months counted) start the year's cumulative state, and the first run after them continues it.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Employee
from erp.core.money import Money
from erp.core.timeutil import UTCDateTime, utcnow


class PayrollOpening(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_opening"
    __table_args__ = (UniqueConstraint("employee_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    through_month: Mapped[int] = mapped_column(SmallInteger)  # the last month the figures cover
    months: Mapped[int] = mapped_column(SmallInteger)  # n so far: months at this employer this year
    income: Mapped[Decimal] = mapped_column(Money())  # 累计收入 (wages, a merged bonus included)
    special_deduction: Mapped[Decimal] = mapped_column(Money())  # 累计专项扣除
    additional_deduction: Mapped[Decimal] = mapped_column(Money())  # 累计专项附加扣除
    other_deduction: Mapped[Decimal] = mapped_column(Money())  # 累计其他扣除
    tax_withheld: Mapped[Decimal] = mapped_column(Money())  # 累计已预扣预缴税额
    source: Mapped[str] = mapped_column(String(64), default="")  # "api", "excel: 期初.xlsx"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    employee: Mapped[Employee] = relationship()
