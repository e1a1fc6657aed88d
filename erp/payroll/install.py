"""Install data of the payroll module: the national parameter tables (税率表, 缴费比例, 工资标准), the agencies
withheld contributions are owed to, and the account mapping of the 两个允许 pool (两个允许核算口径)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, Partner
from erp.payroll.services import load_shipped_parameters, shipped_parameters
from erp.payroll.services.ledger_figures import load_pool_mapping


def load(session: Session, community: Community) -> None:
    load_shipped_parameters(session, community)
    # the agencies that withheld contributions are owed to (其他应付款 is kept by partner)
    spec = next(p for p in shipped_parameters() if p["code"] == "payroll.withholding_partners")
    have = set(session.scalars(select(Partner.code).where(Partner.community_id == community.id)))
    session.add_all(Partner(community_id=community.id, code=code, name=name, kind="other")
                    for code, name in spec["value"]["partners"].items() if code not in have)
    session.flush()
    load_pool_mapping(session, community)
