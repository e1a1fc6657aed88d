"""The append-only, hash-chained audit log (审计日志).

Every flush that creates, changes or deletes an :class:`Audited` record appends one entry per record
(who, when, institution, record, before/after). Each entry's hash covers its content and the previous
entry's hash, and a one-row head holds the last seq and hash, so editing, deleting or re-ordering any
entry — the last one included — breaks the chain and ``erp audit verify`` names the first broken link.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from erp.core.chain import canonical_json, digest
from erp.core.dbutil import dialect_insert
from erp.core.mixins import Audited, Scoped
from erp.core.models import AuditEntry, AuditHead
from erp.core.timeutil import utcnow

GENESIS = "0" * 64
HEAD_ID = 1


def jsonable(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (Decimal, date, datetime)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def _columns(obj: Audited) -> list[str]:
    excluded = obj.__audit_exclude__
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in excluded]


def _ids(objects) -> list:
    return sorted(inspect(related).identity[0] for related in objects if inspect(related).identity)


def snapshot(obj: Audited) -> dict:
    values = {key: jsonable(getattr(obj, key)) for key in _columns(obj)}
    values.update({name: _ids(getattr(obj, name)) for name in obj.__audit_collections__})
    return values


def changes(obj: Audited) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.has_changes() and history.deleted != history.added:
            before[key] = jsonable(history.deleted[0]) if history.deleted else None
            after[key] = jsonable(history.added[0]) if history.added else None
    for name in obj.__audit_collections__:
        history = state.attrs[name].history
        if history.added or history.deleted:
            before[name] = _ids([*history.unchanged, *history.deleted])
            after[name] = _ids([*history.unchanged, *history.added])
    return before, after


def entry_hash(entry: dict) -> str:
    fields = ("seq", "at", "user_id", "username", "institution_id", "action", "model", "record_id",
              "before", "after", "prev_hash")
    payload = {name: entry[name] for name in fields}
    payload["at"] = entry["at"].isoformat()
    return digest(canonical_json(payload))


def _lock_head(connection: Connection) -> tuple[int, str]:
    """Lock the chain head (serialising appends across transactions) and return (seq, hash)."""
    query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
    row = connection.execute(query).first()
    if row is None:
        connection.execute(
            dialect_insert(connection)(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS).on_conflict_do_nothing()
        )
        row = connection.execute(query).first()
    return row.seq, row.hash


def append(connection: Connection, actor: dict | None, records: list[dict]) -> None:
    """Append records ({action, model, record_id, institution_id, before, after}) to the chain."""
    seq, prev = _lock_head(connection)
    at = utcnow()
    rows = []
    for record in records:
        seq += 1
        entry = {
            "seq": seq,
            "at": at,
            "user_id": actor["user_id"] if actor else None,
            "username": actor["username"] if actor else None,
            "prev_hash": prev,
            **record,
        }
        entry["hash"] = prev = entry_hash(entry)
        rows.append(entry)
    connection.execute(insert(AuditEntry), rows)
    connection.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=prev))


def _record(obj, action: str, before: dict | None, after: dict | None) -> dict:
    # the mapper reads the key from the row itself: a new row has no identity yet in after_flush
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return {
        "action": action,
        "model": type(obj).__name__,
        "record_id": "/".join(str(part) for part in key) if all(p is not None for p in key) else None,
        # a record not scoped to one institution may still belong to one (an institution's detail account)
        "institution_id": obj.scope_institution_id() if isinstance(obj, Scoped) else getattr(obj, "institution_id",
                                                                                                 None),
        "before": before,
        "after": after,
    }


PENDING = "audit_pending"


def defer(session: Session, records: list[dict]) -> None:
    """Queue records for this transaction; they are chained in just before it commits.

    Taking the chain head's lock last, at commit, gives every transaction the same lock order (its own
    rows first, the audit head last: no deadlock with posting's per-institution locks) and holds the one
    global lock for the shortest time.
    """
    if records:
        session.info.setdefault(PENDING, []).append((session.info.get("actor"), records))


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context) -> None:
    records = []
    for obj in session.new:
        if isinstance(obj, Audited):
            records.append(_record(obj, "create", None, snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, Audited) and obj not in session.deleted:
            before, after = changes(obj)
            if after:
                action = "transition" if "state" in after else "update"
                records.append(_record(obj, action, before, after))
    defer(session, records)


@event.listens_for(Session, "persistent_to_deleted")
def _audit_delete(session: Session, obj) -> None:
    # here rather than in after_flush: rows deleted by a cascade (a draft's replaced lines, delete-orphan)
    # are in no session list before the flush that deletes them
    if isinstance(obj, Audited):
        defer(session, [_record(obj, "delete", snapshot(obj), None)])


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    session.flush()  # commit flushes after this hook: bring the last changes' records in first
    pending = session.info.pop(PENDING, [])
    for actor, records in pending:
        append(session.connection(), actor, records)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


def log_event(session: Session, action: str, model: str, record_id: str | None,
              institution_id: int | None = None, details: dict | None = None) -> None:
    """Record an event that is not a row change (e.g. an account locked after failed logins)."""
    defer(session, [{"action": action, "model": model, "record_id": record_id,
                     "institution_id": institution_id, "before": None, "after": details}])


def visible_entries(scope):
    """The entries a user may read: their institutions', and community-wide ones for whole-community users."""
    visible = AuditEntry.institution_id.in_(sorted(scope.institution_ids))
    if scope.whole_community:
        visible = or_(visible, AuditEntry.institution_id.is_(None))
    return select(AuditEntry).where(visible)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    entry_id: int | None
    reason: str


def verify_chain(session: Session) -> ChainBreak | None:
    """Recompute the chain; return the first broken link, or None when intact."""
    expected_seq, prev = 0, GENESIS
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
    for entry in rows.scalars():
        expected_seq += 1
        if entry.seq != expected_seq:
            return ChainBreak(expected_seq, entry.id, f"entry seq {expected_seq} is missing (found {entry.seq})")
        if entry.prev_hash != prev:
            return ChainBreak(entry.seq, entry.id, "previous-hash link does not match the entry before")
        data = {c.key: getattr(entry, c.key) for c in inspect(AuditEntry).column_attrs}
        if entry_hash(data) != entry.hash:
            return ChainBreak(entry.seq, entry.id, "content does not match its hash (entry altered)")
        prev = entry.hash
    head = session.get(AuditHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (expected_seq, prev):
        return ChainBreak(expected_seq + 1, None, f"chain head says seq {head_seq}: entries after {expected_seq} were deleted")
    return None


# ---- the audit chain's part in the anchors (erp.core.chain), through the chain_heads / chain_links hooks ----

AUDIT_CHAIN = "audit"


def chain_head(sender, session: Session) -> dict:
    head = session.get(AuditHead, HEAD_ID)
    return {AUDIT_CHAIN: {"all": [head.seq, head.hash]}} if head is not None else {}


def chain_links(sender, session: Session, chain: str, wanted: dict[str, int]) -> dict:
    if chain != AUDIT_CHAIN or not wanted.get("all"):
        return {}
    return {"all": session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == wanted["all"]))}
