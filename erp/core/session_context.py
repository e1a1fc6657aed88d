"""Binds the signed-in user to the database session: their scope (what they may see and change)
and the actor the audit log names."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from erp.core.models import User
from erp.core.scoping import Scope, activate


def activate_user(session: Session, user: User, active_institution_id: int | None = None) -> Scope:
    """Restrict the session to the user's institutions (or to the one chosen in the switcher)."""
    from erp.core.security import scope_for

    session.info["scope"] = None  # compute the scope itself unrestricted
    scope = session.info["full_scope"] = scope_for(session, user)
    if active_institution_id is not None and scope.allows(active_institution_id):
        scope = replace(scope, institution_ids=frozenset({active_institution_id}), whole_community=False)
    activate(session, scope)
    session.info["actor"] = {"user_id": user.id, "username": user.username}
    return scope


def system_actor(session: Session, name: str = "system") -> None:
    """Name the actor for work done outside a request (CLI, demo loader)."""
    session.info["actor"] = {"user_id": None, "username": name}
