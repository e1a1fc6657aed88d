"""院长年薪 (REST under /api/v1/dean-salaries)."""
from __future__ import annotations

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route, paged_query
from erp.core.extensions import db
from erp.payroll.schemas.dean_salaries import AdvanceIn, DeanQuery, DeanSalaryCreate, DeanSalarySchema, SettleIn
from erp.payroll.services import dean_salary

bp = Blueprint("payroll_dean_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/dean-salaries", permission="payroll.dean.read", summary="The deans' annual salaries",
           query=DeanQuery, response=DeanSalarySchema, paged=True)
def list_dean_salaries(query):
    return paged_query(dean_salary.dean_salaries_query(g.user.community_id, query.get("year")), query)


@api_route(bp, "/dean-salaries", "POST", permission="payroll.dean.write", status=201, idempotent=True,
           summary="Record the dean's annual salary (outside the pool) as a draft for another user's approval; its "
                   "twelve advances sum exactly to the base", body=DeanSalaryCreate, response=DeanSalarySchema)
def create_dean_salary(body):
    options = {key: body[key] for key in ("average_pay", "cap_multiple", "pass_mark", "funding_source")
               if body.get(key) is not None}
    return dean_salary.create_dean_salary(db.session, g.user.community_id, g.user, employee=body["employee"],
                                          year=body["year"], standard=body["standard"], base=body["base"], **options)


@api_route(bp, "/dean-salaries/<int:salary_id>", permission="payroll.dean.read", summary="One dean's salary",
           response=DeanSalarySchema)
def get_dean_salary(salary_id):
    return dean_salary.get_dean_salary(db.session, salary_id)


@api_route(bp, "/dean-salaries/<int:salary_id>/approve", "POST", permission="payroll.dean.approve",
           summary="核定: approve a recorded salary (by another user than who recorded it); advances follow",
           response=DeanSalarySchema)
def approve_dean_salary(salary_id):
    salary = dean_salary.get_dean_salary(db.session, salary_id, lock=True)
    return dean_salary.approve_dean_salary(db.session, salary, g.user)


@api_route(bp, "/dean-salaries/<int:salary_id>/advances/<int:month>/pay", "POST", permission="payroll.dean.post",
           summary="Post a month's advance through the ledger's door (with the salary's funding source)",
           body=AdvanceIn, response=DeanSalarySchema)
def pay_advance(salary_id, month, body):
    salary = dean_salary.get_dean_salary(db.session, salary_id, lock=True)
    dean_salary.pay_advance(db.session, salary, month, g.user, body.get("date"))
    return salary


@api_route(bp, "/dean-salaries/<int:salary_id>/settle", "POST", permission="payroll.dean.post",
           summary="Settle after the appraisal: answers annual, advanced and settlement (negative: recovered)",
           body=SettleIn, response=DeanSalarySchema)
def settle(salary_id, body):
    salary = dean_salary.get_dean_salary(db.session, salary_id)
    return dean_salary.settle(db.session, salary, body["score"], g.user, body.get("date"))
