"""职工薪酬档案: the payroll profile of a core ``Employee`` (1:1), and the declared 专项附加扣除.

Core's ``Employee`` stays the thin master record the ledger uses as a dimension (code, name, institution).
Everything only pay needs — 身份证号, bank account, post and grade, establishment, contribution bases — lives
here, in the payroll module's own tables: a community without payroll never stores 身份证号, and the sensitive
columns sit behind payroll's permissions only.
"""
from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Department, Employee, Institution, enum_column
from erp.core.money import Money
from erp.core.registry import N_


class StaffCategory(str, enum.Enum):
    """人员类别."""

    DOCTOR = "doctor"  # 医
    NURSE = "nurse"  # 护
    TECHNICIAN = "technician"  # 技
    PHARMACIST = "pharmacist"  # 药
    MANAGEMENT = "management"  # 管理
    WORKER = "worker"  # 工勤


STAFF_CATEGORY_TITLES = {
    StaffCategory.DOCTOR: N_("医"), StaffCategory.NURSE: N_("护"), StaffCategory.TECHNICIAN: N_("技"),
    StaffCategory.PHARMACIST: N_("药"), StaffCategory.MANAGEMENT: N_("管理"), StaffCategory.WORKER: N_("工勤"),
}


class Establishment(str, enum.Enum):
    """编制状态 — recorded for HR and reporting; pay rules may never refer to it (同岗同酬)."""

    BIANZHI = "bianzhi"  # 编制内
    BEIAN = "beian"  # 备案制
    CONTRACT = "contract"  # 合同
    DISPATCH = "dispatch"  # 派遣


ESTABLISHMENT_TITLES = {
    Establishment.BIANZHI: N_("编制内"), Establishment.BEIAN: N_("备案制"),
    Establishment.CONTRACT: N_("合同制"), Establishment.DISPATCH: N_("劳务派遣"),
}


class PayrollProfile(Audited, InstitutionOwned, db.Model):
    """One employee's pay record. ``institution_id`` mirrors the employee's (the scope of the row)."""

    __tablename__ = "payroll_profile"
    # one person has one ID number in a community; another community (another database tenant) may list them too
    __table_args__ = (UniqueConstraint("community_id", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    post: Mapped[str] = mapped_column(String(32), default="")  # 岗位: a key of the pay table payroll.post_wage
    grade: Mapped[int] = mapped_column(SmallInteger, default=1)  # 薪级 (1–65)
    staff_category: Mapped[StaffCategory] = enum_column(StaffCategory)
    general_practitioner: Mapped[bool] = mapped_column(Boolean, default=False)  # 全科医生
    public_health: Mapped[bool] = mapped_column(Boolean, default=False)  # 公共卫生医师
    establishment: Mapped[Establishment] = enum_column(Establishment)
    id_number: Mapped[str] = mapped_column(String(18))  # 身份证号 (stdnum.cn.ric)
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    bank_account: Mapped[str] = mapped_column(String(32), default="")
    insurance_base: Mapped[Decimal | None] = mapped_column(Money())  # 社保缴费基数 (declared; clamped in the run)
    housing_fund_base: Mapped[Decimal | None] = mapped_column(Money())  # 公积金缴存基数
    hire_date: Mapped[date] = mapped_column(Date)
    leave_date: Mapped[date | None] = mapped_column(Date)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)  # 主要负责人 (院长): outside every pay rule
    # the employee's institution's community (sort_order: the migration appends it)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), sort_order=1)

    employee: Mapped[Employee] = relationship()
    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()
    deductions: Mapped[list["SpecialDeduction"]] = relationship(
        back_populates="profile", order_by="SpecialDeduction.start", cascade="all, delete-orphan")

    def employed_in(self, year: int, month: int) -> bool:
        first = date(year, month, 1)
        started = (self.hire_date.year, self.hire_date.month) <= (year, month)
        return started and (self.leave_date is None or self.leave_date >= first)


class SpecialDeduction(Audited, InstitutionOwned, db.Model):
    """专项附加扣除 declared by the employee: a monthly amount from ``start`` to ``end`` (months, inclusive)."""

    __tablename__ = "payroll_special_deduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("payroll_profile.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of the parameter payroll.special_additional
    amount: Mapped[Decimal] = mapped_column(Money())  # monthly
    start: Mapped[date] = mapped_column(Date)  # first day of the first month
    end: Mapped[date | None] = mapped_column(Date)  # first day of the last month; none = open

    profile: Mapped[PayrollProfile] = relationship(back_populates="deductions")

    def applies_in(self, year: int, month: int) -> bool:
        first = date(year, month, 1)
        return self.start <= first and (self.end is None or first <= self.end)
