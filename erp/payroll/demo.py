"""The payroll demo: staff with their pay profiles in the lead hospital, the county TCM hospital, the township
and community centres, the standard rule set, and this month's inputs — so that `make run` computes a month."""
from __future__ import annotations

import calendar
import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from erp.core.models import Community, Department, Employee, Institution, InstitutionKind, InstitutionLevel, User
from erp.core.timeutil import local_today
from erp.payroll.models import PayrollProfile
from erp.payroll.services import (approve_run, compute_run, create_employee, create_run, load_standard_rules,
                                  pay_run, post_run, set_inputs)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建华", "秀英", "志强", "丽娟", "海燕", "国庆", "晓明", "春梅", "文杰", "玉兰", "德胜", "桂芳", "俊峰",
         "雪梅", "明辉", "红霞", "卫东", "淑珍", "振宇", "慧敏", "永刚", "静怡", "立新", "美玲"]
# (category, post, grade range, insurance base range) by role in the institution
STAFF = [("doctor", "pro_7", (18, 30), (11000, 16000)), ("doctor", "pro_10", (10, 18), (8000, 11000)),
         ("nurse", "pro_11", (8, 20), (6500, 9000)), ("nurse", "pro_12", (5, 12), (5500, 7500)),
         ("technician", "pro_10", (9, 16), (7000, 9500)), ("pharmacist", "pro_11", (8, 15), (6500, 8500)),
         ("management", "mgmt_8", (12, 22), (7500, 10000)), ("worker", "work_3", (10, 20), (5000, 6500))]
SIZES = {InstitutionLevel.COUNTY: 12, InstitutionLevel.TOWNSHIP: 5}
POSTED_MONTHS = 3


def demo_id_number(serial: int) -> str:
    """A valid 身份证号 of someone born in 清河县 (130534) in the 1990s."""
    born = date(1993, 1, 1).toordinal() + (serial * 97) % 2900
    body = f"130534{date.fromordinal(born):%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _department(session: Session, institution: Institution, category: str) -> str | None:
    codes = list(session.scalars(select(Department.code).where(Department.institution_id == institution.id)
                                 .order_by(Department.code)))
    wanted = {"technician": "11", "pharmacist": "21", "management": "31", "worker": "33"}.get(category, "01")
    return wanted if wanted in codes else (codes[0] if codes else None)


def load_demo(session: Session, *, history: bool = True) -> None:
    """Staff, rules and this month's inputs; with ``history`` also the months of this year before this one:
    community-wide runs computed by HR and approved by the chief accountant (so this month's IIT is cumulative).
    The first quarter's runs are posted and paid by finance (the demo books' quarter: salaries paid from
    fiscal funds); the later ones wait, one click each for finance."""
    for community in session.scalars(select(Community)):
        load_standard_rules(session, community.id)
        if session.scalar(select(PayrollProfile.id).join(Employee).join(Institution).where(
                Institution.community_id == community.id).limit(1)):
            continue
        _staff(session, community)
        if history:
            _history(session, community)
    session.flush()


def _history(session: Session, community: Community) -> None:
    today = local_today()
    users = {u.username: u for u in session.scalars(select(User).where(User.community_id == community.id))}
    if not {"hr", "chief", "finance"} <= set(users):
        return
    lead = session.scalar(select(Institution).where(Institution.community_id == community.id,
                                                    Institution.kind == InstitutionKind.LEAD_HOSPITAL))
    rng = random.Random(today.year)
    for month in range(1, today.month):
        _inputs(session, community, rng, today.year, month)
        run = create_run(session, users["hr"], institution=lead.code, year=today.year, month=month,
                         community_wide=True, note="演示：全医共体月度工资")
        compute_run(session, run, users["hr"])
        approve_run(session, run, users["chief"])
        if month <= POSTED_MONTHS:  # the demo books' first quarter: accrued and paid from the 零余额 quota
            post_run(session, run, users["finance"])
            pay_run(session, run, users["finance"], method="authorised_quota",
                    on=date(today.year, month, calendar.monthrange(today.year, month)[1]))


def _staff(session: Session, community: Community) -> None:
    rng, serial = random.Random(2026), 0
    today = local_today()
    institutions = session.scalars(select(Institution).where(Institution.community_id == community.id,
                                                             Institution.level != InstitutionLevel.VILLAGE)
                                   .order_by(Institution.code))
    for institution in institutions:
        for index in range(SIZES[institution.level]):
            serial += 1
            category, post, grades, bases = STAFF[index % len(STAFF)]
            name = SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial * 7) % len(GIVEN)]
            is_head = index == 0 and institution.level is InstitutionLevel.COUNTY
            hired = date(rng.randint(2000, 2023), rng.randint(1, 12), 1) if serial % 11 else date(today.year, 3, 1)
            deductions = [{"kind": "child_education", "amount": Decimal("2000.00"), "start": date(2023, 1, 1)}] \
                if serial % 3 == 0 else []
            if serial % 5 == 0:
                deductions.append({"kind": "elderly_care", "amount": Decimal("1500.00"), "start": date(2023, 1, 1)})
            create_employee(
                session, community.id, institution=institution.code, name=name, id_number=demo_id_number(serial),
                department=_department(session, institution, category), staff_category=category,
                establishment=("bianzhi", "beian", "contract", "dispatch")[serial % 4], is_head=is_head,
                post="mgmt_5" if is_head else post, grade=rng.randint(*grades), hire_date=hired,
                general_practitioner=category == "doctor" and institution.level is InstitutionLevel.TOWNSHIP,
                public_health=institution.level is InstitutionLevel.TOWNSHIP and index == 4,
                insurance_base=Decimal(rng.randrange(bases[0], bases[1], 100)),
                housing_fund_base=Decimal(rng.randrange(bases[0], bases[1], 100)),
                bank_name="清河县农村信用合作联社", bank_account=f"6228{serial:015d}", deductions=deductions)
    session.flush()
    _inputs(session, community, rng, today.year, today.month)


def _inputs(session: Session, community: Community, rng: random.Random, year: int, month: int) -> None:
    profiles = session.scalars(select(PayrollProfile).join(Employee).join(Institution).where(
        Institution.community_id == community.id, PayrollProfile.is_head.is_(False)))
    values = []
    for profile in profiles:
        values.append({"employee": profile.employee_id, "code": "reward_performance",
                       "value": Decimal(rng.randrange(1500, 6000, 10))})
        if profile.staff_category.value in ("doctor", "nurse"):
            values.append({"employee": profile.employee_id, "code": "night_shifts", "value": Decimal(rng.randint(2, 8))})
    set_inputs(session, community.id, year, month, values, source="demo")
