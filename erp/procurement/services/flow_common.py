"""What the document flow (requisitions → orders → receipts → stock → transfers → dispensing) shares: the
community's purchasing institution, periods, quantities, numbers and the posting-template qualifier."""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import sequences
from erp.core.errors import BusinessError, Forbidden, NotFound
from erp.core.models import Institution, InstitutionKind, Partner, User
from erp.procurement.models import CatalogueItem

PERIOD = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)  # ASCII: int() would read "２０２６" too
MAX_QUANTITY = 10_000_000


def parse_period(text: str, field: str = "period") -> tuple[int, int]:
    """``YYYY-MM`` → (year, month), or 422 naming the field."""
    match = PERIOD.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 9999:
        raise BusinessError.for_field(field, f"期间应为 YYYY-MM (a period as YYYY-MM, got {text!r})", "invalid_period")
    return int(match.group(1)), int(match.group(2))


def check_quantity(value, field: str) -> int:
    """A quantity (packages or minimum units): a whole number > 0."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise BusinessError.for_field(field, f"数量应为大于零的整数 (quantity must be a whole number > 0, got {value!r})",
                                      "invalid_quantity")
    return value


def central_pharmacy(session: Session, community_id: int) -> Institution:
    """县域医共体中心药房: kept by the lead hospital, which also places the community's orders (统一采购)."""
    found = session.scalar(select(Institution).where(Institution.community_id == community_id,
                                                     Institution.kind == InstitutionKind.LEAD_HOSPITAL)
                           .execution_options(skip_scope=True))
    if found is None:
        raise NotFound("医共体没有牵头医院（中心药房） (the community has no lead hospital / central pharmacy)",
                       code="no_central_pharmacy")
    return found


def member_by_code(session: Session, community_id: int, code: str, field: str) -> Institution:
    """Any member of the community, named as the other side of a document (a transfer's receiver): its
    code and name are shared across the community, whatever the user's own scope."""
    found = session.scalar(select(Institution).where(Institution.community_id == community_id, Institution.code == code)
                           .execution_options(skip_scope=True))
    if found is None:
        raise NotFound.for_field(field, f"医共体中没有单位 {code} (no member with code {code!r})")
    return found


def member_partner_code(session: Session, institution: Institution) -> str:
    """The member's 往来单位 code (内部往来 lines name the other member)."""
    code = session.scalar(select(Partner.code).where(Partner.member_institution_id == institution.id))
    if code is None:
        raise NotFound(f"{institution.name} 没有往来单位 (the member has no partner record)", code="no_member_partner")
    return code


def next_number(session: Session, institution: Institution, doc_type: str, prefix: str, on: date) -> str:
    """Gapless per institution and year, e.g. ``QL-2026-00012``."""
    return sequences.next_number(session, institution.id, doc_type, prefix, on.year, width=5)


def different_person(user: User, other_id: int | None, what: str) -> None:
    """不相容岗位分离: who prepared a document does not approve it."""
    if other_id is not None and user.id == other_id:
        raise Forbidden(f"{what}不能由制单人本人审批 (the preparer may not approve it)", code="same_person")


def min_units(item: CatalogueItem, packages: int) -> int:
    return packages * item.units_per_package


def packages_text(item: CatalogueItem, units: int) -> str:
    """Minimum units as packages, exact when it divides, else to 4 places (e.g. 2.5 盒)."""
    value = Decimal(units) / Decimal(item.units_per_package)
    text = format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize(), "f")
    return text


def qualifier(item: CatalogueItem) -> str:
    """The posting templates' item class: western_drug / chinese_patent / herbal / consumable."""
    return item.kind.value
