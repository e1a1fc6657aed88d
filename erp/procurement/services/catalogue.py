"""The community catalogue and the members' formularies: create, update by code, and the ordering check."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Institution
from erp.core.services import institution_by_code
from erp.procurement.models import FLAGS, CatalogueItem, Formulary, ItemCategory, ItemKind
from erp.procurement.services.codes import CATEGORY_OF_KIND, check_code, normalise_code
from erp.procurement.services.common import flush_or_conflict

# The descriptive fields an item takes (besides code, category and flags), with their column widths.
TEXT_FIELDS = {"generic_name": 128, "trade_name": 128, "dosage_form": 64, "specification": 128,
               "package_unit": 16, "min_unit": 16, "manufacturer": 128, "approval_number": 64}
REQUIRED_FIELDS = ("generic_name", "package_unit", "min_unit")


class NotOrderable(BusinessError):
    """The member may not order this item (not in the catalogue, inactive, or not in its formulary)."""

    code = "not_orderable"


def item_by_code(session: Session, community_id: int, code: str, *, field: str = "item",
                 lock: bool = False) -> CatalogueItem:
    statement = select(CatalogueItem).where(CatalogueItem.community_id == community_id,
                                            CatalogueItem.code == normalise_code(code))
    found = session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound.for_field(field, f"目录中没有编码为 {normalise_code(code)} 的品种 "
                                        f"(no catalogue item with code {code!r})", "unknown_item")
    return found


def _check_flags(flags: Iterable[str]) -> set[str]:
    chosen = set(flags)
    unknown = sorted(chosen - set(FLAGS))
    if unknown:
        raise BusinessError.for_field("flags", f"未知标识 {', '.join(unknown)}；可选 {', '.join(FLAGS)} "
                                               f"(unknown flags)", "unknown_flag")
    if {"insurance_a", "insurance_b"} <= chosen:
        raise BusinessError.for_field("flags", "医保甲类与乙类不能同时标记 (insurance_a and insurance_b exclude "
                                               "each other)", "insurance_class")
    return chosen


def _apply(item: CatalogueItem, data: dict[str, Any]) -> None:
    for name, width in TEXT_FIELDS.items():
        if name in data:
            value = (data[name] or "").strip()
            if len(value) > width:
                raise BusinessError.for_field(name, f"{name} 超过 {width} 个字符 (longer than {width} characters)",
                                              "too_long")
            setattr(item, name, value)
    if "units_per_package" in data:
        units = data["units_per_package"]
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise BusinessError.for_field("units_per_package", "每包装最小单位数必须是正整数 "
                                                               "(units_per_package must be a positive integer)")
        item.units_per_package = units
    if "flags" in data:
        chosen = _check_flags(data["flags"])
        for flag in FLAGS:
            setattr(item, flag, flag in chosen)
    if "active" in data:
        item.active = bool(data["active"])
    for name in REQUIRED_FIELDS:
        if not getattr(item, name):
            raise BusinessError.for_field(name, f"{name} 不能为空 (required)", "required")


def create_item(session: Session, community_id: int, data: dict[str, Any]) -> CatalogueItem:
    """A new catalogue item from the API's fields (``code``, ``category``, the texts, ``flags`` …)."""
    category = ItemCategory(data["category"]) if data.get("category") else None
    checked = check_code(data.get("code", ""), category)
    if session.scalar(select(CatalogueItem.id).where(CatalogueItem.community_id == community_id,
                                                     CatalogueItem.code == checked.code)):
        raise BusinessError.for_field("code", f"编码 {checked.code} 已在目录中 (already in the catalogue)",
                                      "duplicate")
    item = CatalogueItem(community_id=community_id, code=checked.code, kind=checked.kind,
                         category=CATEGORY_OF_KIND[checked.kind], code_warning=checked.warning,
                         units_per_package=1, active=True)
    _apply(item, {"units_per_package": 1, **data})
    session.add(item)
    flush_or_conflict(session, f"品种 {checked.code} ")
    return item


