"""The core state-machine helper: allowed transitions declared once; a refused one is a 409 naming from and to;
the row is locked and re-read before the check."""
from __future__ import annotations

import enum

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from erp.core.errors import Conflict, NotFound
from erp.core.extensions import db
from erp.core.models import User
from erp.core.statemachine import StateMachine


class State(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    DONE = "done"


MACHINE = StateMachine({(State.DRAFT, State.APPROVED), ("approved", "done")}, labels={"draft": "草稿"})


class Document:
    def __init__(self, state):
        self.state = state


def test_allowed_transitions_pass_and_others_are_a_409_naming_from_and_to():
    assert MACHINE.allows("draft", State.APPROVED) and MACHINE.allows(State.APPROVED, "done")
    assert not MACHINE.allows("draft", "done") and not MACHINE.allows("done", "draft")
    MACHINE.check(Document(State.DRAFT), "approved")  # enums and their values alike
    with pytest.raises(Conflict) as refused:
        MACHINE.check(Document(State.DRAFT), State.DONE)
    assert refused.value.status == 409 and refused.value.code == "invalid_transition"
    # Chinese only: the state titles where the machine has them; the code says it is a transition
    assert refused.value.message == "状态不允许从「草稿」变为「done」"


@pytest.mark.committed  # another connection writes while this test's session holds the row
def test_begin_locks_and_re_reads_the_row_before_checking(demo):
    """Another transaction changed the row after this session loaded it: the check sees the new state."""
    activation = StateMachine({(True, False), (False, True)}, field="active")
    finance = db.session.scalar(select(User).where(User.username == "finance"))
    assert finance.active is True
    with Session(db.engine) as other:
        other.execute(update(User).where(User.id == finance.id).values(active=False))
        other.commit()
    assert finance.active is True  # what this session still holds
    with pytest.raises(Conflict, match="「False」变为「False」"):
        activation.begin(db.session, finance, False)
    assert activation.begin(db.session, finance, True) is finance and finance.active is False
    db.session.rollback()


@pytest.mark.committed  # another connection deletes the row this session still holds
def test_a_document_deleted_meanwhile_is_a_404_in_chinese_with_the_detail_in_english(demo):
    from tests.factories import UserFactory

    gone = UserFactory(username="leaver", role="clerk", institutions=["QH102"])
    db.session.commit()
    with Session(db.engine) as other:
        other.execute(delete(User).where(User.id == gone.id))
        other.commit()
    with pytest.raises(NotFound) as refused:
        StateMachine({(True, False)}, field="active").begin(db.session, gone, False)
    assert refused.value.status == 404
    assert refused.value.message == f"该记录已被他人删除 (User {gone.id} was deleted meanwhile)"
    db.session.rollback()
