"""The demo community: a county medical community as a newcomer should see it (idempotent)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from erp.core import services
from erp.core.models import Community, CostClass, Department, Institution, InstitutionKind, User

DEMO_COMMUNITY = ("QH", "清河县紧密型县域医疗卫生共同体")
DEMO_PASSWORD = "yigong2026"
REGION = "130522"  # a county-level administrative division code for the demo

COUNTY = [
    ("QH001", "清河县人民医院", InstitutionKind.LEAD_HOSPITAL),
    ("QH002", "清河县中医院", InstitutionKind.COUNTY_HOSPITAL),
]
TOWNSHIPS = ["城关镇", "柳林镇", "河口镇", "石桥镇", "新集乡", "黄庄乡", "马坊镇", "双塔镇"]
COMMUNITY_CENTRES = ["东城街道", "西城街道"]
VILLAGES = ["东庄村", "西庄村", "南坡村", "北河村", "王屯村", "李家村", "张寨村", "刘营村", "陈湾村", "杨庄村",
            "赵村", "孙桥村", "周集村", "吴楼村", "郑店村", "冯庄村", "朱岗村", "何营村", "高庄村", "林场村"]

DEPARTMENTS = {
    "county": [("01", "内科", CostClass.CLINICAL), ("02", "外科", CostClass.CLINICAL),
               ("03", "妇产科", CostClass.CLINICAL), ("04", "儿科", CostClass.CLINICAL),
               ("05", "急诊科", CostClass.CLINICAL), ("11", "检验科", CostClass.MEDICAL_TECH),
               ("12", "放射科", CostClass.MEDICAL_TECH), ("21", "药剂科", CostClass.MEDICAL_SUPPORT),
               ("22", "消毒供应室", CostClass.MEDICAL_SUPPORT), ("31", "院办", CostClass.ADMIN),
               ("32", "财务科", CostClass.ADMIN), ("33", "后勤保障科", CostClass.ADMIN)],
    "township": [("01", "全科门诊", CostClass.CLINICAL), ("02", "住院部", CostClass.CLINICAL),
                 ("03", "公共卫生科", CostClass.CLINICAL), ("11", "检验室", CostClass.MEDICAL_TECH),
                 ("21", "药房", CostClass.MEDICAL_SUPPORT), ("31", "办公室", CostClass.ADMIN)],
    "village": [("01", "诊室", CostClass.CLINICAL)],
}

# username, role, display name, institution codes (none = the whole community)
USERS = [
    ("admin", "admin", "系统管理员", []),
    ("finance", "finance", "医共体财务 王会计", []),
    ("chief", "chief_accountant", "总会计师 李总", []),
    ("accountant", "accountant", "城关镇卫生院会计 赵", ["QH101"]),
    ("clerk", "clerk", "柳林镇卫生院经办 钱", ["QH102"]),
    ("procurement", "procurement", "采购员 孙", []),
    ("pharmacy", "pharmacy", "中心药房 周", ["QH001"]),
    ("hr", "hr", "人事专员 吴", []),
    ("auditor", "auditor", "内审 郑", []),
]


def demo_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 for a public institution (登记管理部门 1, 事业单位 2)."""
    body = f"12{REGION}{serial:09d}"
    return body + uscc.calc_check_digit(body)


def _institution_specs() -> list[tuple[str, str, InstitutionKind, str | None]]:
    specs = [(code, name, kind, None) for code, name, kind in COUNTY]
    townships = [(f"QH1{i + 1:02d}", f"{town}卫生院", InstitutionKind.TOWNSHIP_CENTRE, None)
                 for i, town in enumerate(TOWNSHIPS)]
    centres = [(f"QH2{i + 1:02d}", f"{name}社区卫生服务中心", InstitutionKind.COMMUNITY_CENTRE, None)
               for i, name in enumerate(COMMUNITY_CENTRES)]
    villages = [(f"{townships[i % len(townships)][0]}-{i // len(townships) + 1:02d}", f"{name}卫生室",
                 InstitutionKind.VILLAGE_CLINIC, townships[i % len(townships)][0]) for i, name in enumerate(VILLAGES)]
    return specs + townships + centres + villages


def load_demo(session: Session) -> Community:
    code, name = DEMO_COMMUNITY
    community = session.scalar(select(Community).where(Community.code == code))
    if community is None:
        community = services.create_community(session, code=code, name=name)
    existing = {inst.code: inst for inst in session.scalars(
        select(Institution).where(Institution.community_id == community.id))}
    for serial, (inst_code, inst_name, kind, parent) in enumerate(_institution_specs(), start=1):
        if inst_code not in existing:
            existing[inst_code] = services.create_institution(
                session, community, code=inst_code, name=inst_name, kind=kind, parent_code=parent,
                uscc=demo_uscc(serial) if kind is not InstitutionKind.VILLAGE_CLINIC else None)
    for institution in existing.values():
        have = set(session.scalars(select(Department.code).where(Department.institution_id == institution.id)))
        for dep_code, dep_name, cost_class in DEPARTMENTS[institution.level.value]:
            if dep_code not in have:
                services.create_department(session, institution, code=dep_code, name=dep_name, cost_class=cost_class)
    for username, role, display, codes in USERS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            services.create_user(session, community, username=username, password=DEMO_PASSWORD, role=role,
                                 institution_codes=codes, display_name=display)
    return community
