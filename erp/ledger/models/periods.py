"""Fiscal years and accounting periods (会计期间) of an institution's books."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import enum_column
from erp.core.timeutil import UTCDateTime


class PeriodState(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class FiscalYear(Audited, InstitutionOwned, db.Model):
    __tablename__ = "fiscal_year"
    __table_args__ = (UniqueConstraint("institution_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[PeriodState] = enum_column(PeriodState, 8)


class Period(Audited, InstitutionOwned, db.Model):
    """会计期间: one month of one institution's books."""

    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("institution_id", "year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[PeriodState] = enum_column(PeriodState, 8)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reopen_reason: Mapped[str | None] = mapped_column(String(256))

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"
