"""The auditors' log (审计日志) page: Beijing time, action and record names, the changed fields only with their
labels (in the user's language: erp.core.audit_labels), filters by person, date range, institution, record type
and record, paging, Excel (the log itself, shared with the API: erp.core.audit_query)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.audit_labels import Describer
from erp.core.audit_query import SORTS, audit_log
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import AuditEntry
from erp.core.scoping import current_scope
from erp.core.timeutil import to_local
from erp.core.web import requires

bp = Blueprint("audit", __name__)


def _on_day(apply, field: str):
    """A date filter of the log: a malformed day, or one with no UTC moment, is refused naming the field."""
    def filter_by(statement, value: str):
        try:
            return apply(statement, date.fromisoformat(value))
        except ValueError:
            abort(400, _("%(field)s 应为日期 YYYY-MM-DD", field=field))
    return filter_by


def changes_text(describer: Describer, entry: AuditEntry) -> str:
    return "；".join(f"{c.label}：{c.before} → {c.after}" if entry.action != "create" else f"{c.label}：{c.after}"
                    for c in describer.changes(entry))


@bp.get("/audit")
@requires("core.audit.read")
def log():
    entries = audit_log(db.session, current_user, current_scope(db.session))
    describer = entries.describer
    view = ListView(
        title=_("审计日志"),
        statement=entries.statement,
        columns=[
            # the order of writing over every chain (a position is per institution's chain: erp.core.audit)
            Column("seq", _("序号"), "int", sort=SORTS["seq"], value=lambda e: e.id),
            Column("at", _("时间（北京时间）"), sort=SORTS["at"], value=lambda e: f"{to_local(e.at):%Y-%m-%d %H:%M:%S}"),
            Column("username", _("操作人"), value=entries.person),
            Column("institution", _("成员单位"), value=lambda e: describer.institutions.get(e.institution_id, "")),
            Column("action", _("动作"), value=lambda e: describer.action_name(e.action)),
            Column("model", _("对象"), sort=SORTS["model"], value=describer.record_title),
            Column("record_id", _("记录号")),
            Column("changes", _("变更内容"), value=lambda e: changes_text(describer, e)),
        ],
        filters=[
            Filter("person", _("操作人"), entries.by_person, tuple(entries.people)),
            Filter("since", _("起始日期"), _on_day(entries.since, _("起始日期")), input="date"),
            Filter("until", _("截止日期"), _on_day(entries.until, _("截止日期")), input="date"),
            Filter("institution", _("成员单位"), entries.of_institution,
                   tuple((i.code, f"{i.code} {i.name}") for i in entries.institutions)),
            Filter("model", _("对象类型"), entries.of_type,
                   tuple((model, _(name)) for model, name in entries.record_types)),
            Filter("record", _("记录号"), entries.of_record),
            Filter("action", _("动作"), entries.by_action,
                   tuple((key, _(name)) for key, name in describer.labels.actions.items())),
        ],
        default_sort="-seq",
        template="audit_log.html",
        context={"describer": describer},
    )
    return view.render()
