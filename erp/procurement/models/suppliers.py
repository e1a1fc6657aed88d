"""Suppliers: the procurement side of a core ``Partner`` (kind supplier).

Name, code and 统一社会信用代码 are the partner's (master data lives in core, shared with the ledger's
往来 dimension); procurement keeps the 药品经营许可证, the role in the supply chain and the bank account.
"""
from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.models import Partner, enum_column
from erp.core.registry import N_
from erp.core.timeutil import local_today


class SupplierRole(str, enum.Enum):
    MANUFACTURER = "manufacturer"  # 生产企业 (sells directly: its invoice is the only one)
    DISTRIBUTOR = "distributor"    # 配送企业 (两票制: records the manufacturer's invoice to it)


ROLE_LABELS = {SupplierRole.MANUFACTURER: N_("生产企业"), SupplierRole.DISTRIBUTOR: N_("配送企业")}


class Supplier(Audited, db.Model):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), unique=True)
    role: Mapped[SupplierRole] = enum_column(SupplierRole, 16)
    licence_number: Mapped[str] = mapped_column(String(64), default="")  # 药品经营许可证 / 生产许可证编号
    licence_expires: Mapped[date] = mapped_column(Date)
    bank_name: Mapped[str] = mapped_column(String(128), default="")
    bank_account: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    partner: Mapped[Partner] = relationship(lazy="joined")

    @property
    def code(self) -> str:
        return self.partner.code

    @property
    def name(self) -> str:
        return self.partner.name

    @property
    def uscc(self) -> str | None:
        return self.partner.uscc

    @property
    def licence_valid(self) -> bool:
        """Valid today (the community's local date)."""
        return self.licence_valid_on(local_today())

    def licence_valid_on(self, on_date: date) -> bool:
        return on_date <= self.licence_expires
