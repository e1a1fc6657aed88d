"""State machines declared once per document type (Tryton's ``_transitions``).

A document type lists its allowed (from, to) pairs; :meth:`StateMachine.begin` locks the document's row,
re-reads it, and refuses a transition that is not allowed with a 409 naming from and to. Locking first
makes simultaneous requests queue on the row: the first one moves the state, the others then read the new
state and are refused (409), never half-done (500)::

    VOUCHER_STATES = StateMachine({("draft", "posted"), ("posted", "reversed")}, field="status")
    voucher = VOUCHER_STATES.begin(session, voucher, "posted")
"""
from __future__ import annotations

import enum

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from erp.core.errors import Conflict, NotFound


def _value(state) -> str:
    return state.value if isinstance(state, enum.Enum) else str(state)


class StateMachine:
    """The allowed transitions of one document type, read from ``field`` (a column or a property)."""

    def __init__(self, transitions: set[tuple], field: str = "state", labels: dict[str, str] | None = None):
        self.transitions = {(_value(a), _value(b)) for a, b in transitions}
        self.field = field
        self.labels = labels or {}

    def state_of(self, document) -> str:
        return _value(getattr(document, self.field))

    def allows(self, from_state, to_state) -> bool:
        return (_value(from_state), _value(to_state)) in self.transitions

    def check(self, document, to_state) -> None:
        """Refuse (409 ``invalid_transition``) unless the document may move from its state to ``to_state``."""
        current, target = self.state_of(document), _value(to_state)
        if (current, target) not in self.transitions:
            raise Conflict(f"状态不允许从「{self._label(current)}」变为「{self._label(target)}」",
                           code="invalid_transition")

    def begin(self, session: Session, document, to_state):
        """Lock the document's row until commit, re-read it, and check the transition; returns the document."""
        lock(session, document)
        self.check(document, to_state)
        return document

    def _label(self, state: str) -> str:
        return self.labels.get(state, state)  # the Chinese title (the code says which transition it was)


def lock(session: Session, document) -> None:
    """``SELECT … FOR UPDATE`` of the document's row, overwriting what the session holds (populate_existing),
    and expiring its view-only relationships, which derive from other rows that may have changed too."""
    state = inspect(document)
    if state.key is None:
        session.flush()  # a new document gets its row (and key) first
    mapper = state.mapper
    key = mapper.primary_key_from_instance(document)
    statement = (select(mapper.class_).where(*(column == value for column, value in zip(mapper.primary_key, key)))
                 .with_for_update().execution_options(populate_existing=True))
    if session.execute(statement).scalar_one_or_none() is None:  # deleted by a request that locked it first
        raise NotFound(f"该记录已被他人删除 ({mapper.class_.__name__} {', '.join(map(str, key))} was deleted "
                       f"meanwhile)")
    derived = [relationship.key for relationship in mapper.relationships if relationship.viewonly]
    if derived:
        session.expire(document, derived)
