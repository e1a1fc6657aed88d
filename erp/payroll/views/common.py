"""The payroll blueprint and what its pages share."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from flask import Blueprint, flash, redirect, request, session
from flask_babel import gettext as _
from sqlalchemy import select

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.formatting import format_amount
from erp.core.models import Institution
from erp.core.web import ACTIVE_INSTITUTION_KEY
from erp.core.money import MoneyError, parse_amount
from erp.payroll.services.employee_sheet import ImportFailed

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
    """An amount (Decimal, or the exact text of a slip line) as ``1,234.50``."""
    return format_amount(Decimal(value) if isinstance(value, str) else value)


@bp.app_template_filter("payroll_number")
def payroll_number(value: Decimal) -> str:
    """A rate, score or count without trailing zeros, never in exponent form (``Decimal("70").normalize()`` prints
    ``7E+1``)."""
    return format(value.normalize(), "f")


def institutions() -> list[Institution]:
    """The institutions in the user's scope (the scope rules filter the query)."""
    return list(db.session.scalars(select(Institution).where(Institution.active.is_(True))
                                   .order_by(Institution.code)))


def chosen_institution(options: list[Institution]) -> Institution | None:
    code = request.values.get("institution", "").strip()
    for institution in options:
        if institution.code == code:
            return institution
    active = session.get(ACTIVE_INSTITUTION_KEY)
    return next((i for i in options if i.id == active), options[0] if options else None)


def act(action: Callable[[], object], done: str, message: str, back: str | None = None):
    """Run a service as one transaction; success flashes ``message`` and goes to ``done``, a refusal flashes
    the service's message and goes ``back`` (default ``done``)."""
    try:
        action()
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back or done)
    flash(message, "success")
    return redirect(done)


def import_upload(run_import: Callable[[bytes], str], done: str):
    """An Excel upload (field ``file``) imported all or nothing: ``run_import(data)`` returns the success message.
    Returns (redirect to ``done``, None) once committed, or (None, the rows' errors or None) after a refusal."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择 Excel 文件"), "error")
        return None, None
    try:
        message = run_import(upload.read())
        db.session.commit()
    except ImportFailed as failure:
        db.session.rollback()
        flash(failure.message, "error")
        return None, failure.errors
    except BusinessError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None, None
    flash(message, "success")
    return redirect(done), None
