"""Institution scoping, enforced once for every query and every write of a session.

A request activates a :class:`Scope` on the session. From then on:
- every ORM SELECT gets ``institution_id IN (allowed)`` for each :class:`Scoped` entity it touches
  (``with_loader_criteria``, which also covers relationship loads and joins), and
- every flush refuses a new, changed or deleted :class:`Scoped` row outside the scope (403).
Sessions without a scope (CLI, migrations, system jobs) are not restricted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from erp.core.mixins import Scoped


class OutOfScope(PermissionError):
    """The user may not touch this institution's records."""


@dataclass(frozen=True)
class Scope:
    community_id: int
    institution_ids: frozenset[int]
    whole_community: bool
    read_only: bool = False

    def allows(self, institution_id: int | None) -> bool:
        return institution_id in self.institution_ids

    def require(self, institution_id: int | None) -> None:
        if not self.allows(institution_id):
            raise OutOfScope(f"institution {institution_id} is outside your scope")


def activate(session: Session, scope: Scope | None) -> None:
    session.info["scope"] = scope


def current_scope(session: Session) -> Scope | None:
    return session.info.get("scope")


def admit_new_institution(session: Session, institution) -> None:
    """A whole-community scope covers every member, including one created in this session: the modules
    setting it up (``institution_created``) may then write its rows."""
    for key in ("scope", "full_scope"):
        scope = session.info.get(key)
        if scope is not None and scope.whole_community and scope.community_id == institution.community_id:
            session.info[key] = replace(scope, institution_ids=scope.institution_ids | {institution.id})


@event.listens_for(Session, "do_orm_execute")
def _restrict_queries(state: ORMExecuteState) -> None:
    scope = state.session.info.get("scope")
    if scope is None or not state.is_select or state.execution_options.get("skip_scope"):
        return
    allowed = sorted(scope.institution_ids)
    state.statement = state.statement.options(*(
        with_loader_criteria(cls, cls.scope_column().in_(allowed), include_aliases=True)
        for cls in _scoped_classes()
    ))


_scoped_cache: tuple[int, list[type]] = (0, [])


def _scoped_classes() -> list[type]:
    """Every mapped Scoped class (one criteria per class: each names its own scope column)."""
    global _scoped_cache
    from erp.core.extensions import db

    mappers = db.Model.registry.mappers
    if _scoped_cache[0] != len(mappers):
        _scoped_cache = (len(mappers), [m.class_ for m in mappers if issubclass(m.class_, Scoped)])
    return _scoped_cache[1]


def _scope_values(obj: Scoped, is_new: bool) -> set[int | None]:
    """The institution the row belongs to, before and after this change."""
    values = {obj.scope_institution_id()}
    if not is_new:
        history = inspect(obj).attrs[obj.__scope_attr__].history
        values.update(history.deleted or ())
    return values


@event.listens_for(Session, "before_flush")
def _refuse_out_of_scope_writes(session: Session, flush_context, instances) -> None:
    scope = session.info.get("scope")
    if scope is None:
        return
    for is_new, objects in ((True, session.new), (False, session.dirty), (False, session.deleted)):
        for obj in objects:
            if not isinstance(obj, Scoped):
                continue
            if scope.read_only:
                raise OutOfScope("your role is read-only")
            if not is_new and not session.is_modified(obj) and obj not in session.deleted:
                continue
            for institution_id in _scope_values(obj, is_new):
                if institution_id is None and is_new:
                    # A new institution has no id yet: only a whole-community user of that community.
                    if scope.whole_community and getattr(obj, "community_id", None) == scope.community_id:
                        continue
                scope.require(institution_id)
