"""Ledger demo data: the chart, the posting templates, partners, funding sources, and the current and previous
fiscal years."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, FundingSource, Institution, Partner, Project
from erp.core.timeutil import local_today
from erp.ledger.services.chart import load_chart
from erp.ledger.services.periods import open_year
from erp.ledger.services.posting_templates import load_default_templates

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


def ensure_member_partners(session: Session, community: Community) -> None:
    """Each member institution is a partner of the others, for 内部往来."""
    have = set(session.scalars(select(Partner.member_institution_id).where(Partner.community_id == community.id)))
    for institution in session.scalars(select(Institution).where(Institution.community_id == community.id)):
        if institution.id not in have:
            session.add(Partner(community_id=community.id, code=f"M-{institution.code}", name=institution.name,
                                kind="member", member_institution_id=institution.id))


def load_demo(session: Session) -> None:
    for community in session.scalars(select(Community)):
        load_chart(session, community)
        load_default_templates(session, community)
        codes = set(session.scalars(select(Partner.code).where(Partner.community_id == community.id)))
        session.add_all(Partner(community_id=community.id, code=c, name=n, kind=k)
                        for c, n, k in PARTNERS if c not in codes)
        codes = set(session.scalars(select(FundingSource.code).where(FundingSource.community_id == community.id)))
        session.add_all(FundingSource(community_id=community.id, code=c, name=n, fiscal=f)
                        for c, n, f in FUNDING_SOURCES if c not in codes)
        codes = set(session.scalars(select(Project.code).where(Project.community_id == community.id)))
        session.add_all(Project(community_id=community.id, code=c, name=n) for c, n in PROJECTS if c not in codes)
        ensure_member_partners(session, community)
        year = local_today().year
        for institution in community.institutions:
            for fiscal_year in (year - 1, year):
                open_year(session, institution, fiscal_year)
    session.flush()
