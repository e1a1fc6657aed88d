"""预算控制, race-free: commitments (预占) and actuals against the budget line they hit.

    available = approved amount (or the phasing up to the month, for a ``ytd`` line) − open commitments − actuals

Every function here runs in the caller's transaction, next to the caller's own write (an approved purchase
order, a payroll run, a posted voucher). The budget line's row is locked first (``SELECT … FOR UPDATE``,
re-read), and its running totals are read and changed only under that lock: concurrent commitments against the
same line queue on the row, so the last remaining amount is given once and never overspent.

The public face (:mod:`erp.budget.services`) offers::

    reserve(session, institution, account, department, funding_source, amount, source, on=None, user=None, reason="")
    release(session, source, amount=None, user=None)
    consume(session, source, by, amount=None)
    check(session, institution, account, department, funding_source, amount, on=None)

``source`` is the ledger's ``DocumentSource`` or anything with ``module``, ``kind``, ``key``, ``label`` (and
``url``). A line's mode decides what happens when the amount asked exceeds what is available: ``stop`` refuses
(409 ``budget_exceeded`` naming the line, the amount asked and the amount available), ``warn`` lets it through
and records a :class:`BudgetWarning` (who and why), ``ignore`` lets it through.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from erp.core.errors import BusinessError, Conflict
from erp.core.models import Department, FundingSource, User
from erp.core.scoping import current_scope
from erp.core.timeutil import local_today
from erp.ledger.services import Account
from erp.budget.models import (ZERO, Budget, BudgetEntry, BudgetLine, BudgetState, BudgetWarning, Control,
                               EntryKind, EntryState)
from erp.budget.services.common import (account_lookup, department_id, department_lookup, expenditure_account,
                                        funding_source_id, funding_source_lookup, institution_of, is_expenditure,
                                        positive_amount)

LIVE_STATES = (BudgetState.APPROVED, BudgetState.EXECUTING)


@dataclass(frozen=True)
class CheckResult:
    """What a line would say to ``amount``: ``allowed`` False only for a Stop line that it exceeds."""

    line: BudgetLine | None
    amount: Decimal
    available: Decimal | None
    exceeded: bool
    allowed: bool

    @property
    def controlled(self) -> bool:
        return self.line is not None


@dataclass(frozen=True)
class Target:
    """The line key a commitment or a posting names, resolved to ids."""

    institution_id: int
    year: int
    month: int
    account_code: str
    department_id: int | None
    funding_source_id: int | None


def source_fields(source) -> dict:
    return {"source_module": source.module, "source_kind": source.kind, "source_key": str(source.key),
            "source_label": source.label, "source_url": getattr(source, "url", None)}


def target(session: Session, community_id: int, institution, account, department, funding_source,
           on: date | None = None, *, write: bool = False) -> Target:
    inst = institution_of(session, community_id, institution, write=write)
    on = on or local_today()
    code, dept_id, source_id = _resolve(session, inst, account, department, funding_source)
    return Target(inst.id, on.year, on.month, code, dept_id, source_id)


def _resolve(session: Session, inst, account, department, funding_source) -> tuple[str, int | None, int | None]:
    """The account's code and the department's and funding source's ids in one round trip (every reserve and
    check names them); anything unknown or not an expenditure account is re-looked-up by the helpers of
    :mod:`~erp.budget.services.common`, which raise the error naming the field."""
    dept_id, dept_code = _id_or_code(department, Department)
    source_id, source_code = _id_or_code(funding_source, FundingSource)
    row = session.execute(_resolving(), {
        "community_id": inst.community_id, "institution_id": inst.id, "account_code": str(account),
        "department_id": dept_id, "department_code": dept_code,
        "funding_source_id": source_id, "funding_source_code": source_code}).first()
    if row is None or not is_expenditure(row.basis, row.category):
        expenditure_account(session, inst, account)  # raises, naming the account
    dept_id, source_id = row[3], row[4]
    if dept_id is None and department not in (None, ""):
        department_id(session, inst, department)  # raises, naming the department
    if source_id is None and funding_source not in (None, ""):
        funding_source_id(session, inst.community_id, funding_source)  # raises, naming the funding source
    return row.code, dept_id, source_id


def _id_or_code(value, model) -> tuple[int | None, str | None]:
    """A department or funding source given as itself (its id) or by its code (looked up); none when absent."""
    if value in (None, ""):
        return None, None
    if isinstance(value, model):
        return value.id, None
    return None, str(value)


# Built once, with named parameters (see erp.budget.services.common): every check and commitment runs them.

@cache
def _resolving() -> Select:
    """The account's code, basis and category with the department's and funding source's ids: each the given
    id, else looked up by its code (NULL when neither is given or the code is unknown)."""
    dept = func.coalesce(bindparam("department_id", type_=Integer), department_lookup().scalar_subquery())
    source = func.coalesce(bindparam("funding_source_id", type_=Integer), funding_source_lookup().scalar_subquery())
    return account_lookup().with_only_columns(Account.code, Account.basis, Account.category, dept, source)


@cache
def _controlling_line(lock: bool) -> Select:
    statement = (select(BudgetLine)
                 .join(Budget, Budget.id == BudgetLine.budget_id)
                 .where(BudgetLine.institution_id == bindparam("institution_id"),
                        BudgetLine.year == bindparam("year"), Budget.state.in_(LIVE_STATES),
                        BudgetLine.account_code.in_(bindparam("prefixes", expanding=True)),
                        or_(BudgetLine.department_id.is_(None),
                            BudgetLine.department_id == bindparam("department_id", type_=Integer)),
                        or_(BudgetLine.funding_source_id.is_(None),
                            BudgetLine.funding_source_id == bindparam("funding_source_id", type_=Integer)))
                 .order_by(func.length(BudgetLine.account_code).desc(), BudgetLine.department_id.is_(None),
                           BudgetLine.funding_source_id.is_(None), BudgetLine.id)
                 .limit(1)
                 # the line's label names them: a refusal (409 naming the line) reads them while the row is locked
                 .options(joinedload(BudgetLine.account), joinedload(BudgetLine.department),
                          joinedload(BudgetLine.funding_source))
                 .execution_options(populate_existing=True))
    return statement.with_for_update(of=BudgetLine) if lock else statement


def find_line(session: Session, where: Target, *, lock: bool = True) -> BudgetLine | None:
    """The live line that controls ``where``: the longest account prefix, then a line naming the department,
    then one naming the funding source (a line without them covers every department / source). Locked and
    re-read when ``lock`` — found and locked in one statement: the key columns it orders by never change, so the
    row it waits for is still the best one once the lock is granted."""
    prefixes = [where.account_code[:n] for n in range(4, len(where.account_code) + 1)]
    return session.scalars(_controlling_line(lock), {
        "institution_id": where.institution_id, "year": where.year, "prefixes": prefixes,
        "department_id": where.department_id, "funding_source_id": where.funding_source_id}).first()


def lock_line(session: Session, line_id: int) -> BudgetLine:
    """The line's row, locked until commit and re-read. The audit chains' heads are locked only at commit,
    after every row lock (:func:`erp.core.audit.defer`), so no lock order with them is needed here."""
    statement = (select(BudgetLine).where(BudgetLine.id == line_id).with_for_update()
                 .execution_options(populate_existing=True))
    return session.scalars(statement).one()


def judge(line: BudgetLine | None, amount: Decimal, month: int) -> CheckResult:
    if line is None:
        return CheckResult(None, amount, None, False, True)
    available = line.available_in(month)
    exceeded = amount > available
    return CheckResult(line, amount, available, exceeded, not (exceeded and line.control is Control.STOP))


def exceeded_error(result: CheckResult) -> Conflict:
    line = result.line
    message = (f"预算不足：{line.label} 本次申请 {result.amount}，可用 {result.available} "
               f"(budget exceeded on line {line.id}: asked {result.amount}, available {result.available})")
    return Conflict(message, {"amount": [message], "line": [line.label], "available": [str(result.available)],
                              "asked": [str(result.amount)]}, code="budget_exceeded")


def enforce(session: Session, result: CheckResult, *, user_id: int | None, reason: str, source_label: str,
            year: int) -> BudgetWarning | None:
    """Refuse a Stop line's excess; record a Warn line's."""
    if not result.exceeded:
        return None
    if not result.allowed:
        raise exceeded_error(result)
    if result.line.control is not Control.WARN:
        return None
    warning = BudgetWarning(institution_id=result.line.institution_id, line_id=result.line.id, amount=result.amount,
                            available=result.available, reason=reason or "", source_label=source_label[:64],
                            user_id=user_id, year=year)
    session.add(warning)
    return warning


def acting_user_id(session: Session, user: User | None) -> int | None:
    if user is not None:
        return user.id
    return (session.info.get("actor") or {}).get("user_id")


def check(session: Session, institution, account, department, funding_source, amount, on: date | None = None,
          *, community_id: int | None = None) -> CheckResult:
    """What reserving ``amount`` would meet now (no lock, nothing written)."""
    where = target(session, _community(session, institution, community_id), institution, account, department,
                   funding_source, on)
    return judge(find_line(session, where, lock=False), positive_amount(amount), where.month)


def reserve(session: Session, institution, account, department, funding_source, amount, source, *,
            on: date | None = None, user: User | None = None, reason: str = "", community_id: int | None = None,
            required: bool = False) -> BudgetEntry | None:
    """预占: commit ``amount`` of the line that ``(institution, account, department, funding_source)`` hits, in
    the caller's transaction, for the document ``source``. Returns the open commitment, or None when no budget
    in force controls the spending (``required``: a 422 naming the account instead). A replay for the same
    source and line with the same amount returns the commitment made; another amount is refused (409
    ``commitment_exists``: release it first)."""
    amount = positive_amount(amount)
    where = target(session, _community(session, institution, community_id), institution, account, department,
                   funding_source, on, write=True)
    line = find_line(session, where)
    if line is None:
        if required:
            raise BusinessError.for_field("account", f"没有生效的预算指标控制科目 {where.account_code} "
                                                     f"(no budget line in force for this spending)", "no_budget_line")
        return None
    made = session.scalars(select(BudgetEntry).where(
        BudgetEntry.line_id == line.id, BudgetEntry.kind == EntryKind.COMMITMENT, BudgetEntry.state == EntryState.OPEN,
        *_same_source(source)).execution_options(populate_existing=True)).first()
    if made is not None:
        if made.amount == amount:
            return made
        raise Conflict(f"单据 {source.label} 已预占 {made.amount}，请先释放 (the document already holds a "
                       f"commitment of {made.amount} on this line: release it first)",
                       {"source": ["already committed"]}, code="commitment_exists")
    user_id = acting_user_id(session, user)
    on = on or local_today()
    warning = enforce(session, judge(line, amount, where.month), user_id=user_id, reason=reason,
                      source_label=source.label, year=where.year)
    entry = BudgetEntry(institution_id=line.institution_id, line_id=line.id, kind=EntryKind.COMMITMENT,
                        state=EntryState.OPEN, amount=amount, open_amount=amount, date=on, month=on.month,
                        user_id=user_id, **source_fields(source))
    session.add(entry)
    line.committed += amount
    session.flush()
    if warning is not None:
        warning.entry_id = entry.id
    return entry


def release(session: Session, source, amount=None, *, user: User | None = None) -> Decimal:
    """释放: the document was cancelled; its open commitments (all, or ``amount`` of them) free their lines.
    Returns what was released (0 when the document held nothing)."""
    left = None if amount is None else positive_amount(amount)
    released = ZERO
    for entry in _open_commitments(session, source):
        line = lock_line(session, entry.line_id)
        session.refresh(entry)  # re-read under the line's lock: a concurrent release may have taken it
        if entry.state is not EntryState.OPEN:
            continue
        part = entry.open_amount if left is None else min(entry.open_amount, left - released)
        if part <= 0:
            break
        entry.open_amount -= part
        line.committed -= part
        if entry.open_amount == 0:
            entry.state = EntryState.RELEASED
        released += part
    if left is not None and released < left:
        raise BusinessError.for_field("amount", f"单据 {source.label} 只有 {released} 可释放 (only {released} is "
                                                f"committed)", "release_exceeds_commitment")
    session.flush()
    return released


def consume(session: Session, source, by, amount=None) -> Decimal:
    """Hand (part of) the commitment of ``source`` over to the document ``by`` whose voucher is about to be
    posted (e.g. the purchase order's commitment to the payment that settles it): a commitment of ``by`` is
    opened on the same line, which the posting of ``by``'s voucher turns into actual spending — once."""
    left = None if amount is None else positive_amount(amount)
    moved = ZERO
    for entry in _open_commitments(session, source):
        lock_line(session, entry.line_id)
        session.refresh(entry)  # re-read under the line's lock
        if entry.state is not EntryState.OPEN:
            continue
        part = entry.open_amount if left is None else min(entry.open_amount, left - moved)
        if part <= 0:
            break
        entry.open_amount -= part
        if entry.open_amount == 0:
            entry.state = EntryState.CONSUMED
        session.add(BudgetEntry(institution_id=entry.institution_id, line_id=entry.line_id,
                                kind=EntryKind.COMMITMENT, state=EntryState.OPEN, amount=part, open_amount=part,
                                date=local_today(), month=local_today().month, user_id=acting_user_id(session, None),
                                **source_fields(by)))
        moved += part
    if left is not None and moved < left:
        raise BusinessError.for_field("amount", f"单据 {source.label} 只有 {moved} 可转为实际支出 (only {moved} is "
                                                f"committed)", "consume_exceeds_commitment")
    session.flush()
    return moved


def committed(session: Session, source) -> Decimal:
    """What the document ``source`` holds open (not yet released or consumed), over all its lines."""
    return sum((entry.open_amount for entry in _open_commitments(session, source)), ZERO)


def open_commitments_on(session: Session, line: BudgetLine, source) -> list[BudgetEntry]:
    return list(session.scalars(select(BudgetEntry).where(
        BudgetEntry.line_id == line.id, BudgetEntry.kind == EntryKind.COMMITMENT,
        BudgetEntry.state == EntryState.OPEN, *_same_source(source)).order_by(BudgetEntry.id)
        .execution_options(populate_existing=True)))


def _open_commitments(session: Session, source) -> list[BudgetEntry]:
    return list(session.scalars(select(BudgetEntry).where(
        BudgetEntry.kind == EntryKind.COMMITMENT, BudgetEntry.state == EntryState.OPEN, *_same_source(source))
        .order_by(BudgetEntry.line_id, BudgetEntry.id)))


def _same_source(source) -> list:
    return [and_(BudgetEntry.source_module == source.module, BudgetEntry.source_kind == source.kind,
                 BudgetEntry.source_key == str(source.key))]


def _community(session: Session, institution, community_id: int | None) -> int:
    if community_id is not None:
        return community_id
    if hasattr(institution, "community_id"):
        return institution.community_id
    scope = current_scope(session)
    if scope is None:
        raise ValueError("pass community_id (or an Institution) outside a user's session")
    return scope.community_id
