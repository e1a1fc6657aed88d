"""Salary rules (工资项目规则) and parameter tables (薪酬参数): versioned by effective date, never changed."""
from __future__ import annotations

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route
from erp.core.extensions import db
from erp.core.security import require_whole_community
from erp.payroll import services as payroll
from erp.payroll.schemas.rules import (ParameterIn, ParameterOut, ParameterQuery, RuleQuery, SalaryRuleIn,
                                       SalaryRuleOut, WithdrawIn)

bp = Blueprint("payroll_rules_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/salary-rules", permission="payroll.rule.read", query=RuleQuery,
           summary="Salary rules: every version, or the ones in force on a day (evaluation order)")
def list_rules(query):
    if query.get("on"):
        rules = payroll.rules_in_force(db.session, g.user.community_id, query["on"])
        if query.get("code"):
            rules = [rule for rule in rules if rule.code == query["code"]]
    else:
        rules = payroll.rule_history(db.session, g.user.community_id, query.get("code"))
    return {"items": SalaryRuleOut(many=True).dump(rules)}


@api_route(bp, "/salary-rules", "POST", permission="payroll.rule.write", body=SalaryRuleIn, response=SalaryRuleOut,
           status=201, summary="Save a salary rule version (a new code, or an edit from its effective date); refused: "
                                "equal_pay, revenue_link, unknown_reference, invalid_expression, rule_invalid (it "
                                "cannot be evaluated for a sample employee)")
def save_rule(body):
    require_whole_community(g.user, "salary rules (工资项目规则)")
    return payroll.save_checked_rule(db.session, g.user.community_id, user_id=g.user.id, **body)


@api_route(bp, "/salary-rules/<code>/withdraw", "POST", permission="payroll.rule.write", body=WithdrawIn,
           response=SalaryRuleOut, status=201,
           summary="停用: the rule stops from a date (a new, inactive version; the months before keep it)")
def withdraw_rule(code, body):
    require_whole_community(g.user, "salary rules (工资项目规则)")
    return payroll.withdraw_rule(db.session, g.user.community_id, code, body["effective_from"], user_id=g.user.id)


@api_route(bp, "/payroll-parameters", permission="payroll.rule.read", query=ParameterQuery,
           summary="Parameter tables: every version, or the versions in force on a day")
def list_parameters(query):
    if query.get("on"):
        rows = list(payroll.parameters_in_force(db.session, g.user.community_id, query["on"]).rows.values())
        rows = [row for row in rows if not query.get("code") or row.code == query["code"]]
    else:
        rows = payroll.parameter_history(db.session, g.user.community_id, query.get("code"))
    return {"items": ParameterOut(many=True).dump(rows)}


@api_route(bp, "/payroll-parameters", "POST", permission="payroll.rule.write", body=ParameterIn,
           response=ParameterOut, status=201, summary="Save a new version of a parameter table from a date")
def save_parameter(body):
    require_whole_community(g.user, "payroll parameters (薪酬参数)")
    return payroll.save_parameter(db.session, g.user.community_id, user_id=g.user.id, **body)
