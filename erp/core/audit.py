"""The append-only, hash-chained audit log (审计日志).

Every flush that creates, changes or deletes an :class:`Audited` record appends one entry per record
(who, when, institution, record, before/after). The entries form one chain per institution, chosen from the
record's institution, and one (``community``) for records that belong to no one institution, so that
transactions of different members never wait on each other's chain. Each entry's keyed hash covers its chain,
its content and the previous entry's hash, and one head row per chain holds its last seq and hash, so
editing, deleting, re-ordering or moving any entry between chains — a chain's last one included — breaks
its chain and ``erp audit verify`` names the first broken link.

Entries written before the split stay in the single chain they were written in (``all``): it is verified and
anchored as before, and closed (nothing is re-hashed, so its HMACs and the anchors that recorded it hold).
"""
from __future__ import annotations

import enum
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import bindparam, event, insert, inspect, or_, select, text, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from erp.core.chain import canonical_json, digest
from erp.core.dbutil import dialect_insert
from erp.core.mixins import Audited, Scoped
from erp.core.models import AuditEntry, AuditHead
from erp.core.timeutil import utcnow

GENESIS = "0" * 64
LEGACY_CHAIN = "all"  # the single chain of the entries written before the split: closed
COMMUNITY_CHAIN = "community"


def chain_of(institution_id: int | None) -> str:
    """The chain an entry goes to: its institution's, or the community's for records of no one institution."""
    return COMMUNITY_CHAIN if institution_id is None else str(institution_id)


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


HASHED = ("seq", "at", "user_id", "username", "institution_id", "action", "model", "record_id", "before", "after",
          "prev_hash")
DOCUMENTS = ("before", "after")


def entry_hash(entry: dict) -> str:
    payload = {name: entry[name] for name in HASHED}
    payload["at"] = entry["at"].isoformat()
    if entry["chain"] != LEGACY_CHAIN:  # the closed chain was hashed before entries named their chain
        payload["chain"] = entry["chain"]
    return digest(canonical_json(payload))


# built once: every commit of an audited change runs them (a statement built afresh costs its cache-key walk)
_LOCK_HEADS = (select(AuditHead.chain, AuditHead.seq, AuditHead.hash)
               .where(AuditHead.chain.in_(bindparam("chains", expanding=True)))
               .order_by(AuditHead.chain).with_for_update())


def _lock_heads(connection: Connection, chains: list[str]) -> dict[str, tuple[int, str]]:
    """Lock the heads of ``chains`` (serialising appends to each chain across transactions) and return
    {chain: (seq, hash)}. Heads are locked in one order (sorted) and only at commit, after every other lock a
    transaction takes, so two transactions writing to the same members cannot wait on each other crosswise;
    a chain's first append creates its head at genesis."""
    def locked(wanted):
        return {row.chain: (row.seq, row.hash) for row in connection.execute(_LOCK_HEADS, {"chains": wanted})}

    heads = locked(chains)
    missing = [chain for chain in chains if chain not in heads]
    if missing:
        connection.execute(dialect_insert(connection)(AuditHead).on_conflict_do_nothing(),
                           [{"chain": chain, "seq": 0, "hash": GENESIS} for chain in missing])
        heads.update(locked(missing))
    return heads


def append(connection: Connection, pending: list[tuple[dict | None, list[dict]]]) -> None:
    """Append records ({action, model, record_id, institution_id, before, after}), each group with the actor
    it was recorded under, to their chains: all the entries and heads written at once (see :func:`_write`)."""
    by_chain: dict[str, list[tuple[dict | None, dict]]] = defaultdict(list)
    for actor, records in pending:
        for record in records:
            by_chain[chain_of(record["institution_id"])].append((actor, record))
    if not by_chain:
        return
    heads = _lock_heads(connection, sorted(by_chain))
    at = utcnow()
    rows, moved = [], []
    for chain, entries in by_chain.items():
        seq, prev = heads[chain]
        for actor, record in entries:
            seq += 1
            entry = {
                "chain": chain,
                "seq": seq,
                "at": at,
                "user_id": actor["user_id"] if actor else None,
                "username": actor["username"] if actor else None,
                "prev_hash": prev,
                **record,
            }
            entry["hash"] = prev = entry_hash(entry)
            # the row keeps the record's own key order (the log shows the changes in it); the hash sorts them
            rows.append((entry, {name: json.dumps(entry[name], ensure_ascii=False) for name in DOCUMENTS}))
        moved.append((chain, seq, prev))
    _write(connection, rows, moved)


# a small append (a business action's few entries) goes in one statement on PostgreSQL — each round trip
# counts while the transaction holds its row locks; a large one (an import, a pay run) by COPY
ONE_STATEMENT_ROWS = 200
COLUMNS = ("chain", "seq", "at", "user_id", "username", "institution_id", "action", "model", "record_id", "before",
           "after", "prev_hash", "hash")
_ARRAY_TYPES = {"seq": "integer", "user_id": "integer", "institution_id": "integer", "before": "text",
                "after": "text"}  # the others are varchar
