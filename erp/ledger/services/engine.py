"""The posting engine: one planner for every voucher posted, whichever writer writes it.

``Ledger.post`` (one draft, written through the ORM) and ``Ledger.post_many`` (many vouchers, bulk
statements) run the same stages, in this order — which is also the order the locks are taken in:

1. :func:`admit` — the session may write, separation of duties (不相容岗位分离), the poster's scope;
2. :func:`lock_periods` — every (institution, month) open, its row locked shared;
3. :func:`complete` — balance checks and the 平行记账 budget lines (the lines themselves are validated by
   ``Ledger.lines``: leaf accounts, amounts, dimensions);
4. :func:`announce_before` — ``before_post`` (a receiver may refuse; nothing is written yet);
5. :func:`number_and_chain` — gapless number blocks, then the chain heads (in institution order), each
   voucher numbered, linked and hashed;
6. the writer writes the vouchers as posted; :func:`book` adds the kept balances; the audit entry is the
   ORM listener's (one voucher) or one deferred entry per voucher (bulk);
7. :func:`announce_after` — ``after_post``.

The stages take the ORM :class:`Voucher` or any record with its attributes (``batch_posting.PlannedVoucher``).
"""
from __future__ import annotations

import enum
import operator
from collections import Counter
from decimal import Decimal
from typing import Callable

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from erp.core import sequences, signals
from erp.core.chain import canonical_json, digest
from erp.core.dbutil import dialect_insert
from erp.core.errors import BusinessError, Forbidden
from erp.core.models import Community, Institution, User
from erp.core.scoping import OutOfScope, current_scope
from erp.core.security import scope_for
from erp.ledger.services import periods
from erp.ledger.models import (DIMENSIONS, Balance, Basis, LedgerChainHead, Period, PeriodState, Voucher,
                               VoucherKind)

ZERO = Decimal("0.00")
GENESIS = "0" * 64
VOUCHER_PREFIX = "记"
dimension_ids = operator.attrgetter(*(f"{d}_id" for d in DIMENSIONS))  # a line's dimension ids, in order
Refuse = Callable[[BusinessError, int], BusinessError]  # names the voucher of a batch in an error


def as_is(exc: BusinessError, index: int) -> BusinessError:
    return exc


# ---- 1. admission ------------------------------------------------------------------------------------


def admit(session: Session, institutions: list[Institution], kinds: set[VoucherKind], *, preparer_id: int | None,
          poster: User | None, actor: User | None) -> None:
    """The session may write; 不相容岗位分离: where the community separates duties, a normal voucher's poster is
    not its preparer; a poster other than the acting user (whose scope the session enforces) must belong to
    the community and have every institution in scope."""
    scope = current_scope(session)
    if scope is not None and scope.read_only:
        raise OutOfScope("your role is read-only")
    if poster is not None and preparer_id == poster.id and VoucherKind.NORMAL in kinds:
        for community_id in sorted({institution.community_id for institution in institutions}):
            if session.get(Community, community_id).separation_of_duties:
                raise Forbidden("制单人与记账人不能为同一人 (the poster must not be the preparer)")
    if poster is None or (actor is not None and poster.id == actor.id):
        return
    poster_scope = scope_for(session, poster)
    if not poster.active or poster_scope.read_only or any(
            not poster_scope.allows(i.id) or i.community_id != poster.community_id for i in institutions):
        raise Forbidden(f"记账人 {poster.username} 无权记账这些单位的凭证 (the poster may not post for these "
                        f"institutions)")


# ---- 2. periods --------------------------------------------------------------------------------------


def lock_periods(session: Session, vouchers, refuse: Refuse = as_is) -> None:
    """Every (institution, month) of the vouchers locked shared in one query; one that is missing or closed
    goes through periods.open_period_for for its error."""
    first: dict[tuple, tuple[int, object]] = {}
    for index, voucher in enumerate(vouchers):
        first.setdefault((voucher.institution_id, voucher.date.year, voucher.date.month), (index, voucher.date))
    statement = (select(Period).where(tuple_(Period.institution_id, Period.year, Period.month).in_(sorted(first)))
                 .order_by(Period.id).with_for_update(read=True).execution_options(populate_existing=True))
    found = {(period.institution_id, period.year, period.month): period for period in session.scalars(statement)}
    for key, (index, on) in first.items():
        period = found.get(key)
        if period is None or period.state is not PeriodState.OPEN:
            try:
                periods.open_period_for(session, key[0], on, lock=True)
            except BusinessError as exc:
                raise refuse(exc, index) from None


# ---- 3. the lines ------------------------------------------------------------------------------------


