"""请领单: a member asks the community for catalogue items; its approver approves; the procurement clerk
consolidates every approved, unconsolidated line of a period into purchase orders (``po_line_id``)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, User, enum_column
from erp.core.statemachine import StateMachine
from erp.core.timeutil import UTCDateTime, utcnow
from erp.procurement.models.catalogue import CatalogueItem


class RequisitionState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


REQUISITION_LABELS = {"draft": "草稿", "submitted": "已提交", "approved": "已审批", "rejected": "已退回"}
REQUISITION_STATES = StateMachine({("draft", "submitted"), ("submitted", "approved"), ("submitted", "rejected"),
                                   ("rejected", "submitted")}, labels=REQUISITION_LABELS)


class Requisition(Audited, InstitutionOwned, db.Model):
    """A member's 请领单. Its period (``year``, ``month``) is that of its date: consolidation takes a period."""

    __tablename__ = "requisition"
    __table_args__ = (UniqueConstraint("institution_id", "number"),
                      Index("ix_requisition_period", "state", "year", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[RequisitionState] = enum_column(RequisitionState, 16)
    memo: Mapped[str] = mapped_column(String(256), default="")
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    lines: Mapped[list["RequisitionLine"]] = relationship(back_populates="requisition", order_by="RequisitionLine.line_no",
                                                          cascade="all, delete-orphan")

    @property
    def state_title(self) -> str:
        return REQUISITION_LABELS[self.state.value]


class RequisitionLine(Audited, InstitutionOwned, db.Model):
    """One item asked for, in packages. ``po_line_id`` is set when consolidated, cleared when that PO line
    is cancelled (the line is free to be consolidated again)."""

    __tablename__ = "requisition_line"
    __table_args__ = (UniqueConstraint("requisition_id", "line_no"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisition.id"))  # indexed by the unique key
    line_no: Mapped[int] = mapped_column(SmallInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # packages
    wanted_date: Mapped[date] = mapped_column(Date)
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)

    requisition: Mapped[Requisition] = relationship(back_populates="lines")
    item: Mapped[CatalogueItem] = relationship()
