"""Vouchers: draft, validate, post (with 平行记账, gapless number, hash chain, balances), reverse.

One service class per unit of work: ``Ledger(session, user)`` resolves codes through small caches so that
posting many vouchers stays fast, and every rule is checked here — the API, the web UI and the Excel
import all come through it. ``Ledger.post_many`` (``batch_posting.py``) creates and posts many vouchers
with bulk statements; it shares the rules below with the one-voucher path: line validation, 平行记账
(:meth:`Ledger.parallel_lines` works on :class:`PostingLine` records or ORM lines alike), the voucher
hash (:func:`voucher_hash`), number blocks (:func:`erp.core.sequences.reserve`) and the kept balances.
"""
from __future__ import annotations

import enum
import hashlib
import json
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import sequences
from erp.core.dbutil import dialect_insert
from erp.core.errors import BusinessError, Conflict, Forbidden, NotFound
from erp.core.models import (Community, Department, Employee, FundingSource, Institution, Partner, Project,
                             User)
from erp.core.money import MoneyError, parse_amount
from erp.core.scoping import current_scope
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today, utcnow
from erp.ledger import periods
from erp.ledger.chart import account_for_posting
from erp.ledger.models import (DIMENSIONS, Account, Balance, Basis, BudgetMapping, LedgerChainHead, Voucher,
                               VoucherKind, VoucherLine, VoucherState)

ZERO = Decimal("0.00")
GENESIS = "0" * 64
VOUCHER_PREFIX = "记"
DIMENSION_MODELS = {"department": Department, "partner": Partner, "funding_source": FundingSource,
                    "employee": Employee, "project": Project}
INSTITUTION_DIMENSIONS = {"department", "employee"}  # codes are per institution; the others per community
dimension_ids = operator.attrgetter(*(f"{d}_id" for d in DIMENSIONS))  # a line's dimension ids, in order


@dataclass
class LineInput:
    account: str
    debit: Decimal | str | int = ZERO
    credit: Decimal | str | int = ZERO
    department: str | None = None
    partner: str | None = None
    funding_source: str | None = None
    employee: str | None = None
    project: str | None = None
    memo: str = ""


@dataclass
class VoucherInput:
    institution: str
    date: date
    lines: list[LineInput]
    memo: str = ""
    attachment_count: int = 0
    internal_ref: str | None = None


@dataclass(slots=True)
class PostingLine:
    """A validated line as the rules see it: what create_draft turns into a VoucherLine and what
    post_many writes with bulk inserts. Same attribute names as :class:`VoucherLine`, so the shared rules
    (平行记账, balance checks, the hash, the kept balances) take either."""

    line_no: int
    account: Account
    account_id: int
    basis: Basis
    debit: Decimal
    credit: Decimal
    department_id: int | None = None
    partner_id: int | None = None
    funding_source_id: int | None = None
    employee_id: int | None = None
    project_id: int | None = None
    memo: str = ""
    generated: bool = False

    def to_voucher_line(self, institution_id: int) -> VoucherLine:
        return VoucherLine(institution_id=institution_id, line_no=self.line_no, account=self.account,
                           account_id=self.account_id, basis=self.basis, debit=self.debit, credit=self.credit,
                           **dict(zip((f"{d}_id" for d in DIMENSIONS), dimension_ids(self))), memo=self.memo,
                           generated=self.generated)


@dataclass
class _Caches:
    accounts: dict = field(default_factory=dict)  # (institution_id, code) -> Account
    dimensions: dict = field(default_factory=dict)  # (kind, owner_id, code) -> id
    mapping: list | None = None
    rules: dict = field(default_factory=dict)  # (account code, side) -> BudgetMapping | None


