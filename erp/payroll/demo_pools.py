"""Demo of the 两个允许 pool, community 统筹 and the dean's annual salary, on top of the payroll demo (staff, a paid
year): last year's summarised figures for the lead hospital and 城关镇卫生院, entered and closed; their pools
(the lead's approved by the chief accountant); the 院长年薪 of the lead hospital's dean, funded by its own
government source, advanced for the months gone by; a draft 统筹 plan for this year."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, FundingSource, Institution, InstitutionKind, User
from erp.core.timeutil import local_today
from erp.ledger.services import (DocumentSource, FiscalYear, LineInput, PeriodState, VoucherInput, close_period,
                                 close_year, post_document)
from erp.payroll.demo import load_demo as load_payroll_demo
from erp.payroll.models.dean_salary import DeanSalary
from erp.payroll.models.performance_pool import PerformancePool
from erp.payroll.services import head_of
from erp.payroll.services.dean_salary import approve_dean_salary, create_dean_salary, pay_advance
from erp.payroll.services.performance_pool import approve_pool, create_pool
from erp.payroll.services.pooling import create_plan

D = Decimal
DEAN_SOURCE = ("F05", "财政拨款-院长年薪")
# the lead hospital's and the first township centre's last year: (revenue, expense by department, pay accrued),
# entered as four quarterly summaries each
FIGURES = {
    InstitutionKind.LEAD_HOSPITAL: ({"4101010102": "3600000.00", "4101010103": "2400000.00", "4101010104": "1600000.00",
               "4101010105": "2200000.00", "4101010106": "1800000.00", "4101010201": "1200000.00",
               "4101010207": "900000.00", "410101010801": "6800000.00", "410101020901": "3200000.00",
               "4101010107": "1500000.00", "4101010208": "1100000.00"},
              {("5001", "01"): "7600000.00", ("5001", "02"): "3400000.00", ("5101", "31"): "1200000.00"},
              "8700000.00"),
    InstitutionKind.TOWNSHIP_CENTRE: ({"4101010102": "520000.00", "4101010105": "310000.00", "410101010801": "640000.00",
               "4101010107": "90000.00", "4101010201": "150000.00"},
              {("5001", "01"): "760000.00", ("5101", "31"): "140000.00"}, "610000.00"),
}


def _users(session: Session, community: Community) -> dict[str, User]:
    return {u.username: u for u in session.scalars(select(User).where(User.community_id == community.id))}


def _last_year(session: Session, institution: Institution, year: int, users: dict[str, User]) -> None:
    """Four quarterly summary vouchers (revenue received, costs and pay accrued), then 结账 and 年结."""
    state = session.scalar(select(FiscalYear.state).where(FiscalYear.institution_id == institution.id,
                                                          FiscalYear.year == year))
    if state is not PeriodState.OPEN:
        return
    revenue, expense, pay = FIGURES[institution.kind]
    for quarter in range(1, 5):
        def part(amount: str) -> D:
            whole = D(amount)
            return whole - 3 * (whole / 4).quantize(D("0.01")) if quarter == 4 else (whole / 4).quantize(D("0.01"))
        lines = [LineInput(account=code, credit=part(amount), memo="医疗收入") for code, amount in revenue.items()]
        lines.append(LineInput(account="1002", debit=sum((line.credit for line in lines), D(0)), memo="收款"))
        costs = [LineInput(account=code, debit=part(amount), department=department, memo="费用")
                 for (code, department), amount in expense.items()]
        accrued = part(pay)
        costs.append(LineInput(account="2201", credit=accrued, memo="计提工资"))
        costs.append(LineInput(account="1002", credit=sum((line.debit for line in costs), D(0)) - accrued,
                               memo="付款"))
        on = date(year, quarter * 3, 28)
        for kind, data in (("revenue", lines), ("costs", costs)):
            source = DocumentSource("payroll", "demo_figures", f"{institution.code}-{year}-{quarter}-{kind}",
                                    f"演示-{year}年第{quarter}季度汇总")
            post_document(session, source, VoucherInput(institution=institution.code, date=on,
                                                        memo=f"演示：{year}年第{quarter}季度收支汇总", lines=data),
                          preparer=users["finance"], poster=users["chief"])
    for month in range(1, 12):
        close_period(session, institution, year, month, users["chief"])
    close_year(session, institution, year, users["chief"])


def load_demo(session: Session) -> None:
    load_payroll_demo(session)
    today = local_today()
    for community in session.scalars(select(Community)):
        users = _users(session, community)
        if not {"finance", "chief", "hr"} <= set(users):
            continue
        if session.scalar(select(FundingSource.id).where(FundingSource.community_id == community.id,
                                                         FundingSource.code == DEAN_SOURCE[0])) is None:
            session.add(FundingSource(community_id=community.id, code=DEAN_SOURCE[0], name=DEAN_SOURCE[1], fiscal=True))
            session.flush()
        members = session.scalars(select(Institution).where(
            Institution.community_id == community.id, Institution.kind.in_(
                [InstitutionKind.LEAD_HOSPITAL, InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE]))
            .order_by(Institution.code)).all()
        lead = next((i for i in members if i.kind is InstitutionKind.LEAD_HOSPITAL), None)
        townships = [i for i in members if i.kind is InstitutionKind.TOWNSHIP_CENTRE]
        centres = [i for i in members if i.kind is InstitutionKind.COMMUNITY_CENTRE]
        if lead is None or len(townships) < 2 or not centres:
            continue
        for institution in (lead, townships[0]):
            _last_year(session, institution, today.year - 1, users)
        _dean(session, community, lead, users, today)
        _pools(session, community, users, today.year, lead, townships, centres[0])


def _pools(session: Session, community: Community, users: dict[str, User], year: int, lead: Institution,
           townships: list[Institution], centre: Institution) -> None:
    if session.scalar(select(PerformancePool.id).join(Institution).where(Institution.community_id == community.id)):
        return
    pool = create_pool(session, community.id, users["finance"], institution=lead.code, year=year,
                       previous_pool=D("6200000.00"), growth=D("0.05"), appraisal_score=D("92"),
                       appraisal_factor=D("1.00"), staff_count=120, local_average_wage=D("86000.00"),
                       increases=[{"category": "talent", "amount": D("300000.00"),
                                   "reason": "引进心血管介入学科带头人 1 名（县委人才办批复）"},
                                  {"category": "public_interest", "amount": D("120000.00"),
                                   "reason": "承担乡镇卫生院对口帮扶和下派驻点任务"}])
    approve_pool(session, pool, users["chief"])
    create_pool(session, community.id, users["finance"], institution=townships[0].code, year=year,
                previous_pool=D("420000.00"), appraisal_factor=D("0.98"), staff_count=12,
                local_average_wage=D("86000.00"))
    create_plan(session, community.id, users["finance"], institution=lead.code, year=year, share=D("0.30"),
                floor=D("0.80"), members=[{"institution": lead.code},
                                          {"institution": townships[0].code, "incentive": D("250000.00")},
                                          {"institution": townships[1].code, "incentive": D("180000.00")},
                                          {"institution": centre.code, "incentive": D("210000.00")}])


def _dean(session: Session, community: Community, lead: Institution, users: dict[str, User], today: date) -> None:
    dean = head_of(session, lead.id)
    if dean is None or session.scalar(select(DeanSalary.id).where(DeanSalary.employee_id == dean.employee_id)):
        return
    salary = create_dean_salary(session, community.id, users["hr"], employee=dean.employee_id, year=today.year,
                                standard=D("420000.00"), base=D("290000.00"), average_pay=D("152000.00"),
                                funding_source=DEAN_SOURCE[0])
    approve_dean_salary(session, salary, users["chief"])
    for month in range(1, today.month):
        pay_advance(session, salary, month, users["finance"])
