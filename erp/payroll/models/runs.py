"""Monthly payroll runs (工资发放批次), their pay slips (工资条) and the variable monthly inputs.

A run belongs to one institution (a community-wide run belongs to the lead hospital and covers every member:
``community_wide``). Its slips are the institution's own rows. Slip lines are kept on the slip as a JSON list,
one entry per rule: code, name, category, rule version, parameter versions, inputs and result — written once
per compute, frozen when the run is approved, and covered by the slip's audit entry.

A regular run pays an employee a month once: a regular slip carries ``regular_period`` (YYYYMM) and the unique
constraint on (employee, regular_period) makes a second regular slip for the same employee and month impossible,
whatever runs race. Corrections are adjustment runs (``kind = adjustment``): their slips have no
``regular_period`` (NULL, which a unique constraint does not compare).
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Employee, Institution, User, enum_column
from erp.core.money import Money
from erp.core.registry import N_
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow


class RunKind(str, enum.Enum):
    REGULAR = "regular"  # 正常发放
    ADJUSTMENT = "adjustment"  # 补发/更正


class RunState(str, enum.Enum):
    DRAFT = "draft"  # 草稿 (created, not computed)
    COMPUTED = "computed"  # 已计算 (may be recomputed)
    APPROVED = "approved"  # 已审批 (immutable)
    POSTED = "posted"  # 已记账
    PAID = "paid"  # 已发放


APPROVED_STATES = (RunState.APPROVED, RunState.POSTED, RunState.PAID)  # the run is paid (or being paid): frozen
RUN_STATE_TITLES = {RunState.DRAFT: N_("草稿"), RunState.COMPUTED: N_("已计算"), RunState.APPROVED: N_("已审批"),
                    RunState.POSTED: N_("已记账"), RunState.PAID: N_("已发放")}
RUN_KIND_TITLES = {RunKind.REGULAR: N_("正常发放"), RunKind.ADJUSTMENT: N_("补发更正")}

RUN_STATES = StateMachine({
    (RunState.DRAFT, RunState.COMPUTED), (RunState.COMPUTED, RunState.COMPUTED),
    (RunState.COMPUTED, RunState.APPROVED), (RunState.APPROVED, RunState.POSTED), (RunState.POSTED, RunState.PAID),
}, labels={state.value: title for state, title in RUN_STATE_TITLES.items()})


class PayrollRun(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_run"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))  # 工资-2026-03-0001
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[RunKind] = enum_column(RunKind)
    community_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    adjusts_run_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_run.id"))
    state: Mapped[RunState] = enum_column(RunState)
    note: Mapped[str] = mapped_column(String(256), default="")
    # what the last compute used: {"rules": ["post_wage@1", …], "parameters": ["payroll.iit_cumulative@1", …]}
    versions: Mapped[dict] = mapped_column(JSON, default=dict)
    employee_ids: Mapped[list] = mapped_column(JSON, default=list)  # an adjustment run's employees
    slip_count: Mapped[int] = mapped_column(Integer, default=0)
    gross_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    deduction_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    net_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    employer_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    institution: Mapped[Institution] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    computed_by: Mapped[User | None] = relationship(foreign_keys=[computed_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


class Payslip(Audited, InstitutionOwned, db.Model):
    __tablename__ = "payroll_payslip"
    __table_args__ = (
        UniqueConstraint("run_id", "employee_id"),
        UniqueConstraint("employee_id", "regular_period", name="uq_payroll_payslip_regular_month"),
        Index("ix_payroll_payslip_employee_year", "employee_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    regular_period: Mapped[int | None] = mapped_column(Integer)  # YYYYMM on a regular slip, else NULL
    gross: Mapped[Decimal] = mapped_column(Money())  # 应发合计
    personal_deductions: Mapped[Decimal] = mapped_column(Money())  # 个人缴费与扣款 (without IIT)
    income_tax: Mapped[Decimal] = mapped_column(Money())  # 本月预扣个税 (wages + bonus)
    net: Mapped[Decimal] = mapped_column(Money())  # 实发
    employer_contributions: Mapped[Decimal] = mapped_column(Money())  # 单位缴费
    # 累计预扣法 figures of this month (the next month sums them over the year)
    taxable_wages: Mapped[Decimal] = mapped_column(Money())
    special_deduction: Mapped[Decimal] = mapped_column(Money())  # 专项扣除
    additional_deduction: Mapped[Decimal] = mapped_column(Money())  # 专项附加扣除
    other_deduction: Mapped[Decimal] = mapped_column(Money())  # 其他扣除 (职业年金 within its cap)
    wage_tax: Mapped[Decimal] = mapped_column(Money())  # 本月工资薪金预扣税
    tax_months: Mapped[int] = mapped_column(SmallInteger)  # n: months at this employer this year
    annual_bonus: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    bonus_separate: Mapped[bool] = mapped_column(Boolean, default=True)  # 单独计税 (else merged into wages)
    bonus_tax_separate: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    bonus_tax_merged: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # extra wage tax if merged
    lines: Mapped[list] = mapped_column(JSON, default=list)

    run: Mapped[PayrollRun] = relationship()
    employee: Mapped[Employee] = relationship()

    @property
    def regular(self) -> bool:
        return self.regular_period is not None


class PayrollInput(Audited, InstitutionOwned, db.Model):
    """A variable figure for one employee and month (奖励性绩效 distributed, 全年一次性奖金, 缺勤天数 …), by
    code; the rules read it as ``input.<code>`` (0 when absent)."""

    __tablename__ = "payroll_input"
    __table_args__ = (UniqueConstraint("employee_id", "year", "month", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(String(64), default="")  # who set it: "hr", "payroll.distribution" …
