"""The source documents posted through the ledger's document door (see erp.ledger.services.documents)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp.core.extensions import db


class LedgerDocument(db.Model):
    """One row per source document posted through the document door (业务单据): the lock row that makes
    posting a document happen once, and the voucher now standing for it (None once reversed) with the
    hash of the content it was posted with."""

    __tablename__ = "ledger_document"
    __table_args__ = (UniqueConstraint("community_id", "module", "kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    module: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
