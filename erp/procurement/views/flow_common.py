"""What the document-flow pages share: running a state change as one transaction with a message."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect

from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.scoping import OutOfScope


def act(action: Callable[[], object], done_url: str, message: str):
    """Run ``action`` (a service call) and commit; a refusal is shown as the page's message."""
    try:
        action()
        db.session.commit()
        flash(message, "success")
    except (BusinessError, OutOfScope) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", str(exc)), "error")
    return redirect(done_url)


def form_lines(form, names: tuple[str, ...]) -> list[dict]:
    """The grid's rows (``name[]`` fields side by side), without the empty ones."""
    columns = [form.getlist(f"{name}[]") for name in names]
    rows = []
    for values in zip(*columns):
        row = {name: value.strip() for name, value in zip(names, values)}
        if any(row.values()):
            rows.append(row)
    return rows


def whole_number(text: str):
    """A quantity typed in a grid: an int when it is one, else the text (the service names the field)."""
    return int(text) if text.isascii() and text.isdigit() else text


def refused(exc: BusinessError) -> str:
    fields = "；".join(f"{name}: {'、'.join(messages)}" for name, messages in exc.fields.items())
    return f"{exc.message}" + (f"（{fields}）" if fields and exc.message not in fields else "")