class Ledger:
    """Voucher rules for one session and acting user."""

    def __init__(self, session: Session, user: User | None):
        self.session, self.user = session, user
        self.caches = _Caches()

    # ---- drafts -------------------------------------------------------------------------------------

    def create_draft(self, data: VoucherInput, kind: VoucherKind = VoucherKind.NORMAL) -> Voucher:
        institution = self._institution(data.institution)
        period = periods.open_period_for(self.session, institution.id, data.date)
        voucher = Voucher(institution_id=institution.id, year=period.year, month=period.month, date=data.date,
                          state=VoucherState.DRAFT, kind=kind, memo=data.memo or "",
                          attachment_count=data.attachment_count, internal_ref=data.internal_ref,
                          preparer_id=self.user.id if self.user else None)
        lines = self._lines(institution, data.lines)
        self._check_balanced(lines, "lines")
        voucher.lines = [line.to_voucher_line(institution.id) for line in lines]
        self.session.add(voucher)
        self.session.flush()
        return voucher

    def update_draft(self, voucher: Voucher, data: VoucherInput) -> Voucher:
        """Correct a draft in place (same id; the audit log shows the change). Whoever edits it becomes
        its preparer, so that separation of duties still holds for the content that will be posted."""
        if voucher.state is not VoucherState.DRAFT:
            raise Conflict("已记账凭证不能修改，请冲销 (a posted voucher cannot be changed: reverse it)",
                           code="voucher_posted")
        institution = self._institution(data.institution)
        period = periods.open_period_for(self.session, institution.id, data.date)
        lines = self._lines(institution, data.lines)
        self._check_balanced(lines, "lines")
        voucher.institution_id, voucher.institution = institution.id, institution
        voucher.year, voucher.month, voucher.date = period.year, period.month, data.date
        voucher.memo, voucher.attachment_count = data.memo or "", data.attachment_count
        voucher.preparer_id = self.user.id if self.user else None
        voucher.lines = []
        self.session.flush()  # the old lines go before the new ones take their line numbers
        voucher.lines = [line.to_voucher_line(institution.id) for line in lines]
        self.session.flush()
        return voucher

    def delete_draft(self, voucher: Voucher) -> None:
        if voucher.state is not VoucherState.DRAFT:
            raise Conflict("已记账凭证不能删除，请冲销 (a posted voucher cannot be deleted: reverse it)",
                           code="voucher_posted")
        self.session.delete(voucher)
        self.session.flush()

    @property
    def community_id(self) -> int:
        """The acting user's community (or the scope's, for a system session)."""
        return self.user.community_id if self.user else current_scope(self.session).community_id

    def _institution(self, code: str) -> Institution:
        scope = current_scope(self.session)
        institution = institution_by_code(self.session, self.community_id, code, write=True)
        if scope is not None:
            scope.require(institution.id)
        return institution

    def _lines(self, institution: Institution, inputs: list[LineInput]) -> list[PostingLine]:
        if len(inputs) < 2:
            raise BusinessError.for_field("lines", "凭证至少需要两条分录 (a voucher needs at least two lines)")
        return [self._line(institution, number, line) for number, line in enumerate(inputs, start=1)]

    def _line(self, institution: Institution, line_no: int, data: LineInput) -> PostingLine:
        where = f"lines[{line_no - 1}]"
        account = self._account(institution, data.account, f"{where}.account")
        if account.basis is Basis.BUDGET:
            raise BusinessError.for_field(f"{where}.account", f"预算会计科目 {account.code} 由平行记账自动生成，"
                                                              f"不能手工录入 (budget lines are generated)")
        debit = self._amount(data.debit, f"{where}.debit")
        credit = self._amount(data.credit, f"{where}.credit")
        if (debit > 0) == (credit > 0):
            raise BusinessError.for_field(f"{where}.debit", "每条分录借方或贷方只能填一方且大于零 "
                                                            "(exactly one of debit or credit, positive)")
        line = PostingLine(line_no=line_no, account=account, account_id=account.id, basis=account.basis,
                           debit=debit, credit=credit, memo=data.memo or "")
        required = account.required
        for dimension in DIMENSIONS:
            code = getattr(data, dimension)
            if code:
                setattr(line, f"{dimension}_id", self._dimension(institution, dimension, code, f"{where}.{dimension}"))
            elif dimension in required:
                raise BusinessError.for_field(f"{where}.{dimension}", f"科目 {account.code} {account.name} 必须填写"
                                                                      f"辅助核算 {dimension} (required dimension)")
        return line

    @staticmethod
    def _amount(value, field_name: str) -> Decimal:
        if value is ZERO:  # the LineInput default: parse_amount would return it unchanged
            return ZERO
        try:
            return parse_amount(value if value not in (None, "") else "0", field=field_name)
        except MoneyError as exc:
            raise BusinessError.for_field(field_name, str(exc)) from exc

    def _account(self, institution: Institution, code: str, field_name: str) -> Account:
        key = (institution.id, code)
        if key not in self.caches.accounts:
            self.caches.accounts[key] = account_for_posting(self.session, institution, code, field_name)
        return self.caches.accounts[key]

    def _dimension(self, institution: Institution, kind: str, code: str, field_name: str) -> int:
        owner = institution.id if kind in INSTITUTION_DIMENSIONS else institution.community_id
        key = (kind, owner, code)
        if key not in self.caches.dimensions:
            model = DIMENSION_MODELS[kind]
            owner_column = model.institution_id if kind in INSTITUTION_DIMENSIONS else model.community_id
            found = self.session.scalar(select(model.id).where(owner_column == owner, model.code == code))
            if found is None:
                raise NotFound.for_field(field_name, f"{kind} {code!r} 不存在 (unknown {kind})")
            self.caches.dimensions[key] = found
        return self.caches.dimensions[key]

    @staticmethod
    def _check_balanced(lines, field_name: str, basis: Basis = Basis.FINANCIAL) -> None:
        debit = sum((l.debit for l in lines if l.basis is basis), ZERO)
        credit = sum((l.credit for l in lines if l.basis is basis), ZERO)
        if debit != credit:
            label = "财务会计" if basis is Basis.FINANCIAL else "预算会计"
            raise BusinessError.for_field(field_name, f"{label}借贷不平衡：借方 {debit}，贷方 {credit}，差额 "
                                                      f"{debit - credit} (debits and credits differ by "
                                                      f"{debit - credit})", "unbalanced")

    # ---- posting ------------------------------------------------------------------------------------

    def post(self, voucher: Voucher) -> Voucher:
        if voucher.state is not VoucherState.DRAFT:
            raise Conflict(f"凭证 {voucher.number} 已记账 (already posted)", code="voucher_posted")
        community = self.session.get(Community, voucher.institution.community_id)
        if (community.separation_of_duties and voucher.kind is VoucherKind.NORMAL and self.user is not None
                and voucher.preparer_id == self.user.id):
            raise Forbidden("制单人与记账人不能为同一人 (the poster must not be the preparer)")
        periods.open_period_for(self.session, voucher.institution_id, voucher.date, lock=True)
        self._check_balanced(voucher.lines, "lines")
        if voucher.kind is VoucherKind.NORMAL:
            budget = self.parallel_lines(voucher.institution, voucher.lines, voucher.memo)
            voucher.lines.extend(line.to_voucher_line(voucher.institution_id) for line in budget)
            self._check_balanced(voucher.lines, "lines", Basis.BUDGET)
        self.session.flush()  # lines go in while the voucher is still a draft (the PostgreSQL trigger's rule)
        number = sequences.next_number(self.session, voucher.institution_id, "voucher", VOUCHER_PREFIX,
                                       voucher.year, voucher.month)
        head = self._lock_chain_head(voucher.institution_id)
        # Everything the posted row holds is set before it is next flushed: after that it is immutable.
        voucher.number = number
        voucher.state = VoucherState.POSTED
        voucher.poster_id = self.user.id if self.user else None
        voucher.posted_at = utcnow()
        voucher.chain_seq = head.seq + 1
        voucher.prev_hash = head.hash
        voucher.hash = voucher_hash(voucher)
        head.seq, head.hash = voucher.chain_seq, voucher.hash
        apply_balances(self.session, voucher.institution_id, voucher.year, voucher.month, voucher.lines)
        self.session.flush()
        return voucher

    def post_many(self, inputs: list[VoucherInput], poster: User | None = None) -> list[int]:
        """Create and post many vouchers in the caller's transaction (the caller commits; on an error it
        rolls back), with every rule of create_draft + post and bulk statements. The acting user is the
        preparer; ``poster`` (default: the acting user — refused where the community separates duties)
        is recorded as the poster. Returns the voucher ids in input order. See :mod:`erp.ledger.batch_posting`."""
        from erp.ledger.batch_posting import post_many

        return post_many(self, inputs, poster)

    def parallel_lines(self, institution: Institution, lines, memo: str) -> list[PostingLine]:
        """平行记账: the budget-accounting lines for a financial voucher that moves budget cash.

        ``lines`` are the voucher's lines — :class:`PostingLine` records or ORM :class:`VoucherLine` objects
        alike (both paths share this one implementation); the generated lines are numbered after them."""
        rules = [(self._rule(line), line) for line in lines if line.basis is Basis.FINANCIAL]
        if not any(rule and rule.role in ("cash", "fiscal") for rule, _ in rules):
            return []
        totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        cash_net: dict[str, Decimal] = defaultdict(lambda: ZERO)
        # The money's source (e.g. 财政拨款 on the 4001 or 1011 line) funds the spending it pays for.
        sources = {line.funding_source_id for rule, line in rules
                   if rule and rule.role in ("cash", "fiscal") and line.funding_source_id}
        source = sources.pop() if len(sources) == 1 else None
        for rule, line in rules:
            if rule is None:
                continue  # outside the budget (e.g. a deposit received): financial accounting only
            if rule.role == "cash":
                cash_net[rule.budget_account_code] += line.debit - line.credit
                continue
            key = (rule.budget_account_code, line.department_id, line.funding_source_id or source, line.project_id)
            totals[key][0] += line.debit
            totals[key][1] += line.credit
        plug = sum((credit - debit for debit, credit in totals.values()), ZERO)  # what 资金结存 must absorb
        if plug:
            if sum(cash_net.values(), ZERO) == plug:
                cash_parts = dict(cash_net)
            elif len(cash_net) == 1:
                cash_parts = {next(iter(cash_net)): plug}
            else:
                unmapped = [line.account.code for rule, line in rules if rule is None]
                raise BusinessError.for_field("lines", f"平行记账无法确定资金结存科目；请为科目 "
                                                       f"{', '.join(unmapped) or '—'} 设置预算会计对应关系 "
                                                       f"(budget mapping incomplete)", "budget_mapping")
            for code, amount in cash_parts.items():
                if amount:
                    key = (code, None, None, None)
                    totals[key][0] += amount if amount > 0 else ZERO
                    totals[key][1] += -amount if amount < 0 else ZERO
        generated, line_no = [], len(lines)
        for (code, department_id, funding_source_id, project_id), (debit, credit) in totals.items():
            net = debit - credit
            if not net:
                continue
            account = self._account(institution, code, "lines")
            line_no += 1
            generated.append(PostingLine(
                line_no=line_no, account=account, account_id=account.id, basis=Basis.BUDGET, debit=net if net > 0 else ZERO,
                credit=-net if net < 0 else ZERO, department_id=department_id, funding_source_id=funding_source_id,
                project_id=project_id, memo=memo, generated=True))
        return generated

    def budget_mapping(self, community_id: int, *, reload: bool = False) -> list[BudgetMapping]:
        """The community's 平行记账 rules, longest prefix first (loaded once per Ledger, or again on reload)."""
        if self.caches.mapping is None or reload:
            rules = self.session.scalars(select(BudgetMapping).where(BudgetMapping.community_id == community_id))
            self.caches.mapping = sorted(rules, key=lambda r: len(r.account_prefix), reverse=True)
            self.caches.rules.clear()
        return self.caches.mapping

    def _rule(self, line) -> BudgetMapping | None:
        account = line.account
        side = "debit" if line.debit > 0 else "credit"
        key = (account.code, side)
        if key not in self.caches.rules:
            self.caches.rules[key] = next((rule for rule in self.budget_mapping(account.community_id)
                                           if key[0].startswith(rule.account_prefix) and rule.side in ("any", side)),
                                          None)
        return self.caches.rules[key]

    def _lock_chain_head(self, institution_id: int) -> LedgerChainHead:
        return lock_chain_heads(self.session, [institution_id])[institution_id]

    # ---- reversal -----------------------------------------------------------------------------------

    def reverse(self, voucher: Voucher, on: date | None = None, memo: str | None = None) -> Voucher:
        """红字冲销: a new posted voucher with the opposite lines (budget lines included), linked to the original."""
        if voucher.state is not VoucherState.POSTED:
            raise Conflict("只有已记账凭证可以冲销 (only a posted voucher can be reversed)", code="voucher_not_posted")
        if voucher.reversed_by is not None or voucher.kind is VoucherKind.REVERSAL:
            raise Conflict(f"凭证 {voucher.number} 已冲销或本身是冲销凭证 (already reversed)", code="already_reversed")
        on = on or local_today()
        period = periods.open_period_for(self.session, voucher.institution_id, on)
        reversal = Voucher(institution_id=voucher.institution_id, year=period.year, month=period.month, date=on,
                           state=VoucherState.DRAFT, kind=VoucherKind.REVERSAL, reversal_of_id=voucher.id,
                           memo=memo or f"冲销 {voucher.number} {voucher.memo}"[:256],
                           internal_ref=voucher.internal_ref, preparer_id=self.user.id if self.user else None)
        reversal.lines = [VoucherLine(
            institution_id=line.institution_id, line_no=line.line_no, account_id=line.account_id,
            account=line.account, basis=line.basis, debit=line.credit, credit=line.debit,
            **{f"{d}_id": getattr(line, f"{d}_id") for d in DIMENSIONS}, memo=line.memo, generated=line.generated)
            for line in voucher.lines]
        self.session.add(reversal)
        self.session.flush()
        return self.post(reversal)


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


def _value(item):
    return item.value if isinstance(item, enum.Enum) else item


def voucher_hash(voucher) -> str:
    """SHA-256 over the voucher's content and the previous hash of its institution's chain.

    ``voucher`` is an ORM :class:`Voucher` or any record with the same attributes (kind and basis as enums
    or their values) whose ``lines`` are VoucherLine objects or :class:`PostingLine` records."""
    content = {
        "institution": voucher.institution_id, "seq": voucher.chain_seq, "prev": voucher.prev_hash,
        "number": voucher.number, "date": voucher.date.isoformat(), "period": [voucher.year, voucher.month],
        "kind": _value(voucher.kind), "memo": voucher.memo, "attachments": voucher.attachment_count,
        "reversal_of": voucher.reversal_of_id, "internal_ref": voucher.internal_ref,
        "lines": [[l.line_no, l.account_id, _value(l.basis), str(l.debit), str(l.credit), *dimension_ids(l),
                   l.memo, l.generated]
                  for l in sorted(voucher.lines, key=lambda l: l.line_no)],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
