"""``Ledger.post_many``: create and post many vouchers in one transaction with bulk statements.

The bulk writer behind the posting engine (:mod:`erp.ledger.services.engine`): every rule is the engine's or
``Ledger``'s line rules, run on plain records; only what the one-voucher path gets from session events that
Core statements bypass is done here explicitly (institution scoping, the audit log):

1. validate everything first — institutions in scope, the engine's admission (separation of duties, the
   poster), accounts, amounts, dimensions, balance, the generated budget lines, the open periods (row
   locked shared), ``before_post`` — so that a bad voucher anywhere refuses the whole batch before anything
   is written; errors name the voucher (``vouchers[12].lines[1].account``);
2. the engine numbers (a block per institution-month), chains and hashes every voucher in input order;
3. write: the vouchers, complete but still
   drafts (the PostgreSQL trigger refuses lines for a posted voucher) — COPY with ids drawn from their
   sequence on PostgreSQL, INSERT … RETURNING elsewhere —, their lines (COPY on PostgreSQL, executemany
   elsewhere), one UPDATE to ``posted``, one aggregated balance upsert, the chain heads once, and one
   audit entry per voucher (``erp.core.audit.defer``, chained at commit).

The caller commits (or rolls back on an error).
"""
from __future__ import annotations

import operator
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Integer, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from erp.core import audit
from erp.core.errors import BusinessError
from erp.core.models import Institution, User
from erp.core.money import Money
from erp.core.scoping import OutOfScope, current_scope
from erp.core.timeutil import utcnow
from erp.ledger.services import engine
from erp.ledger.services.chart import visible_accounts
from erp.ledger.models import DIMENSIONS, SOURCE_COLUMNS, Account, Voucher, VoucherKind, VoucherLine, VoucherState
from erp.ledger.services.inputs import DIMENSION_MODELS, INSTITUTION_DIMENSIONS, PostingLine, VoucherInput

if TYPE_CHECKING:  # the Ledger calls this module (Ledger.post_many), never the other way round
    from erp.ledger.services.posting import Ledger

LINE_COLUMNS = ("voucher_id", "institution_id", "line_no", "account_id", "basis", "debit", "credit",
                *(f"{d}_id" for d in DIMENSIONS), "memo", "generated", "cash_flow_item")
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
SQLITE_CHUNK = 500  # ids per UPDATE … IN (…) on SQLite (bound-parameter limit)


@dataclass(slots=True)
class PlannedVoucher:
    """A validated voucher of the batch: the attributes :func:`voucher_hash` reads, plus the lines."""

    institution_id: int
    date: date
    year: int
    month: int
    memo: str
    attachment_count: int
    internal_ref: str | None
    lines: list[PostingLine]
    kind: VoucherKind = VoucherKind.NORMAL
    reversal_of_id: int | None = None
    number: str | None = None
    chain_seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    id: int | None = None
    source_module: str | None = None
    source_kind: str | None = None
    source_key: str | None = None
    source_label: str | None = None
    source_url: str | None = None
    template_version: str | None = None
    preparer_id: int | None = None  # 制单, 审核, 记账, 出纳: hashed with the content
    reviewer_id: int | None = None
    poster_id: int | None = None
    cashier_id: int | None = None


