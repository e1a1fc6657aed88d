"""What every race shares: five clients released together on one document, and the ledger's integrity checks
that a document's postings left the books whole."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from erp.core.extensions import db

THREADS = 5


@dataclass
class Race:
    """``THREADS`` clients of ``role`` send ``method path body`` at once: one answers ``ok``, the rest 409
    (or ``losers``); then ``check()`` proves the document changed once."""

    role: str
    path: str
    body: dict | None = None
    ok: int = 200
    method: str = "POST"
    losers: tuple[int, ...] = (409,)
    check: Callable[[], None] | None = None
    extra: dict = field(default_factory=dict)


def race(api, spec: Race) -> list[tuple[int, str | None]]:
    """Send the requests from threads released together; their (status, error code), sorted."""
    clients = [api(spec.role) for _ in range(THREADS)]  # signed in first: the race is the action alone
    barrier, results, errors = threading.Barrier(THREADS), [], []

    def run(client):
        try:
            barrier.wait(timeout=60)
            response = client.open(spec.path, method=spec.method, json=spec.body)
            body = response.json if isinstance(response.json, dict) else {}
            results.append((response.status_code, (body.get("error") or {}).get("code")))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS, "a request hung (deadlock?)"
    return sorted(results, key=lambda r: r[0])


def chains_hold():
    """The vouchers' hash chains and the kept balances agree with the posted lines."""
    from erp.ledger.services.integrity import check_balances, verify_chains

    db.session.expire_all()
    assert verify_chains(db.session) == [] and check_balances(db.session) == []