_PER_ENTRY = [name for name in COLUMNS if name != "at"]  # one "at" for the whole append
# One fixed text whatever the number of entries (arrays, unnested): parsed once, and the heads move in the
# same statement. The records' JSON goes in as text (a None as JSON null, as the JSON type writes it).
_APPEND = text(
    "WITH moved_heads AS (UPDATE audit_head SET seq = new.seq, hash = new.hash "
    "FROM unnest(CAST(:head_chains AS varchar[]), CAST(:head_seqs AS integer[]), CAST(:head_hashes AS varchar[])) "
    "AS new(chain, seq, hash) WHERE audit_head.chain = new.chain) "
    f"INSERT INTO audit_entry ({', '.join(COLUMNS)}) "
    "SELECT " + ", ".join("CAST(:at AS timestamp)" if name == "at" else f"CAST(e.{name} AS json)"
                           if name in DOCUMENTS else f"e.{name}" for name in COLUMNS)
    + " FROM unnest(" + ", ".join(f"CAST(:{name} AS {_ARRAY_TYPES.get(name, 'varchar')}[])" for name in _PER_ENTRY)
    + f") AS e({', '.join(_PER_ENTRY)})")

_MOVE_HEADS = update(AuditHead).where(AuditHead.chain == bindparam("head")).values(seq=bindparam("new_seq"),
                                                                                  hash=bindparam("new_hash"))


def _write(connection: Connection, rows: list[tuple[dict, dict[str, str]]],
           moved: list[tuple[str, int, str]]) -> None:
    """Insert the entries and move the heads onto their last ones."""
    new_heads = [{"head": chain, "new_seq": seq, "new_hash": digest} for chain, seq, digest in moved]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(AuditEntry), [entry for entry, _documents in rows])
        connection.execute(_MOVE_HEADS, new_heads)
        return
    at = rows[0][0]["at"].astimezone(timezone.utc).replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it
    if len(rows) <= ONE_STATEMENT_ROWS:
        parameters = {name: [documents[name] if name in DOCUMENTS else entry[name] for entry, documents in rows]
                      for name in _PER_ENTRY}
        chains, seqs, digests = zip(*moved)
        connection.execute(_APPEND, parameters | {"at": at, "head_chains": list(chains), "head_seqs": list(seqs),
                                                  "head_hashes": list(digests)})
        return
    # COPY on the transaction's own connection: the table's constraints apply as for INSERT
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY audit_entry ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for entry, documents in rows:
            copy.write_row([documents[name] if name in DOCUMENTS else at if name == "at" else entry[name]
                            for name in COLUMNS])
    connection.execute(_MOVE_HEADS, new_heads)


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

    Taking the chain heads' locks last, at commit, gives every transaction the same lock order (its own
    rows first, the audit heads last, sorted: no deadlock with posting's or budget control's row locks) and
    holds them for the shortest time.
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
    if pending:
        append(session.connection(), pending)


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
    chain: str
    seq: int
    entry_id: int | None
    reason: str


def verify_chains(session: Session) -> list[ChainBreak]:
    """Recompute every chain; return each broken chain's first broken link (none when all are intact)."""
    breaks: dict[str, ChainBreak] = {}
    positions: dict[str, tuple[int, str]] = {}  # chain → (seq, hash) of its last intact entry
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.chain, AuditEntry.seq)
                           .execution_options(yield_per=2000))
    for entry in rows.scalars():
        chain = entry.chain
        if chain in breaks:
            continue
        expected_seq, prev = positions.get(chain, (0, GENESIS))
        expected_seq += 1
        problem = None
        if entry.seq != expected_seq:
            problem = ChainBreak(chain, expected_seq, entry.id,
                                 f"entry seq {expected_seq} is missing (found {entry.seq})")
        elif entry.prev_hash != prev:
            problem = ChainBreak(chain, entry.seq, entry.id, "previous-hash link does not match the entry before")
        elif chain not in (LEGACY_CHAIN, chain_of(entry.institution_id)):
            problem = ChainBreak(chain, entry.seq, entry.id, "entry is in another institution's chain (moved)")
        elif entry_hash({c.key: getattr(entry, c.key) for c in inspect(AuditEntry).column_attrs}) != entry.hash:
            problem = ChainBreak(chain, entry.seq, entry.id, "content does not match its hash (entry altered)")
        if problem:
            breaks[chain] = problem
        else:
            positions[chain] = (entry.seq, entry.hash)
    heads = {head.chain: (head.seq, head.hash) for head in session.scalars(select(AuditHead))}
    for chain in sorted(set(heads) | set(positions)):
        if chain in breaks:
            continue
        seq, last = positions.get(chain, (0, GENESIS))
        head_seq, head_hash = heads.get(chain, (None, None))
        if head_seq is None:
            breaks[chain] = ChainBreak(chain, seq, None, "the chain has no head (head deleted)")
        elif (head_seq, head_hash) != (seq, last):
            breaks[chain] = ChainBreak(chain, seq + 1, None,
                                       f"chain head says seq {head_seq}: entries after {seq} were deleted")
    return sorted(breaks.values(), key=lambda b: (b.entry_id is None, b.entry_id or 0, b.chain))


def verify_chain(session: Session) -> ChainBreak | None:
    """The first broken link over every chain (the earliest written entry), or None when all are intact."""
    breaks = verify_chains(session)
    return breaks[0] if breaks else None


# ---- the audit chains' part in the anchors (erp.core.chain), through the chain_heads / chain_links hooks ----

AUDIT_CHAIN = "audit"


def chain_head(sender, session: Session) -> dict:
    heads = session.execute(select(AuditHead.chain, AuditHead.seq, AuditHead.hash)).all()
    return {AUDIT_CHAIN: {chain: [seq, digest] for chain, seq, digest in heads}} if heads else {}


def chain_links(sender, session: Session, chain: str, wanted: dict[str, int]) -> dict:
    if chain != AUDIT_CHAIN or not wanted:
        return {}
    rows = session.execute(select(AuditEntry.chain, AuditEntry.hash)
                           .where(tuple_(AuditEntry.chain, AuditEntry.seq).in_(list(wanted.items()))))
    return dict(rows.all())
