"""The auditors' log (审计日志) page: Beijing time, Chinese action and record names, the changed fields only with
their Chinese labels, filters by person, date range, institution, record type and record, paging, Excel."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import Blueprint, abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import false, select

from erp.core import audit
from erp.core.audit_labels import Describer, collect
from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.core.models import AuditEntry, Institution, User
from erp.core.scoping import current_scope
from erp.core.timeutil import LOCAL_TZ, to_local
from erp.core.web import requires

bp = Blueprint("audit", __name__)


def _moment(value: str, at: time, field: str) -> datetime:
    """The UTC moment of ``at`` on the Beijing day ``value``; a day with no UTC moment (0001-01-01 starts in the
    year 0 in UTC) is refused like a malformed one, not left to overflow in the query."""
    try:
        return datetime.combine(date.fromisoformat(value), at, LOCAL_TZ).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        abort(400, _("%(field)s 应为日期 YYYY-MM-DD", field=field))


def _since(statement, value: str):
    return statement.where(AuditEntry.at >= _moment(value, time.min, _("起始日期")))


def _until(statement, value: str):
    return statement.where(AuditEntry.at <= _moment(value, time.max, _("截止日期")))


def _of_institution(by_code: dict[str, int]):
    # an unknown code (another township's, a typo) matches nothing: comparing None would find the
    # community-wide entries instead
    return lambda s, v: s.where(AuditEntry.institution_id == by_code[v]) if v in by_code else s.where(false())


def _describer(institutions: list[Institution]) -> Describer:
    users = {row.id: row.display_name or row.username for row in db.session.execute(
        select(User.id, User.display_name, User.username).where(User.community_id == current_user.community_id))}
    return Describer(collect(current_app.extensions["erp"].registry), users, {i.id: i.name for i in institutions})


def changes_text(describer: Describer, entry: AuditEntry) -> str:
    return "；".join(f"{c.label}：{c.before} → {c.after}" if entry.action != "create" else f"{c.label}：{c.after}"
                    for c in describer.changes(entry))


@bp.get("/audit")
@requires("core.audit.read")
def log():
    scope = current_scope(db.session)
    institutions = db.session.scalars(select(Institution).where(Institution.id.in_(sorted(scope.institution_ids)))
                                      .order_by(Institution.code)).all()
    describer = _describer(institutions)
    by_code = {i.code: i.id for i in institutions}
    people = [(row.username, row.display_name or row.username) for row in db.session.execute(
        select(User.username, User.display_name).where(User.community_id == current_user.community_id)
        .order_by(User.username))]
    # one choice per record type: a type audited under two names (a payroll run's rows as PayrollRun, its compute
    # event under the table's name) would show twice and find half of its entries under either choice
    models_of: dict[str, list[str]] = {}
    for model, label in describer.labels.records.items():
        models_of.setdefault(label.name, []).append(model)
    record_types = sorted(((min(models), name) for name, models in models_of.items()), key=lambda pair: pair[1])
    same_type = {model: models for models in models_of.values() for model in models}
    view = ListView(
        title=_("审计日志"),
        statement=audit.visible_entries(scope),
        columns=[
            # the order of writing over every chain (a position is per institution's chain: erp.core.audit)
            Column("seq", _("序号"), "int", sort=AuditEntry.id, value=lambda e: e.id),
            Column("at", _("时间（北京时间）"), sort=AuditEntry.at,
                   value=lambda e: f"{to_local(e.at):%Y-%m-%d %H:%M:%S}"),
            # work done outside a request (the CLI, a job) is the system's: its process name is no person
            Column("username", _("操作人"), value=lambda e: describer.users.get(e.user_id, e.username)
                   if e.user_id is not None else _("系统")),
            Column("institution", _("成员单位"), value=lambda e: describer.institutions.get(e.institution_id, "")),
            Column("action", _("动作"), value=lambda e: _(describer.action_name(e.action))),
            Column("model", _("对象"), sort=AuditEntry.model, value=lambda e: _(describer.record_title(e))),
            Column("record_id", _("记录号")),
            Column("changes", _("变更内容"), value=lambda e: changes_text(describer, e)),
        ],
        filters=[
            Filter("person", _("操作人"), lambda s, v: s.where(AuditEntry.username == v), tuple(people)),
            Filter("since", _("起始日期"), _since, input="date"),
            Filter("until", _("截止日期"), _until, input="date"),
            Filter("institution", _("成员单位"), _of_institution(by_code),
                   tuple((i.code, f"{i.code} {i.name}") for i in institutions)),
            Filter("model", _("对象类型"), lambda s, v: s.where(AuditEntry.model.in_(same_type.get(v, [v]))),
                   tuple((model, _(name)) for model, name in record_types)),
            Filter("record", _("记录号"), lambda s, v: s.where(AuditEntry.record_id == v)),
            Filter("action", _("动作"), lambda s, v: s.where(AuditEntry.action == v),
                   tuple((key, _(name)) for key, name in describer.labels.actions.items())),
        ],
        default_sort="-seq",
        template="audit_log.html",
        context={"describer": describer},
    )
    return view.render()
