"""统一用药目录: the community's one catalogue of drugs, medical consumables and 中药饮片, and each member's
formulary (the subset it may order and dispense).

Codes are the national 医保 codes kept as text (see ``/shared/CATALOGUE.md`` and
:mod:`erp.procurement.services.codes`); an item is addressed by its code within the community.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited, InstitutionOwned
from erp.core.models import Institution, enum_column
from erp.core.registry import N_
from erp.core.timeutil import UTCDateTime, utcnow


class ItemCategory(str, enum.Enum):
    DRUG = "drug"              # 西药 and 中成药 (X… / Z… codes)
    CONSUMABLE = "consumable"  # 医用耗材 (C… codes)
    HERBAL = "herbal"          # 中药饮片 (T… codes): the only category that may carry a (capped) markup


class ItemKind(str, enum.Enum):
    """The finer kind, read off the code's first letter; it is the posting templates' inventory qualifier
    (``procurement.*`` rows of the ledger's posting_templates.csv)."""

    WESTERN_DRUG = "western_drug"       # X, 西药
    CHINESE_PATENT = "chinese_patent"   # Z, 中成药
    HERBAL = "herbal"                   # T, 中药饮片
    CONSUMABLE = "consumable"           # C, 医用耗材


CATEGORY_LABELS = {ItemCategory.DRUG: N_("药品"), ItemCategory.CONSUMABLE: N_("医用耗材"),
                   ItemCategory.HERBAL: N_("中药饮片")}
KIND_LABELS = {ItemKind.WESTERN_DRUG: N_("西药"), ItemKind.CHINESE_PATENT: N_("中成药"),
               ItemKind.HERBAL: N_("中药饮片"), ItemKind.CONSUMABLE: N_("医用耗材")}

# The flags of the catalogue API (``flags: [...]``), in this order; each is a boolean column of the item.
FLAGS = ("vbp", "negotiated", "essential", "insurance_a", "insurance_b", "consistency", "high_value", "shortage")
FLAG_LABELS = {
    "vbp": N_("国家集采中选"), "negotiated": N_("国家谈判药品"), "essential": N_("国家基本药物"),
    "insurance_a": N_("医保甲类"), "insurance_b": N_("医保乙类"), "consistency": N_("通过一致性评价"),
    "high_value": N_("高值耗材"), "shortage": N_("短缺监测"),
}


class CatalogueItem(Audited, db.Model):
    """One item of the community catalogue. Quantities elsewhere are in ``package_unit`` (packages) unless
    a field says minimum units; ``units_per_package`` minimum units make one package."""

    __tablename__ = "catalogue_item"
    __table_args__ = (
        UniqueConstraint("community_id", "code"),
        CheckConstraint("units_per_package > 0", name="units_per_package_positive"),
        CheckConstraint("NOT (insurance_a AND insurance_b)", name="insurance_class_single"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # national 医保 code, uppercase text
    category: Mapped[ItemCategory] = enum_column(ItemCategory, 16)
    kind: Mapped[ItemKind] = enum_column(ItemKind, 16)
    generic_name: Mapped[str] = mapped_column(String(128), index=True)
    trade_name: Mapped[str] = mapped_column(String(128), default="")
    dosage_form: Mapped[str] = mapped_column(String(64), default="")
    specification: Mapped[str] = mapped_column(String(128), default="")
    package_unit: Mapped[str] = mapped_column(String(16))  # 盒, 瓶, 袋, 支, kg …
    min_unit: Mapped[str] = mapped_column(String(16))      # 片, 粒, 支, g …
    units_per_package: Mapped[int] = mapped_column(Integer, default=1)
    manufacturer: Mapped[str] = mapped_column(String(128), default="")
    approval_number: Mapped[str] = mapped_column(String(64), default="")  # 国药准字 / 注册证号
    vbp: Mapped[bool] = mapped_column(Boolean, default=False)          # 国家集采中选
    negotiated: Mapped[bool] = mapped_column(Boolean, default=False)   # 国家谈判药品
    essential: Mapped[bool] = mapped_column(Boolean, default=False)    # 国家基本药物
    insurance_a: Mapped[bool] = mapped_column(Boolean, default=False)  # 医保甲类
    insurance_b: Mapped[bool] = mapped_column(Boolean, default=False)  # 医保乙类
    consistency: Mapped[bool] = mapped_column(Boolean, default=False)  # 通过一致性评价
    high_value: Mapped[bool] = mapped_column(Boolean, default=False)   # 高值耗材
    shortage: Mapped[bool] = mapped_column(Boolean, default=False)     # 短缺监测
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the code fits only the loose national form (CATALOGUE.md §5): kept, shown with a warning
    code_warning: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def flags(self) -> list[str]:
        return [flag for flag in FLAGS if getattr(self, flag)]

    @property
    def posting_qualifier(self) -> str:
        """The inventory qualifier of the posting templates: western_drug / chinese_patent / herbal / consumable."""
        return self.kind.value

    @property
    def may_mark_up(self) -> bool:
        """零差率: every drug and consumable sells at cost; only 中药饮片 may carry a capped markup."""
        return self.category is ItemCategory.HERBAL


class Formulary(Audited, InstitutionOwned, db.Model):
    """A member's formulary entry: the member may order and dispense this catalogue item.

    ``min_stock`` (packages, optional) is the member's reorder level for the below-minimum alert."""

    __tablename__ = "formulary"
    __table_args__ = (UniqueConstraint("institution_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    min_stock: Mapped[int | None] = mapped_column(Integer)

    item: Mapped[CatalogueItem] = relationship()
    institution: Mapped[Institution] = relationship()
