"""Install data of the payroll module: the national parameter tables (税率表, 缴费比例, 工资标准) and the account
mapping of the 两个允许 pool (两个允许核算口径). The agencies withheld contributions are owed to are created at
the first posting (erp.payroll.services)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.models import Community
from erp.payroll.services import load_shipped_parameters
from erp.payroll.services.ledger_figures import load_pool_mapping


def load(session: Session, community: Community) -> None:
    load_shipped_parameters(session, community)
    load_pool_mapping(session, community)
