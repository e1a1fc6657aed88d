"""Institution scoping, enforced once for every query and every write of a session.

A request activates a :class:`Scope` on the session. From then on:
- every ORM SELECT gets ``institution_id IN (allowed)`` for each :class:`Scoped` entity it touches
  (``with_loader_criteria``, which also covers relationship loads and joins), and
- every flush refuses a new, changed or deleted :class:`Scoped` row outside the scope (403).
Sessions without a scope (CLI, migrations, system jobs) are not restricted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import CompoundSelect, Select, TableClause, event, inspect
from sqlalchemy.orm import (FromStatement, Load, LoaderCriteriaOption, Mapper, ORMExecuteState, QueryableAttribute,
                            RelationshipProperty, Session, with_loader_criteria)
from sqlalchemy.sql import ClauseElement, ColumnElement, visitors

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
    classes = _scoped_classes_in(state.statement)
    if classes:
        state.statement = state.statement.options(*_criteria(scope.institution_ids, classes))


# Which Scoped classes a statement can load or filter on. A criteria for every Scoped class on every query costs
# ~2 ms in SQLAlchemy's option processing and cache keys, so only the classes the statement reaches get one:
# - the tables anywhere in it: entities, aliases, explicit joins, subqueries, EXISTS, CTEs, unions;
# - the targets of relationship joins (``join(A.b)`` names only A's table) and of loader options
#   (``joinedload`` puts its target into this very statement);
# - what those mappers always bring along: ``lazy="joined"`` relationships, ``column_property`` subqueries.
# Lazy, selectin and subquery loads are executes of their own and pass here too. In doubt: every class.


@dataclass(frozen=True)
class _ModelIndex:
    mapper_count: int
    everything: frozenset[type]
    by_table: dict[TableClause, frozenset[type]]  # what a table brings into a statement
    by_mapper: dict[Mapper, frozenset[type]]


_index_cache = _ModelIndex(-1, frozenset(), {}, {})


def _model_index() -> _ModelIndex:
    """Built once, and again when more classes are mapped (modules register their models on import)."""
    global _index_cache
    from erp.core.extensions import db

    mappers = db.Model.registry.mappers
    if _index_cache.mapper_count != len(mappers):
        _index_cache = _build_index(mappers)
    return _index_cache


def _build_index(mappers) -> _ModelIndex:
    mapped: dict[TableClause, set[type]] = {}  # table → the Scoped classes mapped onto it
    for mapper in mappers:
        for table in mapper.tables:
            mapped.setdefault(table, set()).update(_own_class(mapper))
    direct: dict[Mapper, set[type]] = {}
    for mapper in mappers:
        direct[mapper] = set(_own_class(mapper))
        for prop in mapper.column_attrs:  # a column_property's subquery is rendered wherever the entity is
            for column in prop.columns:
                if getattr(column, "table", None) not in mapper.tables:
                    for table in _tables(column):
                        direct[mapper].update(mapped.get(table, ()))
    by_mapper = {mapper: frozenset(_with_joined_eager(mapper, direct)) for mapper in mappers}
    by_table: dict[TableClause, set[type]] = {}
    for mapper in mappers:
        for table in mapper.tables:
            by_table.setdefault(table, set()).update(by_mapper[mapper])
    return _ModelIndex(len(mappers), frozenset(m.class_ for m in mappers if _own_class(m)),
                       {table: frozenset(classes) for table, classes in by_table.items()}, by_mapper)


def _own_class(mapper: Mapper) -> tuple[type, ...]:
    return (mapper.class_,) if issubclass(mapper.class_, Scoped) else ()


def _with_joined_eager(mapper: Mapper, direct: dict[Mapper, set[type]]) -> set[type]:
    """The mapper's classes and those its ``lazy="joined"`` relationships join in, transitively."""
    classes, seen, todo = set(), {mapper}, [mapper]
    while todo:
        current = todo.pop()
        classes.update(direct.get(current, ()))
        for rel in current.relationships:
            if rel.lazy in ("joined", False) and rel.mapper not in seen:
                seen.add(rel.mapper)
                todo.append(rel.mapper)
    return classes


def _tables(clause) -> list[TableClause]:
    return [element for element in visitors.iterate(clause) if isinstance(element, TableClause)]


class _EveryClass(Exception):
    """A statement this analysis does not understand: give it every criteria, as before."""


def _scoped_classes_in(statement) -> frozenset[type]:
    index = _model_index()
    if not isinstance(statement, (Select, CompoundSelect, FromStatement)):
        return index.everything
    found: set[type] = set()
    try:
        for element in visitors.iterate(statement):
            if isinstance(element, TableClause):
                found.update(index.by_table.get(element, ()))
            elif not isinstance(element, ColumnElement):  # selects, unions, a select's entities before columns()
                for join in getattr(element, "_setup_joins", ()):
                    _relationship_join(join, index, found)
                for option in getattr(element, "_with_options", ()):
                    _loader_option(option, index, found)
    except _EveryClass:
        return index.everything
    return frozenset(found)


def _relationship_join(join: tuple, index: _ModelIndex, found: set[type]) -> None:
    """``join(A.b)`` / ``join(B, A.b)``: the walk sees A's table only; B comes from the relationship."""
    for part in join[:3]:
        prop = getattr(part, "property", None) if isinstance(part, QueryableAttribute) else None
        if isinstance(prop, RelationshipProperty):
            found.update(index.by_mapper.get(prop.mapper, ()))
            if part._of_type is not None:
                found.update(index.by_mapper.get(part._of_type.mapper, ()))
            if prop.secondary is not None:
                for table in _tables(prop.secondary):
                    found.update(index.by_table.get(table, ()))


def _loader_option(option, index: _ModelIndex, found: set[type]) -> None:
    if isinstance(option, LoaderCriteriaOption):
        if id(option) not in _own_options:  # someone else's criteria may hold a subquery of its own
            raise _EveryClass
        return
    if not isinstance(option, Load):
        raise _EveryClass
    for element in option.context:
        for token in element.path.path:
            if isinstance(token, str) and not token.startswith("column:"):  # "relationship:*": any may be joined
                raise _EveryClass
            if isinstance(token, RelationshipProperty) or getattr(token, "is_mapper", False) \
                    or getattr(token, "is_aliased_class", False):
                found.update(index.by_mapper.get(token.mapper, ()))
        for value in element.local_opts.values():  # with_expression(): an expression rendered in the statement
            if isinstance(value, ClauseElement):
                for table in _tables(value):
                    found.update(index.by_table.get(table, ()))


# Built options per (scope, classes): rebuilding them costs as much as what is saved. Bounded: scopes are few.
_criteria_cache: dict[tuple[frozenset[int], frozenset[type]], tuple[LoaderCriteriaOption, ...]] = {}
_own_options: set[int] = set()  # ids of the options above (kept alive by the cache, so never reused)


def _criteria(institution_ids: frozenset[int], classes: frozenset[type]) -> tuple[LoaderCriteriaOption, ...]:
    key = (institution_ids, classes)
    options = _criteria_cache.get(key)
    if options is None:
        if len(_criteria_cache) >= 2048:
            _own_options.clear()  # first: an id in it always names a live option of ours
            _criteria_cache.clear()
        allowed = sorted(institution_ids)  # an expanding bound parameter: the compiled SQL is cached for any ids
        # a fixed order of the options, so equal statements get equal cache keys whatever the scope
        options = tuple(with_loader_criteria(cls, cls.scope_column().in_(allowed), include_aliases=True)
                        for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__)))
        _own_options.update(id(option) for option in options)
        _criteria_cache[key] = options
    return options


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
