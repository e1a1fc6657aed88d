"""The previous year of the demo books, compact: opening balances on 1 January (期初建账), then each quarter's
summary vouchers (收入、医保结算、财政拨款、工资、科室费用、折旧), every month closed and the year closed (年结)
with its carry-forward — so this year opens with real balances brought forward, and the 两个允许 pool and the
statements' 上年数 read a closed year from the ledger itself (drill-down reaches these vouchers)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from erp.core.models import Institution, User
from erp.ledger.demo.figures import (ADMIN, ADMIN_COSTS, DEPRECIATION, FISCAL_SALARIES, INSURED_SHARE, NO_WARD, OPENING,
                                     OTHER_COSTS, SALARIES, SETTLEMENT_DEDUCTION, D, cents, department_split,
                                     member_factor, revenue_lines)
from erp.ledger.demo.writer import Books, credit, debit
from erp.ledger.services.periods import close_period
from erp.ledger.services.year_end import close_year

QUARTER_SHARE = (D("0.24"), D("0.25"), D("0.25"))  # the fourth quarter takes the rest of the year
FISCAL = "F01"  # 财政拨款-基本支出


def quarter_part(annual: D, quarter: int) -> D:
    if quarter < 4:
        return cents(annual * QUARTER_SHARE[quarter - 1])
    return annual - sum((cents(annual * share) for share in QUARTER_SHARE), D(0))


def opening_lines(institution: Institution) -> list:
    factor = member_factor(institution)
    amounts = {code: cents(amount * factor) for code, amount in OPENING.items()}
    if institution.kind in NO_WARD:
        amounts["121201"] = D(0)
    assets = amounts["1002"] + amounts["121202"] + amounts["121201"] + amounts["1601"]
    surplus = assets - amounts["1602"] - amounts["2307"]
    return [debit("1002", amounts["1002"], "银行存款"), debit("121202", amounts["121202"], "应收医保门急诊款", partner="I001"),
            debit("121201", amounts["121201"], "应收医保住院款", partner="I001"), debit("1601", amounts["1601"], "固定资产原值"),
            credit("1602", amounts["1602"], "累计折旧"), credit("2307", amounts["2307"], "其他应付款-代管款项", partner="O001"),
            credit("3001", surplus, "累计盈余")]


def revenue_vouchers(books: Books, institution: Institution, on: date, label: str, revenue: dict, part) -> None:
    """The period's medical revenue in two vouchers: the 医保记账 part billed to the insurer (a receivable) and
    the patients' own part received in the bank."""
    insured, own = [], []
    receivable = {"outpatient": "121202", "inpatient": "121201"}
    for side, accounts in revenue.items():
        share = INSURED_SHARE[side]
        billed = {code: cents(part(amount) * share) for code, amount in accounts.items()}
        if not accounts:
            continue
        insured.append(debit(receivable[side], sum(billed.values(), D(0)), "医保记账", partner="I001"))
        insured += [credit(code, amount, "医保记账") for code, amount in billed.items()]
        received = {code: part(amount) - billed[code] for code, amount in accounts.items()}
        own.append(debit("1002", sum(received.values(), D(0)), "个人支付"))
        own += [credit(code, amount, "个人支付") for code, amount in received.items()]
    books.add(institution, on, f"{label}医疗收入（医保记账部分）", insured, attachments=2)
    books.add(institution, on, f"{label}医疗收入（个人支付部分）", own, attachments=2)


def settlement_voucher(books: Books, institution: Institution, on: date, label: str, outpatient: D,
                       inpatient: D) -> None:
    """医保结算回款: the insurer pays what was billed less the settlement difference (结算差额)."""
    billed = outpatient + inpatient
    deduction = cents(billed * SETTLEMENT_DEDUCTION)
    books.add(institution, on, f"{label}医保结算回款", [
        debit("1002", billed - deduction, "医保基金拨付", partner="I001"),
        debit("41010103", deduction, "结算差额（拒付、超总额）", partner="I001"),
        credit("121202", outpatient, "冲减应收医保门急诊款", partner="I001"),
        credit("121201", inpatient, "冲减应收医保住院款", partner="I001")], attachments=3)


