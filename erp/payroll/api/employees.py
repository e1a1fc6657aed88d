"""职工 API: employees with their payroll profile, addressed by the employee's id; Excel export."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import or_

from erp.core.api_framework import API_PREFIX, JSON, FileResult, api_route, paged_query
from erp.core.extensions import db
from erp.core.models import Employee
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.services import institution_by_code
from erp.payroll import services as payroll
from erp.payroll.schemas.employees import EmployeeChange, EmployeeIn, EmployeeOut, EmployeeQuery
from erp.payroll.services.employee_sheet import export_employees

bp = Blueprint("payroll_employees_api", __name__, url_prefix=API_PREFIX)


def _plain(body: dict) -> dict:
    return {key: getattr(value, "value", value) for key, value in body.items()}


@api_route(bp, "/employees", "POST", permission="payroll.employee.write",
           summary="Create an employee with their payroll profile (身份证号 checked and unique)",
           body=EmployeeIn, response=EmployeeOut, status=201, idempotent=True)
def create_employee(body):
    return payroll.create_employee(db.session, g.user.community_id, **_plain(body))


@api_route(bp, "/employees", permission="payroll.employee.read", summary="Employees with their payroll profile",
           query=EmployeeQuery, response=EmployeeOut, paged=True)
def list_employees(query):
    institution_id = None
    if query.get("institution"):
        institution_id = institution_by_code(db.session, g.user.community_id, query["institution"]).id
    statement = payroll.profiles_query(g.user.community_id, institution_id)
    if query.get("q"):
        pattern = "%" + query["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(Employee.name.like(pattern, escape="\\"),
                                        Employee.code.like(pattern, escape="\\")))
    return paged_query(statement, query)


@api_route(bp, "/employees/<int:employee_id>", permission="payroll.employee.read",
           summary="One employee's payroll profile", response=EmployeeOut)
def show_employee(employee_id):
    return payroll.employee_profile(db.session, employee_id)


@api_route(bp, "/employees/<int:employee_id>", "PATCH", permission="payroll.employee.write",
           summary="Change an employee's payroll profile", body=EmployeeChange, response=EmployeeOut)
def change_employee(employee_id, body):
    profile = payroll.employee_profile(db.session, employee_id)
    return payroll.update_employee(db.session, profile, _plain(body))


@api_route(bp, "/employees/export", permission="payroll.employee.read", query=EmployeeQuery,
           summary="The employees as an Excel workbook (the import's columns)", produces=(JSON, XLSX_MIMETYPE))
def export(query):
    institution_id = None
    if query.get("institution"):
        institution_id = institution_by_code(db.session, g.user.community_id, query["institution"]).id
    return FileResult(export_employees(db.session, g.user.community_id, institution_id), "职工薪酬档案.xlsx",
                      XLSX_MIMETYPE)