def check_balanced(lines, field_name: str, basis: Basis = Basis.FINANCIAL) -> None:
    debit = sum((l.debit for l in lines if l.basis is basis), ZERO)
    credit = sum((l.credit for l in lines if l.basis is basis), ZERO)
    if debit != credit:
        label = "财务会计" if basis is Basis.FINANCIAL else "预算会计"
        raise BusinessError.for_field(field_name, f"{label}借贷不平衡：借方 {debit}，贷方 {credit}，差额 "
                                                  f"{debit - credit} (debits and credits differ by "
                                                  f"{debit - credit})", "unbalanced")


def check_red_lines(kind: VoucherKind, lines, field_name: str = "lines") -> None:
    """A negative amount is only a 红字 line: every line of a reversal is red (one side, at most zero: it
    repeats the original's side), no other voucher carries one."""
    for index, line in enumerate(sorted(lines, key=lambda l: l.line_no)):
        red = line.debit < 0 or line.credit < 0
        if kind is VoucherKind.REVERSAL:
            ok = (line.debit <= 0 and line.credit <= 0) and ((line.debit < 0) != (line.credit < 0))
        else:
            ok = not red
        if not ok:
            raise BusinessError.for_field(f"{field_name}[{index}].debit", "负数金额只能出现在红字冲销凭证中，且每行"
                                                                           "只有一方 (negative amounts only on the "
                                                                           "lines of a 红字 reversal, one side each)",
                                          "red_line")


def complete(ledger, institution: Institution, kind: VoucherKind, lines, memo: str) -> list:
    """Check the balance and return the 平行记账 budget lines a normal voucher adds (checked too)."""
    check_red_lines(kind, lines)
    check_balanced(lines, "lines")
    if kind is not VoucherKind.NORMAL:
        return []
    budget = ledger.parallel_lines(institution, lines, memo)
    if budget:
        check_balanced([*lines, *budget], "lines", Basis.BUDGET)
    return budget


# ---- 4. and 7. the hooks -----------------------------------------------------------------------------


def announce_before(session: Session, vouchers, source) -> None:
    """``before_post`` for each voucher about to be posted (a receiver refuses by raising)."""
    if signals.before_post.receivers:
        for voucher in vouchers:
            signals.send(signals.before_post, session=session, voucher=voucher, source=source)


def announce_after(session: Session, voucher_ids: list[int], source) -> None:
    """``after_post`` with each posted :class:`Voucher` (loaded only when someone listens)."""
    if signals.after_post.receivers:
        for voucher_id in voucher_ids:
            signals.send(signals.after_post, session=session, voucher=session.get(Voucher, voucher_id),
                         source=source)


# ---- 5. numbers and the hash chain -------------------------------------------------------------------


def number_and_chain(session: Session, vouchers) -> None:
    """One block of gapless numbers per (institution, year, month), then the chain heads locked in
    institution order; each voucher numbered (in order), linked and hashed, with no query in between (so
    that an ORM voucher is written once, as posted). The heads are moved once, by the next flush."""
    counts = Counter((v.institution_id, v.year, v.month) for v in vouchers)
    following = {key: sequences.reserve(session, key[0], "voucher", key[1], key[2], count)
                 for key, count in sorted(counts.items())}
    heads = lock_chain_heads(session, {v.institution_id for v in vouchers})
    for voucher in vouchers:
        key = (voucher.institution_id, voucher.year, voucher.month)
        voucher.number = sequences.format_number(VOUCHER_PREFIX, voucher.year, voucher.month, following[key])
        following[key] += 1
        head = heads[voucher.institution_id]
        voucher.chain_seq, voucher.prev_hash = head.seq + 1, head.hash
        voucher.hash = voucher_hash(voucher)
        head.seq, head.hash = voucher.chain_seq, voucher.hash


def lock_chain_heads(session: Session, institution_ids) -> dict[int, LedgerChainHead]:
    """The institutions' hash-chain heads, row-locked until commit in institution order (posting is serialised
    per institution); a missing head starts at the genesis hash. Re-read even if loaded (populate_existing)."""
    ids = sorted(set(institution_ids))
    query = (select(LedgerChainHead).where(LedgerChainHead.institution_id.in_(ids))
             .order_by(LedgerChainHead.institution_id).with_for_update().execution_options(populate_existing=True))
    heads = {head.institution_id: head for head in session.scalars(query)}
    missing = [institution_id for institution_id in ids if institution_id not in heads]
    if missing:
        session.execute(dialect_insert(session)(LedgerChainHead.__table__).on_conflict_do_nothing(),
                        [{"institution_id": institution_id, "seq": 0, "hash": GENESIS} for institution_id in missing])
        heads.update((head.institution_id, head) for head in session.scalars(
            query.where(LedgerChainHead.institution_id.in_(missing))))
    return heads


