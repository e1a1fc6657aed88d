"""个税试算 API: 累计预扣法 month by month, and the 全年一次性奖金 taxed on its own."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route
from erp.core.extensions import db
from erp.core.timeutil import local_today
from erp.payroll import services as payroll
from erp.payroll.schemas.tax import AnnualBonusIn, AnnualBonusOut, CumulativeTaxIn, CumulativeTaxOut

bp = Blueprint("payroll_tax_api", __name__, url_prefix=API_PREFIX)


def _parameters(year: int | None, month: int = 1) -> payroll.ParameterSet:
    return payroll.parameters_in_force(db.session, g.user.community_id, date(year or local_today().year, month, 1))


@api_route(bp, "/payroll/tax/cumulative", "POST", permission="payroll.tax.calculate",
           summary="IIT on wages by 累计预扣法 for consecutive months from start_month (money strings)",
           body=CumulativeTaxIn, response=CumulativeTaxOut)
def cumulative(body):
    table, basic = payroll.cumulative_tables(_parameters(body.get("year"), body["start_month"]))
    months = [payroll.MonthFigures(**item) for item in body["months"]]
    results = payroll.cumulative_withholding(table, basic, body["start_month"], months)
    return {"months": results, "total_tax": sum((m.tax for m in results), start=payroll.ZERO), "table": table.ref}


@api_route(bp, "/payroll/tax/annual-bonus", "POST", permission="payroll.tax.calculate",
           summary="IIT on the 全年一次性奖金 taxed separately (monthly table of amount ÷ 12, quick deduction once)",
           body=AnnualBonusIn, response=AnnualBonusOut)
def annual_bonus(body):
    table = payroll.monthly_table(_parameters(body.get("year")))
    result = payroll.bonus_tax(table, body["amount"])
    return {"tax": result.tax, "rate": result.rate, "quick_deduction": result.quick_deduction,
            "amount": result.amount, "table": table.ref}
