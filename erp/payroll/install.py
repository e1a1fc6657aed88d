"""Install data of the payroll module: the national parameter tables (税率表, 缴费比例, 工资标准)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.models import Community
from erp.payroll.services import load_shipped_parameters


def load(session: Session, community: Community) -> None:
    load_shipped_parameters(session, community)