def post_many(ledger: Ledger, inputs: list[VoucherInput], poster: User | None = None, source=None,
              template_version: str | None = None, reviewer: User | None = None) -> list[int]:
    session = ledger.session
    if not inputs:
        return []
    if source is not None and len(inputs) != 1:
        raise ValueError("a document source names one voucher")
    session.flush()  # the caller's pending ORM work first: the Core statements below must follow it
    preparer = ledger.user
    poster = poster if poster is not None else preparer
    reviewer = reviewer if reviewer is not None else poster
    institutions = _institutions(ledger, inputs)
    engine.admit(session, list(institutions.values()), {VoucherKind.NORMAL},
                 preparer_id=preparer.id if preparer else None, poster=poster, actor=preparer)
    if reviewer is not poster:  # another reviewer: the same admission as a poster other than the acting user
        engine.admit(session, list(institutions.values()), {VoucherKind.NORMAL},
                     preparer_id=preparer.id if preparer else None, poster=reviewer, actor=preparer)
    _prefetch(ledger, inputs, institutions)
    planned = [_plan(ledger, index, data, institutions[data.institution]) for index, data in enumerate(inputs)]
    for voucher in planned:
        voucher.preparer_id, voucher.poster_id = (preparer.id if preparer else None), (poster.id if poster else None)
        voucher.reviewer_id = reviewer.id if reviewer else None
    if source is not None:
        planned[0].source_module, planned[0].source_kind, planned[0].source_key = source.module, source.kind, source.key
        planned[0].source_label, planned[0].source_url = source.label, source.url
        planned[0].template_version = template_version
    engine.lock_periods(session, planned, _refused)
    engine.announce_before(session, planned, source)
    engine.number_and_chain(session, planned)
    now = utcnow()
    _insert_vouchers(session, planned, now)
    _insert_lines(session, planned)
    ids = [voucher.id for voucher in planned]
    _mark_posted(session, ids)
    engine.book(session, planned)
    session.flush()  # the chain heads, once per institution
    audit.defer(session, [_audit_record(v) for v in planned])
    engine.announce_after(session, ids, source)
    return ids


# ---- validation -------------------------------------------------------------------------------------


def _refused(exc: BusinessError, index: int) -> BusinessError:
    """The same error, its fields and message naming the voucher of the batch."""
    return exc.within(f"vouchers[{index}]")


def _institutions(ledger: Ledger, inputs: list[VoucherInput]) -> dict[str, Institution]:
    """Every code in one query, with the one-voucher path's rules (the acting user's community,
    scope.require); a code not found goes through Ledger._institution for its error."""
    session, scope = ledger.session, current_scope(ledger.session)
    first: dict[str, int] = {}
    for index, data in enumerate(inputs):
        first.setdefault(data.institution, index)
    found = {institution.code: institution for institution in session.scalars(select(Institution).where(
        Institution.community_id == ledger.community_id, Institution.code.in_(list(first))))}
    for code, index in first.items():
        try:
            if code not in found:
                found[code] = ledger._institution(code)
            elif scope is not None:
                scope.require(found[code].id)
        except BusinessError as exc:
            raise _refused(exc, index) from None
        except OutOfScope as exc:
            raise OutOfScope(f"vouchers[{index}]: {exc}") from None
    return found


def _plan(ledger: Ledger, index: int, data: VoucherInput, institution: Institution) -> PlannedVoucher:
    """create_draft's line rules and the engine's balance and 平行记账 stage, on plain records."""
    memo = data.memo or ""
    try:
        lines = ledger._lines(institution, data.lines)
        lines.extend(engine.complete(ledger, institution, VoucherKind.NORMAL, lines, memo))
    except BusinessError as exc:
        raise _refused(exc, index) from None
    return PlannedVoucher(institution_id=institution.id, date=data.date, year=data.date.year, month=data.date.month,
                          memo=memo, attachment_count=data.attachment_count, internal_ref=data.internal_ref,
                          lines=lines)


