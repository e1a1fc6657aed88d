"""The procurement install data of a community: its parameter row (零差率 cap, payment term …)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.models import Community
from erp.procurement.services import install_settings


def load(session: Session, community: Community) -> None:
    install_settings(session, community.id)
