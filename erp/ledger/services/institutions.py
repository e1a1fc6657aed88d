"""A member institution in the books: its current fiscal year open and its member partner (往来单位, for
内部往来). Run for every member by the install data (erp.ledger.install) and for a new one by
``institution_created`` (erp.ledger.services.listeners). Idempotent."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Institution, Partner
from erp.core.timeutil import local_today
from erp.ledger.services.periods import open_year

MEMBER_PARTNER_PREFIX = "M-"


def set_up_institution(session: Session, institution: Institution) -> None:
    """Open the institution's current fiscal year and make it a partner of the other members."""
    open_year(session, institution, local_today().year)
    ensure_member_partner(session, institution)


def ensure_member_partner(session: Session, institution: Institution) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.member_institution_id == institution.id))
    if partner is None:
        partner = Partner(community_id=institution.community_id, code=MEMBER_PARTNER_PREFIX + institution.code,
                          name=institution.name, kind="member", member_institution_id=institution.id)
        session.add(partner)
        session.flush()
    return partner
