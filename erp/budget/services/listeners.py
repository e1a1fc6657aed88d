"""The ledger's posting hooks: every posted voucher's budget-expenditure lines (7xxx, the 平行记账 side) become
actual spending on the budget line they hit, in the posting's transaction.

``before_post`` (nothing of the voucher written yet): per (account, department, funding source) the net debit
of the voucher's 7xxx lines; the line is locked; an open commitment of the voucher's own document (the same
source, e.g. handed over by :func:`erp.budget.services.consume`) is consumed first, and only the rest is
checked — so a committed purchase is never counted twice; a Stop line refuses the posting (409
``budget_exceeded``), a Warn line records its warning. A reversal (红字, net credit) gives the actual back. The
funding source's position is checked too (spending cannot exceed what the source gave the institution).
``after_post`` names the posted voucher on the entries (a voucher has no id or number before).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy.orm import Session

from erp.ledger.services import Account
from erp.budget.models import ZERO, BudgetEntry, EntryKind, EntryState
from erp.budget.services import control, funds

PENDING = "budget_pending_entries"
SPENDING_KINDS = ("normal", "reversal")


class HandVoucher:
    """The source of a voucher entered by hand, until it has its number."""

    module, kind, url = "ledger", "voucher", None

    def __init__(self, memo: str):
        self.key, self.label = "pending", (memo or "手工凭证")[:64]


def _value(item):
    return getattr(item, "value", item)


def expenditure_totals(session: Session, voucher) -> dict[tuple, Decimal]:
    """Net debit per (account code, department id, funding source id) of the voucher's 7xxx budget lines."""
    totals: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for line in voucher.lines:
        if _value(line.basis) != "budget":
            continue
        account = getattr(line, "account", None) or session.get(Account, line.account_id)
        if account.category != "budget_expenditure":
            continue
        totals[(account.code, line.department_id, line.funding_source_id)] += line.debit - line.credit
    return {key: net for key, net in totals.items() if net}


def _queue(session: Session) -> list:
    """This transaction's entries waiting for their voucher (one list per voucher, in posting order); a queue
    left by a transaction that ended (a posting refused after before_post) is dropped."""
    real = session() if callable(session) else session  # db.session is a scoped_session proxy
    transaction = real.get_transaction()
    held = session.info.get(PENDING)
    if held is None or held[0] is not transaction:
        held = session.info[PENDING] = (transaction, [])
    return held[1]


def on_before_post(sender, session: Session, voucher, source, **kwargs) -> None:
    entries: list[BudgetEntry] = []
    _queue(session).append(entries)
    if _value(voucher.kind) not in SPENDING_KINDS:
        return  # 年终结转 closes the 7xxx accounts and 期初建账 opens balances: neither is spending
    totals = expenditure_totals(session, voucher)
    if not totals:
        return
    document = source or HandVoucher(voucher.memo)
    user_id = control.acting_user_id(session, None)
    spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (_, _, funding_source_id), net in totals.items():
        if funding_source_id is not None:
            spent[funding_source_id] += net
    for funding_source_id in sorted(spent):  # the positions, then the lines, each in id order: no deadlock
        funds.spend(session, voucher.institution_id, funding_source_id, spent[funding_source_id])
    hits = []
    for (code, department_id, funding_source_id), net in totals.items():
        where = control.Target(voucher.institution_id, voucher.year, voucher.month, code, department_id,
                               funding_source_id)
        line = control.find_line(session, where, lock=False)
        if line is not None:
            hits.append((line.id, net))
    lines = {line_id: control.lock_line(session, line_id) for line_id in sorted({line_id for line_id, _ in hits})}
    for line_id, net in hits:
        entries.append(_post_actual(session, lines[line_id], net, voucher, source, document, user_id))
    session.flush()


def _post_actual(session: Session, line, net: Decimal, voucher, source, document, user_id) -> BudgetEntry:
    covered = ZERO
    if net > 0 and source is not None:
        for commitment in control.open_commitments_on(session, line, source):
            part = min(commitment.open_amount, net - covered)
            if part <= 0:
                break
            commitment.open_amount -= part
            if commitment.open_amount == 0:
                commitment.state = EntryState.CONSUMED
            covered += part
        line.committed -= covered
    if net - covered > 0:
        control.enforce(session, control.judge(line, net - covered, voucher.month), user_id=user_id,
                        reason=f"凭证记账：{voucher.memo}"[:512], source_label=document.label, year=voucher.year)
    line.actual += net
    entry = BudgetEntry(institution_id=line.institution_id, line_id=line.id, kind=EntryKind.ACTUAL,
                        state=EntryState.POSTED, amount=net, open_amount=ZERO, date=voucher.date,
                        month=voucher.month, user_id=user_id, **control.source_fields(document))
    session.add(entry)
    return entry


def on_after_post(sender, session: Session, voucher, source, **kwargs) -> None:
    queue = _queue(session)
    if not queue:
        return
    for entry in queue.pop(0):
        entry.voucher_id, entry.voucher_number = voucher.id, voucher.number
        if source is None:
            entry.source_key, entry.source_label = str(voucher.id), voucher.number
            entry.source_url = f"/ledger/vouchers/{voucher.id}"
    session.flush()
