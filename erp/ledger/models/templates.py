"""Posting templates (记账模板): per community and source kind, the accounts each role posts to, versioned.

A template is a kind (``procurement.receipt``, ``ledger.year_end`` …) with an explicit current version; an
edit adds a version with all its lines and moves ``current_version`` to it, so every earlier version stays
readable and a voucher that records ``kind@version`` can always be traced to the accounts it used.
See :mod:`erp.ledger.services.posting_templates` for the service.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from erp.core.errors import Conflict
from erp.core.extensions import db
from erp.core.models import User
from erp.core.mixins import Audited
from erp.core.timeutil import UTCDateTime, utcnow


class PostingTemplate(Audited, db.Model):
    """One source kind's template in a community; ``current_version`` names the version in force."""

    __tablename__ = "posting_template"
    __table_args__ = (UniqueConstraint("community_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128), default="")
    current_version: Mapped[int] = mapped_column(Integer)

    versions: Mapped[list["PostingTemplateVersion"]] = relationship(
        back_populates="template", order_by="PostingTemplateVersion.version")


class PostingTemplateVersion(Audited, db.Model):
    """One version of a template: written once, never changed."""

    __tablename__ = "posting_template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("posting_template.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    template: Mapped[PostingTemplate] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list["PostingTemplateLine"]] = relationship(
        back_populates="version", order_by="PostingTemplateLine.line_no", cascade="all, delete-orphan")


class PostingTemplateLine(Audited, db.Model):
    """A role's account in one version; ``qualifier`` splits a role (inventory by item class), "" for none."""

    __tablename__ = "posting_template_line"
    __table_args__ = (UniqueConstraint("version_id", "role", "qualifier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("posting_template_version.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(64))
    qualifier: Mapped[str] = mapped_column(String(64), default="")
    account_code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(128), default="")

    version: Mapped[PostingTemplateVersion] = relationship(back_populates="lines")


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_versions(session: Session, flush_context, instances) -> None:
    """A written version is history: an edit is a new version, never a change to an old one."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, (PostingTemplateVersion, PostingTemplateLine)) and (
                obj in session.deleted or session.is_modified(obj)):
            raise Conflict("记账模板的历史版本不能修改或删除，请保存为新版本 "
                           "(a template version is never changed: save a new version)", code="template_version_immutable")
