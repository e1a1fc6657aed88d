"""Suppliers: created with their core partner (往来单位, kind supplier), and the licence check every order,
receipt and payment makes."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Partner
from erp.core.services import validate_uscc
from erp.procurement.models import Supplier, SupplierRole
from erp.procurement.services.common import flush_or_conflict


class LicenceExpired(BusinessError):
    """No order, receipt or payment to a supplier whose 药品经营许可证 has expired."""

    code = "licence_expired"


PROCUREMENT_FIELDS = ("licence_number", "bank_name", "bank_account")


def supplier_by_code(session: Session, community_id: int, code: str, *, field: str = "supplier") -> Supplier:
    found = session.scalar(select(Supplier).join(Supplier.partner).where(
        Supplier.community_id == community_id, Partner.code == (code or "").strip()))
    if found is None:
        raise NotFound.for_field(field, f"没有编码为 {code} 的供应商 (no supplier with code {code!r})",
                                 "unknown_supplier")
    return found


def _apply(supplier: Supplier, data: dict[str, Any]) -> None:
    for name in PROCUREMENT_FIELDS:
        if name in data:
            setattr(supplier, name, (data[name] or "").strip())
    if data.get("role"):
        supplier.role = SupplierRole(data["role"])
    if data.get("licence_expires"):
        supplier.licence_expires = data["licence_expires"]
    if "active" in data:
        supplier.active = bool(data["active"])


def create_supplier(session: Session, community_id: int, data: dict[str, Any]) -> Supplier:
    """A supplier: its core partner (code, name, uscc; reused when a partner of that code exists and is
    a supplier not yet linked) and the procurement record (licence, role, bank account)."""
    code, name = (data.get("code") or "").strip(), (data.get("name") or "").strip()
    if not code or not name:
        raise BusinessError.for_field("code" if not code else "name", "供应商编码和名称不能为空 (required)",
                                      "required")
    uscc = validate_uscc(data.get("uscc"))
    if uscc is None:
        raise BusinessError.for_field("uscc", "统一社会信用代码不能为空 (USCC required)", "required")
    if not data.get("licence_expires"):
        raise BusinessError.for_field("licence_expires", "许可证有效期不能为空 (licence expiry required)", "required")
    partner = session.scalar(select(Partner).where(Partner.community_id == community_id, Partner.code == code))
    if partner is not None:
        if partner.kind != "supplier" or session.scalar(select(Supplier.id).where(Supplier.partner_id == partner.id)):
            raise BusinessError.for_field("code", f"往来单位编码 {code} 已被使用 (partner code already used)",
                                          "duplicate")
        partner.name, partner.uscc = name, uscc
    else:
        partner = Partner(community_id=community_id, code=code, name=name, kind="supplier", uscc=uscc)
        session.add(partner)
    supplier = Supplier(community_id=community_id, partner=partner, role=SupplierRole(data["role"]),
                        licence_expires=data["licence_expires"], active=True)
    _apply(supplier, data)
    session.add(supplier)
    flush_or_conflict(session, f"供应商 {code} ")
    return supplier


def update_supplier(session: Session, supplier: Supplier, data: dict[str, Any]) -> Supplier:
    if data.get("name"):
        supplier.partner.name = data["name"].strip()
    if data.get("uscc"):
        supplier.partner.uscc = validate_uscc(data["uscc"])
    _apply(supplier, data)
    session.flush()
    return supplier


def check_supplier_licence(supplier: Supplier, on_date: date, *, field: str = "supplier") -> Supplier:
    """The supplier, if its licence is valid on ``on_date`` (the expiry day included) and it is active;
    else :class:`LicenceExpired` (422, code ``licence_expired``; ``supplier_inactive`` when deactivated)."""
    if not supplier.active:
        raise LicenceExpired.for_field(field, f"供应商 {supplier.code} {supplier.name} 已停用 (inactive supplier)",
                                       "supplier_inactive")
    if not supplier.licence_valid_on(on_date):
        raise LicenceExpired.for_field(
            field, f"供应商 {supplier.code} {supplier.name} 的药品经营许可证已于 {supplier.licence_expires:%Y-%m-%d} 过期 "
                   f"(licence expired on {supplier.licence_expires:%Y-%m-%d}; date {on_date:%Y-%m-%d})")
    return supplier