def _value(item):
    return item.value if isinstance(item, enum.Enum) else item


def voucher_hash(voucher) -> str:
    """SHA-256 over the voucher's content and the previous hash of its institution's chain.

    ``voucher`` is an ORM :class:`Voucher` or any record with the same attributes (kind and basis as enums
    or their values) whose ``lines`` are VoucherLine objects or ``PostingLine`` records. The source document,
    the template version and the people (制单, 审核, 记账, 出纳) are covered when present (a voucher posted
    before they existed keeps the content it was hashed with)."""
    content = {
        "institution": voucher.institution_id, "seq": voucher.chain_seq, "prev": voucher.prev_hash,
        "number": voucher.number, "date": voucher.date.isoformat(), "period": [voucher.year, voucher.month],
        "kind": _value(voucher.kind), "memo": voucher.memo, "attachments": voucher.attachment_count,
        "reversal_of": voucher.reversal_of_id, "internal_ref": voucher.internal_ref,
        # a line's 现金流量项目 is covered when given (lines hashed before it existed keep their content)
        "lines": [[l.line_no, l.account_id, _value(l.basis), str(l.debit), str(l.credit), *dimension_ids(l),
                   l.memo, l.generated, *([l.cash_flow_item] if l.cash_flow_item else [])]
                  for l in sorted(voucher.lines, key=lambda l: l.line_no)],
    }
    if voucher.source_module is not None:
        content["source"] = [voucher.source_module, voucher.source_kind, voucher.source_key, voucher.source_label,
                             voucher.source_url]
    if voucher.template_version is not None:
        content["template"] = voucher.template_version
    if voucher.reviewer_id is not None:  # 制单, 审核, 记账, 出纳: recorded since the review step exists
        content["people"] = [voucher.preparer_id, voucher.reviewer_id, voucher.poster_id, voucher.cashier_id]
    return digest(canonical_json(content))


# ---- 6. the kept balances ----------------------------------------------------------------------------


def balances_kept_by_database(session: Session) -> bool:
    """Whether the database keeps the balances itself: on PostgreSQL a trigger adds a voucher's lines when it
    turns posted and ``ledger_bring_forward`` writes month 0, both as the tables' owner, so the application's
    role cannot write a balance (ledger migration 3b1aad68db6f). SQLite has no roles to keep anyone out,
    so there these functions write them; ``erp ledger check`` holds both to the same rule."""
    return session.get_bind().dialect.name == "postgresql"


def book(session: Session, vouchers) -> None:
    """Add the vouchers' lines to the kept balances: one aggregated upsert (the database's trigger does it
    on PostgreSQL when the vouchers are written as posted)."""
    if balances_kept_by_database(session):
        return
    sums: dict[tuple, list] = {}
    for voucher in vouchers:
        add_to_balance_sums(sums, voucher.institution_id, voucher.year, voucher.month, voucher.lines)
    upsert_balances(session, sums)


def add_to_balance_sums(sums: dict, institution_id: int, year: int, month: int, lines) -> None:
    """Accumulate lines into ``sums[(institution, year, month, account, *dimensions)] = [debit, credit]``."""
    for line in lines:
        key = (institution_id, year, month, line.account_id, *[value or 0 for value in dimension_ids(line)])
        pair = sums.get(key)
        if pair is None:
            sums[key] = [line.debit, line.credit]
        else:
            pair[0] += line.debit
            pair[1] += line.credit


def upsert_balances(session: Session, sums: dict) -> None:
    """Add the sums to the kept balances: one upsert statement, one row per distinct key, in key order
    (so that concurrent writers take the row locks in the same order)."""
    if not sums:
        return
    rows = [{"institution_id": key[0], "year": key[1], "month": key[2], "account_id": key[3],
             **{f"{d}_id": value for d, value in zip(DIMENSIONS, key[4:])}, "debit": debit, "credit": credit}
            for key, (debit, credit) in sorted(sums.items())]
    table = Balance.__table__  # a Core statement: no ORM bulk-insert bookkeeping per row
    insert = dialect_insert(session)(table)
    statement = insert.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"debit": table.c.debit + insert.excluded.debit, "credit": table.c.credit + insert.excluded.credit})
    session.execute(statement, rows)


def apply_balances(session: Session, institution_id: int, year: int, month: int, lines) -> None:
    """Add lines to the kept balances: one upsert per distinct (account, dimensions)."""
    sums: dict[tuple, list[Decimal]] = {}
    add_to_balance_sums(sums, institution_id, year, month, lines)
    upsert_balances(session, sums)
