"""What the procurement services share: a flush that turns a concurrent duplicate into a 409."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp.core.errors import Conflict


def flush_or_conflict(session: Session, what: str) -> None:
    """Flush; a row another user inserted meanwhile under the same unique key (the same code, the same member
    and item) is a 409 ``concurrent_change`` to retry, not a server error."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what}刚被他人同时创建或修改，请刷新后重试 ({what}: changed concurrently, retry)",
                       code="concurrent_change") from exc
