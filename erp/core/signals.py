"""Hooks between modules: the core's blinker signals, as Flask keeps its own in ``flask.signals``.

A module subscribes through its manifest (``hooks={"before_post": "erp.budget.listeners:check"}``); the app
factory connects each receiver for that app only, so a module that an app does not enable never hears its
signals. Senders call :func:`send`; receivers get the sending app and the keyword arguments below.

- ``institution_created(session, institution)`` — a member institution was added (inside the creating
  transaction): the ledger opens its year and creates its member partner here.
- ``before_post(session, voucher, source)`` — a voucher is about to be posted (same transaction); a receiver
  refuses by raising a :class:`erp.core.errors.BusinessError` (budget control checks commitments here).
  Sent by the ledger's posting engine for every voucher, whichever writer posts it, once its lines (平行记账
  included) are complete and before anything is written: ``voucher`` has the attributes of the ledger's
  ``Voucher`` (institution_id, date, year, month, kind, memo, lines with account, debit, credit and
  dimension ids) but no number yet — the draft itself, or the bulk writer's planned record.
- ``after_post(session, voucher, source)`` — a voucher was posted (same transaction, before commit);
  ``voucher`` is the posted ``Voucher``.
- ``period_closed(session, institution_id, year, month)`` — an accounting period was closed.
- ``chain_heads(session)`` — a module with hash chains returns ``{chain: {key: [seq, hash]}}``, the heads an
  anchor records (``erp.core.chain``); ``chain_links(session, chain, wanted)`` returns ``{key: hash}`` of the
  records at the positions ``wanted = {key: seq}`` of its own ``chain`` (``{}`` for another module's chain).

``source`` names the document a voucher is posted from (the ledger's document door), or is ``None`` for a
voucher entered by hand.
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app, has_app_context

erp_signals = Namespace()

institution_created = erp_signals.signal("institution_created")
before_post = erp_signals.signal("before_post")
after_post = erp_signals.signal("after_post")
period_closed = erp_signals.signal("period_closed")
chain_heads = erp_signals.signal("chain_heads")
chain_links = erp_signals.signal("chain_links")

SIGNALS = {signal.name: signal for signal in (institution_created, before_post, after_post, period_closed,
                                              chain_heads, chain_links)}


def send(signal, **kwargs) -> None:
    """Send ``signal`` on behalf of the current app (receivers are connected per app)."""
    if not signal.receivers:
        return
    sender = current_app._get_current_object() if has_app_context() else None
    signal.send(sender, **kwargs)


def collect(signal, **kwargs) -> list[tuple]:
    """Send ``signal`` like :func:`send` and return the receivers' answers as ``(receiver, result)`` pairs."""
    if not signal.receivers:
        return []
    sender = current_app._get_current_object() if has_app_context() else None
    return signal.send(sender, **kwargs)


def connect_hooks(app, hooks: dict[str, str | tuple[str, ...]], resolve) -> None:
    """Connect a manifest's ``hooks`` (signal name → receiver path or paths) for ``app``."""
    for name, paths in hooks.items():
        if name not in SIGNALS:
            raise KeyError(f"unknown signal {name!r} in a manifest's hooks (known: {', '.join(SIGNALS)})")
        for path in (paths,) if isinstance(paths, str) else paths:
            SIGNALS[name].connect(resolve(path), sender=app, weak=False)
