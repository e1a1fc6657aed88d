"""全成本核算 JSON API: allocation drivers, the allocation plan, and the department cost report."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, JSON, api_route, paged_query
from erp.core.extensions import db
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.core.models import COST_CLASS_TITLES, Department, Institution
from erp.core.money import decimal_str
from erp.core.services import institution_by_code
from erp.costing import services as costing
from erp.costing.models import CostDriver
from erp.costing.reports import number_str, report_file
from erp.costing.schemas import (CostDriverOut, CostDriverQuery, CostDriversIn, CostRulesIn, CostRulesQuery,
                                 DepartmentCostQuery)

bp = Blueprint("costing_api", __name__, url_prefix=API_PREFIX)


# ---------------------------------------------------------------------------------------------- helpers


def _institution(code: str, *, write: bool = False) -> Institution:
    return institution_by_code(db.session, g.user.community_id, code, write=write)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def plan_dict(institution: Institution, plan: list[costing.PlanEntry]) -> dict:
    return {"institution": institution.code, "rules": [{
        "from_class": p.from_class.value, "from_class_title": COST_CLASS_TITLES[p.from_class],
        "department": p.department.code if p.department else None,
        "department_name": p.department.name if p.department else None,
        "base_kind": p.base_kind, "base_title": p.title, "default": p.default} for p in plan]}


def report_dict(report: costing.DepartmentCostReport) -> dict:
    def received(source) -> dict:
        return {"admin": _amount(source("from_admin")), "medical_support": _amount(source("from_support")),
                "medical_tech": _amount(source("from_tech"))}

    departments = [{
        "code": r.department.code, "name": r.department.name, "cost_class": r.department.cost_class.value,
        "cost_class_title": COST_CLASS_TITLES[r.department.cost_class],
        "direct_cost": _amount(r.direct),
        "direct_by_element": [{"account": a.code, "name": a.name, "amount": _amount(v)} for a, v in r.elements],
        "received": received(lambda name: getattr(r, name)),
        "allocated_out": _amount(r.allocated_out), "full_cost": _amount(r.full_cost),
        "split_basis": r.split.basis if r.split else None,
        "outpatient_cost": _amount(r.outpatient), "inpatient_cost": _amount(r.inpatient),
        "visits": number_str(r.visits), "bed_days": number_str(r.bed_days),
        "cost_per_visit": _amount(r.cost_per_visit), "cost_per_bed_day": _amount(r.cost_per_bed_day),
    } for r in report.rows]
    names = report.departments
    steps = [{
        "from_department": names[s.department_id].code, "from_department_name": names[s.department_id].name,
        "cost_class": s.cost_class.value, "base_kind": s.base_kind,
        "base_title": costing.base_title(s.cost_class, s.base_kind), "base_total": number_str(s.base_total),
        "amount": _amount(s.amount), "rate": format(s.rate.quantize(Decimal("0.00000001")), "f"),
        "allocations": [{"department": names[x.department_id].code, "name": names[x.department_id].name,
                         "base": number_str(x.base), "amount": _amount(x.amount)} for x in s.shares],
    } for s in report.steps]
    split = report.split_totals()
    totals = {"direct_cost": _amount(report.total_direct),
              "received": received(report.total), "allocated_out": _amount(report.total("allocated_out")),
              "full_cost": _amount(report.report_total), "outpatient_cost": _amount(split["outpatient"]),
              "inpatient_cost": _amount(split["inpatient"]), "visits": number_str(split["visits"]),
              "bed_days": number_str(split["bed_days"]), "cost_per_visit": _amount(split["cost_per_visit"]),
              "cost_per_bed_day": _amount(split["cost_per_bed_day"])}
    return {
        "institution": {"code": report.institution.code, "name": report.institution.name},
        "period": costing.period_label(report.period), "period_title": report.period.label,
        "plan": plan_dict(report.institution, report.plan)["rules"],
        "departments": departments, "steps": steps, "totals": totals,
        "elements": [{"account": a.code, "name": a.name, "amount": _amount(v)}
                     for a, v in costing.element_summary(report)],
        "reconciliation": {
            "ledger_total": _amount(report.ledger_total),
            "ledger_by_account": {p: _amount(v) for p, v in report.ledger_by_prefix.items()},
            "unassigned": _amount(report.unassigned), "departments_total": _amount(report.report_total),
            "difference": _amount(report.difference), "reconciled": not report.difference},
        "warnings": report.warnings,
    }


# ---------------------------------------------------------------------------------------------- endpoints


@api_route(bp, "/costing/driver-kinds", permission="costing.read",
           summary="Allocation driver kinds, the bases each class may use, and the default plan")
def driver_kinds():
    return {
        "driver_kinds": [{"kind": k.key, "title": k.title, "aggregate": k.aggregate} for k in
                         costing.DRIVER_KINDS.values()],
        "allocation_bases": list(costing.ALLOCATION_BASES),
        "split_bases": [{"basis": b, "title": costing.SPLIT_TITLES[b], "kinds": list(pair) if pair else
                         ["outpatient_share"]} for b, pair in costing.SPLIT_BASES.items()],
        "defaults": {c.value: k for c, k in costing.DEFAULT_BASES.items()},
    }


@api_route(bp, "/costing/drivers", permission="costing.read",
           summary="Allocation drivers (分摊参数) of an institution for a month or range",
           query=CostDriverQuery, response=CostDriverOut, paged=True)
def list_drivers(query):
    institution = _institution(query["institution"])
    statement = costing.driver_query(institution, costing.parse_cost_period(query["period"]))
    if "department" in query:
        statement = statement.where(Department.code == query["department"])
    if "kind" in query:
        statement = statement.where(CostDriver.kind == query["kind"])
    return paged_query(statement, query)


@api_route(bp, "/costing/drivers", "PUT", permission="costing.write",
           summary="Set a month's allocation drivers (upsert; a null value removes one)", body=CostDriversIn)
def put_drivers(body):
    institution = _institution(body["institution"], write=True)
    month = costing.parse_cost_month(body["period"])
    result = costing.set_drivers(db.session, institution, month.year, month.start, body["values"])
    return {"institution": institution.code, "period": month.period, **result}


@api_route(bp, "/costing/rules", permission="costing.read",
           summary="The allocation plan: the base each class (or department) is allocated or split by",
           query=CostRulesQuery)
def get_rules(query):
    institution = _institution(query["institution"])
    return plan_dict(institution, costing.allocation_plan(db.session, institution))


@api_route(bp, "/costing/rules", "PUT", permission="costing.write",
           summary="Change the allocation plan (a null base_kind restores the default)", body=CostRulesIn)
def put_rules(body):
    institution = _institution(body["institution"], write=True)
    return plan_dict(institution, costing.set_rules(db.session, institution, body["rules"]))


@api_route(bp, "/reports/department-costs", permission="costing.read",
           summary="科室成本报表: direct costs from the ledger, step-down allocation, outpatient/inpatient, unit "
                   "costs, reconciled to 5001 + 5101 (format=pdf|xlsx downloads the statement)",
           query=DepartmentCostQuery, produces=(JSON, PDF_MIMETYPE, XLSX_MIMETYPE))
def department_costs(query):
    institution = _institution(query["institution"])
    report = costing.department_cost_report(db.session, institution, costing.parse_cost_period(query["period"]))
    if query["format"] in ("pdf", "xlsx"):
        return report_file(report, query["format"], g.user.display_name)
    return report_dict(report)

