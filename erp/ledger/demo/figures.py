"""The demo books' figures (演示账套): one county people's hospital's year, scaled for every other member.

A member's figure is the base amount × its kind's scale × a small per-member factor (so no two members show
the same books), exact to the fen. Revenue and expense are annual amounts of the previous year; this year's
months take a share of them grown by ``GROWTH``. Drug and material revenue (零差率: equal to their cost) appear
only in the previous year's summaries: this year they come from procurement's dispensing documents, so that
the 1302 balance always equals the stock ledger.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from erp.core.models import Institution, InstitutionKind
from erp.core.money import largest_remainder

D = Decimal
CENT = D("0.01")
GROWTH = D("1.06")

SCALE = {InstitutionKind.LEAD_HOSPITAL: D("1"), InstitutionKind.COUNTY_HOSPITAL: D("0.42"),
         InstitutionKind.TOWNSHIP_CENTRE: D("0.055"), InstitutionKind.COMMUNITY_CENTRE: D("0.048"),
         InstitutionKind.VILLAGE_CLINIC: D("0.0035")}

# revenue account → (annual amount of the lead hospital, kinds without it); 门急诊 then 住院
NO_SURGERY = {InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE, InstitutionKind.VILLAGE_CLINIC}
NO_WARD = {InstitutionKind.COMMUNITY_CENTRE, InstitutionKind.VILLAGE_CLINIC}
VILLAGE = {InstitutionKind.VILLAGE_CLINIC}
OUTPATIENT = {"4101010101": ("420000", VILLAGE), "4101010102": ("3860000", set()), "4101010103": ("6240000", VILLAGE),
              "4101010104": ("5170000", VILLAGE), "4101010105": ("2980000", set()),
              "4101010106": ("860000", NO_SURGERY)}
INPATIENT = {"4101010201": ("3150000", NO_WARD), "4101010202": ("1280000", NO_WARD), "4101010203": ("5460000", NO_WARD),
             "4101010204": ("4720000", NO_WARD), "4101010205": ("6380000", NO_WARD),
             "4101010206": ("7940000", NO_SURGERY), "4101010207": ("2860000", NO_WARD)}
# drugs and materials: previous year only (this year procurement dispenses them)
GOODS_OUTPATIENT = {"410101010801": ("9680000", set()), "410101010802": ("2160000", set()),
                    "4101010107": ("1540000", set())}
GOODS_INPATIENT = {"410101020901": ("9800000", NO_WARD), "410101020902": ("1830000", NO_WARD),
                   "4101010208": ("5200000", NO_WARD)}
INSURED_SHARE = {"outpatient": D("0.52"), "inpatient": D("0.68")}  # 医保记账 part of the patients' bills
SETTLEMENT_DEDUCTION = D("0.018")  # 医保结算差额 (拒付、超总额部分) of what was billed

# annual costs of the lead hospital: pay (by department weight), other department costs, depreciation — sized
# so that the 两个允许 pool's checks on last year pass (人员支出 ≥ 40 % of 业务支出, average pay ≤ 3 × the local
# average for the pool's 120 staff)
SALARIES = D("26000000")
FISCAL_SALARIES = D("8600000")  # the part paid from 财政拨款 (基本支出) through the 零余额 quota
OTHER_COSTS = D("6000000")  # 水电、维修、办公、差旅 … of the departments
ADMIN_COSTS = D("12000000")
DEPRECIATION = D("5180000")
# department weights (county, township, village departments as erp.core.demo names them)
WEIGHTS = {"01": 20, "02": 18, "03": 9, "04": 7, "05": 8, "11": 7, "12": 6, "21": 4, "22": 3}
ADMIN = ("31", "33")

# opening balances as at 1 January of the previous year (期初建账), lead hospital
OPENING = {"1002": D("18560000"), "121202": D("3280000"), "121201": D("1960000"), "1601": D("86400000"),
           "1602": D("31200000"), "2307": D("1150000")}


def member_factor(institution: Institution) -> D:
    """The kind's scale × 0.96–1.08 by the member's code (deterministic: the same books on every load)."""
    spread = sum(map(ord, institution.code)) % 13
    return SCALE[institution.kind] * (D("0.96") + D(spread) / 100)


def cents(amount: D) -> D:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def revenue_lines(institution: Institution, *, goods: bool) -> dict[str, dict[str, D]]:
    """{"outpatient"|"inpatient": {account: annual amount}} of the member (goods: drugs and materials too)."""
    factor = member_factor(institution)
    parts = {"outpatient": [OUTPATIENT] + ([GOODS_OUTPATIENT] if goods else []),
             "inpatient": [INPATIENT] + ([GOODS_INPATIENT] if goods else [])}
    return {side: {code: cents(D(amount) * factor) for table in tables for code, (amount, without) in table.items()
                   if institution.kind not in without} for side, tables in parts.items()}


def department_split(total: D, departments: list[str]) -> dict[str, D]:
    """``total`` over the member's departments by weight, exact to the fen (the last takes the remainder)."""
    return largest_remainder(cents(total), [(code, D(WEIGHTS.get(code, 5))) for code in departments])
