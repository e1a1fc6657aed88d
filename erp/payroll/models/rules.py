"""Declarative salary rules (工资项目规则): ordered, with a condition and an amount expression.

A rule is versioned like a parameter: saving a change adds a row with the next version and its effective
date. ``references`` are the names the expressions use, found by the parser when the rule is saved (the
同岗同酬 and 严禁挂钩 checks, and the run's evaluation order, rely on them).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.models import enum_column
from erp.core.registry import N_
from erp.core.timeutil import UTCDateTime, utcnow


class RuleCategory(str, enum.Enum):
    POST_WAGE = "post_wage"  # 岗位工资
    GRADE_WAGE = "grade_wage"  # 薪级工资
    BASIC_PERFORMANCE = "basic_performance"  # 基础性绩效
    REWARD_PERFORMANCE = "reward_performance"  # 奖励性绩效
    ALLOWANCE = "allowance"  # 津贴补贴
    PERSONAL_DEDUCTION = "personal_deduction"  # 个人扣款
    EMPLOYER_CONTRIBUTION = "employer_contribution"  # 单位缴费
    INCOME_TAX = "income_tax"  # 个税


RULE_CATEGORY_TITLES = {
    RuleCategory.POST_WAGE: N_("岗位工资"), RuleCategory.GRADE_WAGE: N_("薪级工资"),
    RuleCategory.BASIC_PERFORMANCE: N_("基础性绩效"), RuleCategory.REWARD_PERFORMANCE: N_("奖励性绩效"),
    RuleCategory.ALLOWANCE: N_("津贴补贴"), RuleCategory.PERSONAL_DEDUCTION: N_("个人扣款"),
    RuleCategory.EMPLOYER_CONTRIBUTION: N_("单位缴费"), RuleCategory.INCOME_TAX: N_("个税"),
}
# the categories that make up gross pay (应发)
EARNING_CATEGORIES = frozenset({RuleCategory.POST_WAGE, RuleCategory.GRADE_WAGE, RuleCategory.BASIC_PERFORMANCE,
                                RuleCategory.REWARD_PERFORMANCE, RuleCategory.ALLOWANCE})


class SalaryRule(Audited, db.Model):
    __tablename__ = "payroll_salary_rule"
    __table_args__ = (UniqueConstraint("community_id", "code", "version"),
                      UniqueConstraint("community_id", "code", "effective_from"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[RuleCategory] = enum_column(RuleCategory)
    sequence: Mapped[int] = mapped_column(Integer, default=100)
    condition: Mapped[str] = mapped_column(Text, default="")  # empty = always
    amount: Mapped[str] = mapped_column(Text)
    references: Mapped[list] = mapped_column(JSON, default=list)
    effective_from: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # a version with active False retires the rule
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"
