"""Keyed hash chains and their anchors outside the database (防篡改).

Every chain of the app (the audit log, each institution's vouchers) is hashed with an HMAC-SHA256 whose key
lives outside the database — ``ERP_CHAIN_KEY``, else the file ``instance/chain_key`` (created once, readable
by its owner only). Someone who can write to the database but does not hold the key cannot re-hash a
rewritten record so that verification passes.

An anchor (检查点) records every chain's head — its length and last hash — signed with the same key, as one
line appended to ``instance/checkpoints.jsonl`` (``ERP_CHECKPOINT_FILE``), each line linked to the one
before. A period close and every ``erp audit verify`` write one. Verification checks that each recorded head
is still in its chain: whoever rewrote history and re-hashed everything after it with the key would still
have to rewrite every anchor, which live in a file the database cannot reach (copy it off the machine, print
it: the trial balance shows the anchor digest of its period). Chains are contributed by modules through the
``chain_heads`` and ``chain_links`` signals (core's audit log through ``erp.core.audit``'s receivers).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from erp.core import signals
from erp.core.config import CHAIN_KEY_FILE, create_secret_key_file, read_chain_key
from erp.core.timeutil import utcnow

_process_key: dict[str, bytes] = {}


def _key() -> bytes:
    """The app's key; outside an app context (a worker thread with a session of its own) the key the process
    last used, else the configured one."""
    if not has_app_context():
        if "key" not in _process_key:
            configured = read_chain_key()
            if configured is None:
                raise RuntimeError("no chain key: set ERP_CHAIN_KEY or run inside the app")
            _process_key["key"] = configured.encode()
        return _process_key["key"]
    config = current_app.config
    if not config.get("CHAIN_KEY"):
        create_secret_key_file(CHAIN_KEY_FILE)  # a new installation: a random key, kept from now on
        config["CHAIN_KEY"] = read_chain_key(CHAIN_KEY_FILE)
    _process_key["key"] = config["CHAIN_KEY"].encode()
    return _process_key["key"]


def digest(canonical: str) -> str:
    """The keyed hash of a record's canonical text (hex)."""
    return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# ---- anchors ------------------------------------------------------------------------------------------


def _checkpoint_file() -> Path:
    return Path(current_app.config["CHECKPOINT_FILE"])


def current_heads(session: Session) -> dict[str, dict[str, list]]:
    """Every chain's head: ``{chain: {key: [seq, hash]}}`` (the audit log's key is ``all``; the ledger's are
    institution ids)."""
    heads = {}
    for _receiver, contributed in signals.collect(signals.chain_heads, session=session):
        heads.update(contributed)
    return heads


def database_name(session: Session) -> str:
    """Which database an anchor is of (its URL without the password): one file may hold the anchors of
    several (a test or benchmark database beside the real one); each is verified against its own."""
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _signed(record: dict) -> str:
    return digest(canonical_json({k: v for k, v in record.items() if k != "signature"}))


def read_checkpoints(path: Path | None = None) -> list[dict]:
    path = path or _checkpoint_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _last_checkpoint(path: Path) -> dict | None:
    """The file's last line, read from its end (the file only grows)."""
    if not path.exists():
        return None
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        window = 1 << 16
        while True:
            file.seek(max(0, size - window))
            lines = file.read().rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or window >= size:
                return json.loads(lines[-1]) if lines[-1].strip() else None
            window *= 4


def write_checkpoint(session: Session, reason: str, **context) -> dict:
    """Append a signed anchor of every chain's head (what the database holds now: call it after commit)."""
    path = _checkpoint_file()
    last = _last_checkpoint(path)
    record = {"at": utcnow().isoformat(), "database": database_name(session), "reason": reason, **context,
              "heads": current_heads(session),
              "previous": last["signature"] if last else None}
    record["signature"] = _signed(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as file:
        file.write(canonical_json(record) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return record


def write_checkpoint_after_commit(session: Session, reason: str, **context) -> None:
    """Anchor the heads once the current transaction has committed (a rolled-back close anchors nothing)."""
    target = session() if callable(session) and not isinstance(session, Session) else session

    def anchor(committed: Session) -> None:
        with Session(bind=committed.get_bind()) as fresh:
            write_checkpoint(fresh, reason, **context)

    event.listen(target, "after_commit", anchor, once=True)


def on_period_closed(sender, session, institution_id: int, year: int, month: int) -> None:
    """The ``period_closed`` hook: every period close leaves an anchor."""
    write_checkpoint_after_commit(session, "period_closed", institution_id=institution_id, period=f"{year}-{month:02d}")


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    message: str


def verify_checkpoints(session: Session, path: Path | None = None) -> list[AnchorProblem]:
    """Each anchor must be signed with the key and linked to the one before, and every head it records must
    still be in its chain with the same hash (history after an anchor may grow, never change)."""
    problems = []
    previous, database = None, database_name(session)
    for number, record in enumerate(read_checkpoints(path), start=1):
        if not hmac.compare_digest(_signed(record), record.get("signature", "")):
            problems.append(AnchorProblem(number, "检查点签名不符 (anchor signature does not match: file altered)"))
        if record.get("previous") != previous:
            problems.append(AnchorProblem(number, "检查点链接断开 (anchor does not follow the one before)"))
        previous = record.get("signature")
        if record.get("database") != database:
            continue
        for chain, heads in record.get("heads", {}).items():
            wanted = {key: seq_hash[0] for key, seq_hash in heads.items() if seq_hash[0]}
            found = {}
            for _receiver, links in signals.collect(signals.chain_links, session=session, chain=chain, wanted=wanted):
                found.update(links)
            for key, (seq, recorded) in heads.items():
                if seq and found.get(key) != recorded:
                    problems.append(AnchorProblem(number, f"{chain} {key}: 第 {seq} 条与检查点不符 "
                                                          f"(record #{seq} differs from the anchor of {record['at']})"))
    return problems


def period_anchor(institution_id: int, period: str) -> str | None:
    """The printed digest of the latest anchor written when an institution closed a month (``YYYY-MM``) of
    this database, or None while the month is open (a statement of a closed month carries it, so that an
    auditor holding the print can later prove the history it shows was kept)."""
    from erp.core.extensions import db

    database = db.engine.url.render_as_string(hide_password=True)
    found = None
    for record in read_checkpoints():
        if (record.get("reason") == "period_closed" and record.get("institution_id") == institution_id
                and record.get("period") == period and record.get("database") == database):
            found = record
    return anchor_digest(found) if found else None


def anchor_digest(record: dict) -> str:
    """The short form printed on statements: the anchor's signature in groups of four."""
    signature = record["signature"][:32]
    return " ".join(signature[i:i + 4] for i in range(0, len(signature), 4))
