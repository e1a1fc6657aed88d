"""The ledger's install data (manifest ``data_loader``): what a real community needs before it can book.

A new community gets the chart of accounts, the 平行记账 mapping and the posting templates (记账模板); every member institution gets its
current fiscal year (twelve open months) and its member partner (往来单位, for 内部往来). Institutions added
later are set up the same way through ``institution_created`` (erp.ledger.listeners). Idempotent.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, Institution, Partner
from erp.core.timeutil import local_today
from erp.ledger.chart import load_chart
from erp.ledger.periods import open_year
from erp.ledger.posting_templates import load_default_templates

MEMBER_PARTNER_PREFIX = "M-"


def load(session: Session, community: Community) -> None:
    load_chart(session, community)
    load_default_templates(session, community)
    for institution in session.scalars(select(Institution).where(Institution.community_id == community.id)
                                       .order_by(Institution.id)):
        set_up_institution(session, institution)


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