def _prefetch(ledger: Ledger, inputs: list[VoucherInput], institutions: dict[str, Institution]) -> None:
    """Fill the Ledger's caches for the batch with a few queries instead of one or two per code, checked in
    this transaction (a Ledger kept across commits gets its entries re-validated). Only what passes the
    rules is cached: anything else is left to the one-voucher lookups, which refuse it with their message."""
    session = ledger.session
    budget_codes: set[str] = set()
    for community_id in {institution.community_id for institution in institutions.values()}:
        budget_codes |= {rule.budget_account_code for rule in ledger.budget_mapping(community_id, reload=True)}
    codes: dict[str, set[str]] = defaultdict(lambda: set(budget_codes))
    wanted: dict[str, set[tuple[int, str]]] = defaultdict(set)  # kind -> {(owner, code)}
    line_dimensions = operator.attrgetter(*DIMENSIONS)
    for data in inputs:
        institution = institutions[data.institution]
        owners = {kind: institution.id if kind in INSTITUTION_DIMENSIONS else institution.community_id
                  for kind in DIMENSIONS}
        for line in data.lines:
            codes[data.institution].add(line.account)
            for kind, code in zip(DIMENSIONS, line_dimensions(line)):
                if code:
                    wanted[kind].add((owners[kind], code))
    for institution_code, account_codes in codes.items():
        _prefetch_accounts(session, ledger.caches.accounts, institutions[institution_code], account_codes)
    for kind, pairs in wanted.items():  # one query per kind of dimension
        model = DIMENSION_MODELS[kind]
        owner_column = model.institution_id if kind in INSTITUTION_DIMENSIONS else model.community_id
        found = {(owner, code): found_id for owner, code, found_id in session.execute(
            select(owner_column, model.code, model.id).where(owner_column.in_({owner for owner, _ in pairs}),
                                                             model.code.in_({code for _, code in pairs})))}
        for owner, code in pairs:
            if (owner, code) in found:
                ledger.caches.dimensions[(kind, owner, code)] = found[(owner, code)]
            else:
                ledger.caches.dimensions.pop((kind, owner, code), None)


def _prefetch_accounts(session: Session, cache: dict, institution: Institution, codes: set[str]) -> None:
    """chart.account_for_posting for many codes at once: the visible account (the institution's own detail
    account before the community's), and a leaf for this institution."""
    statement = (visible_accounts(institution.community_id, institution).where(Account.code.in_(codes))
                 .order_by(Account.institution_id.desc().nulls_last()))
    chosen: dict[str, Account] = {}
    for account in session.scalars(statement):
        chosen.setdefault(account.code, account)
    own_parents = set(session.scalars(select(Account.parent_id).where(
        Account.parent_id.in_([a.id for a in chosen.values()]), Account.institution_id == institution.id)))
    for code in codes:
        account = chosen.get(code)
        if account is not None and not account.has_children and account.id not in own_parents:
            cache[(institution.id, code)] = account
        else:
            cache.pop((institution.id, code), None)


# ---- bulk writes --------------------------------------------------------------------------------------


def _insert_vouchers(session: Session, planned: list[PlannedVoucher], now) -> None:
    """Every column as posted except the state: the lines can only go in while it is still a draft.

    PostgreSQL: ids drawn from the column's own sequence in one query, then COPY (an INSERT … RETURNING of
    thousands of rows spends most of its time having psycopg parse the giant statement). Elsewhere: an
    INSERT … RETURNING the ids in parameter order (insertmanyvalues)."""
    table = Voucher.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids = connection.execute(select(func.nextval(func.pg_get_serial_sequence("voucher", "id")))
                                 .select_from(func.generate_series(1, len(planned)))).scalars().all()
        stamp = table.c.posted_at.type.process_bind_param(now, connection.dialect)
        columns = ("id", "institution_id", "year", "month", "date", "number", "state", "kind", "memo",
                   "attachment_count", "preparer_id", "poster_id", "posted_at", "internal_ref", "chain_seq",
                   "prev_hash", "hash", "created_at", *SOURCE_COLUMNS, "reviewer_id", "reviewed_at")
        with _copy(connection, "voucher", columns) as copy:
            for voucher, voucher_id in zip(planned, sorted(ids), strict=True):
                voucher.id = voucher_id
                copy.write_row((voucher_id, voucher.institution_id, voucher.year, voucher.month,
                                voucher.date, voucher.number, VoucherState.DRAFT.value, voucher.kind.value,
                                voucher.memo, voucher.attachment_count, voucher.preparer_id, voucher.poster_id,
                                stamp, voucher.internal_ref, voucher.chain_seq, voucher.prev_hash, voucher.hash,
                                stamp, *source_of(voucher), voucher.reviewer_id, stamp))
        return
    rows = [{"institution_id": v.institution_id, "year": v.year, "month": v.month, "date": v.date,
             "number": v.number, "state": VoucherState.DRAFT, "kind": v.kind, "memo": v.memo,
             "attachment_count": v.attachment_count, "preparer_id": v.preparer_id, "poster_id": v.poster_id,
             "reviewer_id": v.reviewer_id, "reviewed_at": now, "posted_at": now, "reversal_of_id": None, "internal_ref": v.internal_ref, "chain_seq": v.chain_seq,
             "prev_hash": v.prev_hash, "hash": v.hash, "created_at": now,
             **dict(zip(SOURCE_COLUMNS, source_of(v)))} for v in planned]
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    for voucher, voucher_id in zip(planned, result.scalars(), strict=True):
        voucher.id = voucher_id