def update_item(session: Session, item: CatalogueItem, data: dict[str, Any]) -> CatalogueItem:
    """Change an item's fields (the code and category stay: an item is its code)."""
    if data.get("code") not in (None, "") and normalise_code(data["code"]) != item.code:
        raise BusinessError.for_field("code", "品种编码不能修改 (an item's code never changes)", "immutable")
    if data.get("category") not in (None, "") and ItemCategory(data["category"]) is not item.category:
        raise BusinessError.for_field("category", "类别由编码决定，不能修改 (the category follows the code)",
                                      "immutable")
    _apply(item, data)
    session.flush()
    return item


def formulary_entry(session: Session, institution: Institution, item: CatalogueItem) -> Formulary | None:
    return session.scalar(select(Formulary).where(Formulary.institution_id == institution.id,
                                                  Formulary.item_id == item.id))


def set_formulary(session: Session, institution: Institution, item: CatalogueItem, *, active: bool = True,
                  min_stock: int | None = None) -> Formulary:
    """Put an item in (or take it out of, ``active=False``) a member's formulary; idempotent."""
    if item.community_id != institution.community_id:
        raise NotFound.for_field("item", "no such catalogue item in the institution's community", "unknown_item")
    if min_stock is not None and min_stock < 0:
        raise BusinessError.for_field("min_stock", "最低库存不能为负 (min_stock must not be negative)")
    entry = formulary_entry(session, institution, item)
    if entry is None:
        entry = Formulary(institution_id=institution.id, item_id=item.id)
        session.add(entry)
    entry.active = active
    entry.min_stock = min_stock
    flush_or_conflict(session, "用药目录 ")
    return entry


def check_orderable(session: Session, institution: Institution, item: CatalogueItem | str,
                    *, field: str = "item") -> CatalogueItem:
    """The item if the member may order it: in the community catalogue, active, and in the member's
    formulary; else :class:`NotOrderable` (422) naming ``field`` (``not_in_catalogue`` is a 404)."""
    if isinstance(item, str):
        item = item_by_code(session, institution.community_id, item, field=field)
    if item.community_id != institution.community_id:
        raise NotFound.for_field(field, f"目录中没有品种 {item.code} (not in the community catalogue)",
                                 "unknown_item")
    if not item.active:
        raise NotOrderable.for_field(field, f"品种 {item.code} {item.generic_name} 已停用 (inactive item)",
                                     "item_inactive")
    entry = formulary_entry(session, institution, item)
    if entry is None or not entry.active:
        raise NotOrderable.for_field(field, f"品种 {item.code} {item.generic_name} 不在 {institution.name} 的用药目录中 "
                                            f"(not in the member's formulary)", "not_in_formulary")
    return item


def item_query(session: Session, community_id: int, query: dict[str, Any]) -> Select:
    """The catalogue select the API and the list page share: ``q`` (code prefix or name), ``category``,
    ``kind``, ``flag``, ``active`` and ``institution`` (only items in that member's formulary)."""
    statement = select(CatalogueItem).where(CatalogueItem.community_id == community_id)
    if text := (query.get("q") or "").strip():
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(or_(CatalogueItem.code.like(pattern.upper() + "%", escape="\\"),
                                        CatalogueItem.generic_name.like(f"%{pattern}%", escape="\\"),
                                        CatalogueItem.trade_name.like(f"%{pattern}%", escape="\\")))
    if query.get("category"):
        statement = statement.where(CatalogueItem.category == ItemCategory(query["category"]))
    if query.get("kind"):
        statement = statement.where(CatalogueItem.kind == ItemKind(query["kind"]))
    if query.get("flag") in FLAGS:
        statement = statement.where(getattr(CatalogueItem, query["flag"]).is_(True))
    if query.get("active") is not None:
        statement = statement.where(CatalogueItem.active.is_(bool(query["active"])))
    if query.get("institution"):
        institution = institution_by_code(session, community_id, query["institution"])
        statement = statement.join(Formulary, Formulary.item_id == CatalogueItem.id).where(
            Formulary.institution_id == institution.id, Formulary.active.is_(True))
    return statement.order_by(CatalogueItem.code)
