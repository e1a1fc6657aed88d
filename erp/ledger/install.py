"""The ledger's install data (manifest ``data_loader``): what a real community needs before it can book.

A new community gets the chart of accounts, the 平行记账 mapping and the posting templates (记账模板); every member institution gets its
current fiscal year (twelve open months) and its member partner (往来单位, for 内部往来). Institutions added
later are set up the same way through ``institution_created`` (erp.ledger.services.listeners). Idempotent.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, Institution
from erp.ledger.services.chart import load_chart
from erp.ledger.services.institutions import set_up_institution
from erp.ledger.services.posting_templates import load_default_templates


def load(session: Session, community: Community) -> None:
    load_chart(session, community)
    load_default_templates(session, community)
    for institution in session.scalars(select(Institution).where(Institution.community_id == community.id)
                                       .order_by(Institution.id)):
        set_up_institution(session, institution)
