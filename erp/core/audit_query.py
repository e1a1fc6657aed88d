"""The auditors' log (审计日志) as its page (erp.core.audit_views) and its API (``GET /api/v1/audit``) both read
it: the entries in the user's scope, one set of filters (person, date range, institution, record type, record,
action) and each entry described alike (Beijing time, names in the user's language, the changed fields only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from erp.core import audit
from erp.core.audit_labels import Describer, collect
from erp.core.models import AuditEntry, Institution, User
from erp.core.registry import N_
from erp.core.scoping import Scope
from erp.core.timeutil import LOCAL_TZ, to_local

SYSTEM = N_("系统")  # work done outside a request (the CLI, a job): its process name is no person
# the sort keys of both: the order of writing over every chain (the entry's id), the time, the record type
SORTS = {"seq": AuditEntry.id, "at": AuditEntry.at, "model": AuditEntry.model}


def utc_moment(day: date, at: time) -> datetime:
    """The UTC moment of ``at`` on the Beijing day ``day``; a day with no UTC moment (0001-01-01 starts in the
    year 0 in UTC) is a ValueError like a malformed one, not an overflow in the query."""
    try:
        return datetime.combine(day, at, LOCAL_TZ).astimezone(timezone.utc)
    except OverflowError as exc:
        raise ValueError(f"{day} has no moment in UTC") from exc


@dataclass(frozen=True)
class AuditLog:
    """One user's view of the log: what they may read, the names to show and the filters' choices."""

    statement: object  # the entries the user may read (erp.core.audit.visible_entries)
    describer: Describer
    institutions: list[Institution]  # the user's, by code
    people: list[tuple[str, str]]  # (username, name) of the community's users
    # (model, Chinese name: a msgid the page translates), one choice per record type
    record_types: list[tuple[str, str]]
    same_type: dict[str, list[str]]  # model → every model audited under the same record type
    codes: dict[int, str]  # institution id → code, for the API's entries

    def by_person(self, statement, username: str):
        return statement.where(AuditEntry.username == username)

    def since(self, statement, day: date):
        return statement.where(AuditEntry.at >= utc_moment(day, time.min))

    def until(self, statement, day: date):
        return statement.where(AuditEntry.at <= utc_moment(day, time.max))

    def of_institution(self, statement, code: str):
        # an unknown code (another township's, a typo) matches nothing: comparing None would find the
        # community-wide entries instead
        ids = {i.code: i.id for i in self.institutions}
        return statement.where(AuditEntry.institution_id == ids[code]) if code in ids else statement.where(false())

    def of_type(self, statement, model: str):
        return statement.where(AuditEntry.model.in_(self.same_type.get(model, [model])))

    def of_record(self, statement, record_id: str):
        return statement.where(AuditEntry.record_id == record_id)

    def by_action(self, statement, action: str):
        return statement.where(AuditEntry.action == action)

    def describe(self, entry: AuditEntry) -> dict:
        """An entry as the page shows it, with the codes beside the names (the API's AuditEntrySchema)."""
        describer = self.describer
        return {"id": entry.id, "chain": entry.chain, "seq": entry.seq, "at": to_local(entry.at),
                "username": entry.username, "person": self.person(entry),
                "institution": self.codes.get(entry.institution_id),
                "institution_name": describer.institutions.get(entry.institution_id),
                "action": entry.action, "action_title": describer.action_name(entry.action),
                "model": entry.model, "record_type": describer.record_name(entry.model),
                "record_id": entry.record_id, "record_title": describer.record_title(entry),
                "changes": describer.changes(entry), "hash": entry.hash}

    def person(self, entry: AuditEntry) -> str:
        return self.describer.users.get(entry.user_id, entry.username) if entry.user_id is not None else _(SYSTEM)


def audit_log(session: Session, user: User, scope: Scope) -> AuditLog:
    institutions = session.scalars(select(Institution).where(Institution.id.in_(sorted(scope.institution_ids)))
                                   .order_by(Institution.code)).all()
    users = session.execute(select(User.id, User.username, User.display_name)
                            .where(User.community_id == user.community_id).order_by(User.username)).all()
    describer = Describer(collect(current_app.extensions["erp"].registry),
                          {row.id: row.display_name or row.username for row in users},
                          {i.id: i.name for i in institutions})
    # one choice per record type: a type audited under two names (a payroll run's rows as PayrollRun, its compute
    # event under the table's name) would show twice and find half of its entries under either choice
    models_of: dict[str, list[str]] = {}
    for model, label in describer.labels.records.items():
        models_of.setdefault(label.name, []).append(model)
    return AuditLog(
        statement=audit.visible_entries(scope), describer=describer, institutions=list(institutions),
        people=[(row.username, row.display_name or row.username) for row in users],
        record_types=sorted(((min(models), name) for name, models in models_of.items()), key=lambda pair: pair[1]),
        same_type={model: models for models in models_of.values() for model in models},
        codes={i.id: i.code for i in institutions})
