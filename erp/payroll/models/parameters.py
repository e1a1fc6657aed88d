"""Versioned parameter tables (税率表, 缴费比例与基数上下限, 岗位/薪级工资表, 专项附加扣除标准 …).

A parameter is a code and a JSON value (numbers as strings: exact Decimals) in force from ``effective_from``;
a change is a new row with a later date and the next version number, never an update. A run uses, for each
code, the latest row effective on the first day of its month and records ``code@version`` on every slip line.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.timeutil import UTCDateTime, utcnow


class PayrollParameter(Audited, db.Model):
    __tablename__ = "payroll_parameter"
    __table_args__ = (UniqueConstraint("community_id", "code", "effective_from"),
                      UniqueConstraint("community_id", "code", "version"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    value: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"
