"""This year's first quarter in the demo books, month by month: medical revenue (医保记账 and patients' own
part), 医保 settlements of the month before (January: the balance brought forward), the 零余额 quota of
基本支出, department costs and depreciation. Pay is accrued and paid by payroll's runs through the ledger's
door; drugs and materials by procurement's documents."""
from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy.orm import Session

from erp.core.models import Institution, User
from erp.ledger.demo.figures import GROWTH, INSURED_SHARE, NO_WARD, OPENING, D, cents, member_factor, revenue_lines
from erp.ledger.demo.previous_year import cost_vouchers, revenue_vouchers, settlement_voucher
from erp.ledger.demo.writer import Books

MONTH_SHARE = {1: D("0.082"), 2: D("0.071"), 3: D("0.088")}  # February: 春节
MONTHS = tuple(MONTH_SHARE)
# this year's 基本支出 quota is twice last year's pay share: it funds payroll's net pay (authorised payment)
# with room to spare, the rest lapsing at year end as unused 额度 do
QUOTA = D(2)
FIRST_MEMO = "1月医疗收入（个人支付部分）"  # the first voucher of the quarter: present means loaded


def month_part(month: int):
    return lambda annual: cents(annual * GROWTH * MONTH_SHARE[month])


def months_done(today: date) -> tuple[int, ...]:
    """The months of the quarter already over (all three from April on): the demo never books the future."""
    return tuple(month for month in MONTHS if month < today.month)


def load_quarter(session: Session, members: list[Institution], departments: dict[int, list[str]],
                 users: dict[str, User], today: date) -> None:
    books, year = Books(session, users), today.year
    for institution in members:
        factor = member_factor(institution)
        revenue = revenue_lines(institution, goods=False)
        owed = {"outpatient": cents(OPENING["121202"] * factor),
                "inpatient": D(0) if institution.kind in NO_WARD else cents(OPENING["121201"] * factor)}
        for month in months_done(today):
            part, label = month_part(month), f"{month}月"
            on = date(year, month, calendar.monthrange(year, month)[1])
            revenue_vouchers(books, institution, on, label, revenue, part)
            settlement_voucher(books, institution, date(year, month, 20), f"{label}（上月）", owed["outpatient"],
                               owed["inpatient"])
            owed = {side: sum((cents(part(a) * INSURED_SHARE[side]) for a in accounts.values()), D(0))
                    for side, accounts in revenue.items()}
            cost_vouchers(books, institution, departments[institution.id], on, label, part, D(0), pay=False,
                          quota=QUOTA)
    books.post()
