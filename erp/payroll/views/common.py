"""The payroll blueprint and what its pages share."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint

from erp.core.formatting import format_amount
from erp.core.money import MoneyError, parse_amount

bp = Blueprint("payroll", __name__, url_prefix="/payroll")


def form_amount(form, name: str, *, default: str = "0") -> Decimal:
    """An amount typed into a form (empty = ``default``); a bad one raises MoneyError naming the field."""
    text = (form.get(name) or "").strip().replace(",", "") or default
    amount = parse_amount(text, field=name)
    if amount < 0:
        raise MoneyError("金额不能为负 (must not be negative)", field=name)
    return amount


@bp.app_template_filter("payroll_amount")
def payroll_amount(value) -> str:
    return format_amount(value)