source_of = operator.attrgetter(*SOURCE_COLUMNS)


@contextmanager
def _copy(connection, table: str, columns: tuple[str, ...]):
    """COPY … FROM STDIN on the session's own connection: same transaction, and the table's triggers and
    constraints apply as for INSERT."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        yield copy


def _insert_lines(session: Session, planned: list[PlannedVoucher]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_lines(connection, planned)
        return
    rows = [{"voucher_id": v.id, "institution_id": v.institution_id, "line_no": l.line_no,
             "account_id": l.account_id, "basis": l.basis, "debit": l.debit, "credit": l.credit,
             **{f"{d}_id": getattr(l, f"{d}_id") for d in DIMENSIONS}, "memo": l.memo, "generated": l.generated,
             "cash_flow_item": l.cash_flow_item}
            for v in planned for l in v.lines]
    session.execute(insert(VoucherLine.__table__), rows)


def _copy_lines(connection, planned: list[PlannedVoucher]) -> None:
    with _copy(connection, "voucher_line", LINE_COLUMNS) as copy:
        for v in planned:
            for l in v.lines:
                copy.write_row((v.id, v.institution_id, l.line_no, l.account_id, l.basis.value, fen_units(l.debit),
                                fen_units(l.credit), l.department_id, l.partner_id, l.funding_source_id, l.employee_id,
                                l.project_id, l.memo, l.generated, l.cash_flow_item))


def fen_units(amount: Decimal) -> int:
    """What the Money column stores (integer fen), exactly: refuses what it would refuse (checked by the
    tests against Money.process_bind_param) — it is only quicker for the two-place amounts posting makes."""
    scaled = amount.scaleb(2)
    units = int(scaled)
    if units != scaled or not _BIGINT_MIN <= units <= _BIGINT_MAX:
        return Money().process_bind_param(amount, None)  # raises the column type's own error
    return units


def _mark_posted(session: Session, ids: list[int]) -> None:
    table = Voucher.__table__
    posted = update(table).values(state=VoucherState.POSTED)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(posted.where(table.c.id == any_(bindparam("ids", type_=ARRAY(Integer)))), {"ids": ids})
        return
    for start in range(0, len(ids), SQLITE_CHUNK):
        session.execute(posted.where(table.c.id.in_(ids[start:start + SQLITE_CHUNK])))


def _audit_record(voucher: PlannedVoucher) -> dict:
    """What the audit listener would log for the posted voucher, in brief (Core inserts bypass it)."""
    return {"action": "create", "model": "Voucher", "record_id": str(voucher.id),
            "institution_id": voucher.institution_id, "before": None,
            "after": {"number": voucher.number, "state": VoucherState.POSTED.value,
                      "institution_id": voucher.institution_id, "lines": len(voucher.lines), "hash": voucher.hash}}