def cost_vouchers(books: Books, institution: Institution, departments: list[str], on: date, label: str, part,
                  goods: D, *, pay: bool = True, quota: D = D(1)) -> None:
    """Fiscal quota received (``quota`` × the fiscal part of pay), pay accrued and paid (the fiscal part from
    the 零余额 quota), department costs
    (with the period's drugs and materials bought and used: 零差率, equal to their revenue), depreciation."""
    factor = member_factor(institution)
    clinical = [code for code in departments if code not in ADMIN] or departments
    admin = next((code for code in departments if code in ADMIN), None)
    fiscal = cents(part(FISCAL_SALARIES) * factor * quota)
    books.add(institution, on, f"{label}财政拨款（基本支出）用款额度到账", [
        debit("1011", fiscal, "零余额账户用款额度", funding_source=FISCAL),
        credit("4001", fiscal, "财政拨款收入-基本支出", funding_source=FISCAL)])
    if pay:
        pay_vouchers(books, institution, clinical, admin, on, label, cents(part(SALARIES) * factor), fiscal)
    costs = department_split(cents(part(OTHER_COSTS) * factor) + goods, clinical)
    admin_cost = cents(part(ADMIN_COSTS) * factor) if admin else D(0)
    books.add(institution, on, f"{label}科室费用（药品卫材、水电、维修、办公）", [
        *(debit("5001", amount, "科室费用", department=code) for code, amount in costs.items()),
        debit("5101", admin_cost, "管理费用", department=admin),
        credit("1002", sum(costs.values(), admin_cost), "银行付款")], attachments=6)
    depreciation = cents(part(DEPRECIATION) * factor)
    admin_share = cents(depreciation * D("0.15")) if admin else D(0)
    books.add(institution, on, f"{label}计提固定资产折旧", [
        *(debit("5001", amount, "折旧费", department=code)
          for code, amount in department_split(depreciation - admin_share, clinical).items()),
        debit("5101", admin_share, "折旧费", department=admin), credit("1602", depreciation, "累计折旧")])


def pay_vouchers(books: Books, institution: Institution, clinical: list[str], admin: str | None, on: date,
                 label: str, pay: D, fiscal: D) -> None:
    admin_pay = cents(pay * D("0.12")) if admin else D(0)
    split = department_split(pay - admin_pay, clinical)
    books.add(institution, on, f"{label}计提工资", [
        *(debit("5001", amount, "工资福利费用", department=code) for code, amount in split.items()),
        debit("5101", admin_pay, "工资福利费用", department=admin), credit("2201", pay, "应付职工薪酬")])
    books.add(institution, on, f"{label}发放工资（财政授权支付）", [
        debit("2201", fiscal, "发放工资"), credit("1011", fiscal, "零余额账户支付", funding_source=FISCAL)])
    books.add(institution, on, f"{label}发放工资（银行存款）", [
        debit("2201", pay - fiscal, "发放工资"), credit("1002", pay - fiscal, "银行代发")])


def load_previous_year(session: Session, members: list[Institution], departments: dict[int, list[str]],
                       users: dict[str, User], year: int) -> None:
    books = Books(session, users)
    for institution in members:
        books.post_opening(institution, date(year, 1, 1), f"{year} 年期初建账", opening_lines(institution))
        revenue = revenue_lines(institution, goods=True)
        goods_codes = {"410101010801", "410101010802", "4101010107", "410101020901", "410101020902", "4101010208"}
        for quarter in range(1, 5):
            def part(annual, quarter=quarter):
                return quarter_part(annual, quarter)
            on, label = date(year, quarter * 3, 30 if quarter in (2, 3) else 31), f"{year}年第{quarter}季度"
            revenue_vouchers(books, institution, on, label, revenue, part)
            billed = {side: sum((cents(part(a) * INSURED_SHARE[side]) for a in accounts.values()), D(0))
                      for side, accounts in revenue.items()}
            settlement_voucher(books, institution, on, label, billed["outpatient"], billed["inpatient"])
            goods = sum((part(a) for accounts in revenue.values() for c, a in accounts.items() if c in goods_codes), D(0))
            cost_vouchers(books, institution, departments[institution.id], on, label, part, goods)
    books.post()
    for institution in members:
        for month in range(1, 12):
            close_period(session, institution, year, month, users["chief"])
        close_year(session, institution, year, users["chief"])
