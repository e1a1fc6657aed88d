"""Ledger demo data, on top of the install data (erp.ledger.install: chart, posting templates, current
year, member partners): suppliers and other partners, funding sources, projects, and the previous fiscal year."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, FundingSource, Partner, Project
from erp.core.timeutil import local_today
from erp.ledger.services.periods import open_year

PARTNERS = [
    ("S001", "国药控股清河医药有限公司", "supplier"), ("S002", "华润河北医药有限公司", "supplier"),
    ("S003", "九州通医药集团河北有限公司", "supplier"), ("S004", "清河县医疗器械供应站", "supplier"),
    ("I001", "清河县医疗保障局", "insurer"), ("O001", "清河县财政局", "other"),
]
FUNDING_SOURCES = [
    ("F01", "财政拨款-基本支出", True), ("F02", "财政拨款-项目支出", True),
    ("F03", "基本公共卫生服务补助资金", True), ("N01", "非财政拨款资金", False),
]
PROJECTS = [("P001", "医共体信息化建设"), ("P002", "乡镇卫生院设备更新")]


def load_demo(session: Session) -> None:
    for community in session.scalars(select(Community)):
        codes = set(session.scalars(select(Partner.code).where(Partner.community_id == community.id)))
        session.add_all(Partner(community_id=community.id, code=c, name=n, kind=k)
                        for c, n, k in PARTNERS if c not in codes)
        codes = set(session.scalars(select(FundingSource.code).where(FundingSource.community_id == community.id)))
        session.add_all(FundingSource(community_id=community.id, code=c, name=n, fiscal=f)
                        for c, n, f in FUNDING_SOURCES if c not in codes)
        codes = set(session.scalars(select(Project.code).where(Project.community_id == community.id)))
        session.add_all(Project(community_id=community.id, code=c, name=n) for c, n in PROJECTS if c not in codes)
        previous = local_today().year - 1
        for institution in community.institutions:
            open_year(session, institution, previous)
    session.flush()
