"""Integrity checks an auditor runs: voucher hash chains and kept balances against the lines."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from erp.ledger.models import (CARRIED_CATEGORIES, DIMENSION_COLUMNS, DIMENSIONS, Account, Balance, LedgerChainHead,
                               Voucher, VoucherLine, VoucherState)
from erp.ledger.services.engine import GENESIS, ZERO, voucher_hash



def verify_chains(session: Session) -> list[str]:
    """One message per institution whose chain is broken, naming the first voucher that does not match."""
    problems = []
    heads = {h.institution_id: h for h in session.scalars(select(LedgerChainHead))}
    institutions = set(heads) | set(session.scalars(select(Voucher.institution_id).where(
        Voucher.state == VoucherState.POSTED).distinct()))
    for institution_id in sorted(institutions):
        expected_seq, prev = 0, GENESIS
        vouchers = session.scalars(select(Voucher).where(Voucher.institution_id == institution_id,
                                                         Voucher.state == VoucherState.POSTED)
                                   .order_by(Voucher.chain_seq).options(selectinload(Voucher.lines))
                                   .execution_options(yield_per=500))
        broken = None
        for voucher in vouchers:
            expected_seq += 1
            if voucher.chain_seq != expected_seq:
                broken = f"voucher {voucher.number}: chain position {voucher.chain_seq}, expected {expected_seq}"
            elif voucher.prev_hash != prev:
                broken = f"voucher {voucher.number}: link to the previous voucher does not match"
            elif voucher_hash(voucher) != voucher.hash:
                broken = f"voucher {voucher.number}: content does not match its hash (altered)"
            if broken:
                break
            prev = voucher.hash
        head = heads.get(institution_id)
        if broken is None and head is not None and (head.seq, head.hash) != (expected_seq, prev):
            broken = f"after voucher #{expected_seq}: the chain head records {head.seq} vouchers (some removed)"
        if broken:
            problems.append(f"institution {institution_id}: {broken}")
        session.expunge_all()
    return problems


def _line_sums(session: Session) -> dict[tuple, list[Decimal]]:
    dims = [func.coalesce(getattr(VoucherLine, c), 0) for c in DIMENSION_COLUMNS]
    statement = (select(VoucherLine.institution_id, VoucherLine.account_id, Voucher.year, Voucher.month, *dims,
                        func.sum(VoucherLine.debit), func.sum(VoucherLine.credit))
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(Voucher.state == VoucherState.POSTED)
                 .group_by(VoucherLine.institution_id, VoucherLine.account_id, Voucher.year, Voucher.month, *dims))
    return {tuple(row[:-2]): [row[-2], row[-1]] for row in session.execute(statement)}


def check_balances(session: Session) -> list[str]:
    """Recompute every kept balance from the posted lines (and brought-forward rows from the year before)."""
    expected = _line_sums(session)
    stored = {(b.institution_id, b.account_id, b.year, b.month, *[getattr(b, c) for c in DIMENSION_COLUMNS]):
              [b.debit, b.credit] for b in session.scalars(select(Balance))}
    carried = set(session.scalars(select(Account.id).where(Account.category.in_(CARRIED_CATEGORIES))))
    closing: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for source in (expected, {k: v for k, v in stored.items() if k[3] == 0}):
        for (institution_id, account_id, year, month, *dims), (debit, credit) in source.items():
            if account_id in carried:
                closing[(institution_id, account_id, year + 1, 0, *dims)] += debit - credit
    years_brought_forward = {(k[0], k[2]) for k in stored if k[3] == 0}
    for key, net in closing.items():
        if (key[0], key[2]) in years_brought_forward and net:
            expected[key] = [net if net > 0 else ZERO, -net if net < 0 else ZERO]
    differences = []
    for key in sorted(set(expected) | set(stored)):
        want = expected.get(key, [ZERO, ZERO])
        have = stored.get(key, [ZERO, ZERO])
        if key[3] == 0 and (key[0], key[2]) not in years_brought_forward:
            continue
        if key[3] == 0:
            want_net, have_net = want[0] - want[1], have[0] - have[1]
            if want_net != have_net:
                differences.append(f"{_label(key)} brought forward {have_net}, expected {want_net}")
        elif list(want) != list(have):
            differences.append(f"{_label(key)} kept debit/credit {have[0]}/{have[1]}, lines give {want[0]}/{want[1]}")
    return differences


def _label(key: tuple) -> str:
    institution_id, account_id, year, month, *dims = key
    dimensions = ",".join(f"{d}={v}" for d, v in zip(DIMENSIONS, dims) if v)
    return f"institution {institution_id} account {account_id} {year}-{month:02d}" + (f" [{dimensions}]" if dimensions else "")
