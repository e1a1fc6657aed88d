"""工资项目规则 and 薪酬参数 pages: what is in force, the history, and saving a new version."""
from __future__ import annotations

import json
from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.security import may_change_community_settings
from erp.core.timeutil import local_today
from erp.core.web import can, requires
from erp.payroll import services as payroll
from erp.payroll.models import RULE_CATEGORY_TITLES, RuleCategory
from erp.payroll.views.common import act, bp


def _editable() -> bool:
    return can("payroll.rule.write") and may_change_community_settings(current_user)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise BusinessError.for_field("effective_from", _("生效日期格式应为 YYYY-MM-DD")) from None


@bp.route("/rules", methods=["GET", "POST"])
@requires("payroll.rule.read")
def rules():
    if request.method == "POST" and _editable():
        form = request.form

        def save():
            sequence = form.get("sequence", "").strip()
            payroll.save_checked_rule(db.session, current_user.community_id, user_id=current_user.id,
                              code=form.get("code", "").strip(), name=form.get("name", ""),
                              category=form.get("category", ""), condition=form.get("condition", ""),
                              amount=form.get("amount", ""), sequence=int(sequence) if sequence.isascii() and sequence.isdigit() else None,
                              effective_from=_date(form.get("effective_from")), active=form.get("active", "1") == "1")
        return act(save, url_for("payroll.rules"), _("已保存规则新版本"))
    on = local_today()
    return render_template("payroll/rules.html", rules=payroll.rules_in_force(db.session, current_user.community_id, on),
                           history=payroll.rule_history(db.session, current_user.community_id), on=on,
                           categories=RULE_CATEGORY_TITLES, category_values=list(RuleCategory),
                           editable=_editable(), functions=payroll.EXPRESSION_FUNCTIONS,
                           attributes=sorted(payroll.EMPLOYEE_ATTRIBUTES))


@bp.post("/rules/<code>/withdraw")
@requires("payroll.rule.write")
def withdraw_rule(code):
    """停用 from a date (a new, inactive version)."""
    if not _editable():
        abort(403)

    def withdraw():
        on = _date(request.form.get("effective_from"))
        if on is None:
            raise BusinessError.for_field("effective_from", _("请填写停用日期"))
        payroll.withdraw_rule(db.session, current_user.community_id, code, on, user_id=current_user.id)
    return act(withdraw, url_for("payroll.rules"), _("规则已停用"))


@bp.route("/parameters", methods=["GET", "POST"])
@requires("payroll.rule.read")
def parameters():
    if request.method == "POST" and _editable():
        form = request.form

        def save():
            try:
                value = json.loads(form.get("value", ""), parse_float=str, parse_int=str)
            except json.JSONDecodeError as exc:
                raise BusinessError.for_field("value", f"参数值不是有效的 JSON：{exc}") from None
            payroll.save_parameter(db.session, current_user.community_id, code=form.get("code", "").strip(),
                                   effective_from=_date(form.get("effective_from")) or local_today(),
                                   value=value, note=form.get("note", ""), user_id=current_user.id)
        return act(save, url_for("payroll.parameters"), _("已保存参数新版本"))
    rows = payroll.parameter_history(db.session, current_user.community_id)
    in_force = {row.id for row in payroll.parameters_in_force(db.session, current_user.community_id,
                                                               local_today()).rows.values()}
    return render_template("payroll/parameters.html", rows=rows, in_force=in_force, editable=_editable(),
                           pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=1))
