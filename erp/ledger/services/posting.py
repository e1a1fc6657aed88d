"""Vouchers: draft, validate, post (with 平行记账, gapless number, hash chain, balances), reverse.

One service class per unit of work: ``Ledger(session, user)`` resolves codes through small caches so that
posting many vouchers stays fast, and every rule is checked here or in the posting engine
(:mod:`erp.ledger.services.engine`) — the API, the web UI, the Excel import and the document door all come through
it. :meth:`Ledger.post` writes one draft through the ORM, ``Ledger.post_many`` (``batch_posting.py``)
creates and posts many vouchers with bulk statements; both run the engine's stages (admission, periods,
balance and 平行记账, before_post, numbers and chain, balances, after_post) and the line rules below
(:meth:`Ledger.parallel_lines` works on :class:`PostingLine` records or ORM lines alike).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Institution, User
from erp.core.money import MoneyError, parse_amount
from erp.core.scoping import current_scope
from erp.core.statemachine import lock
from erp.core.services import institution_by_code
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import engine, periods, review
from erp.ledger.services.chart import account_for_posting
from erp.ledger.services.batch_posting import post_many as post_batch
from erp.ledger.services.engine import ZERO, check_balanced
from erp.ledger.services.inputs import DIMENSION_MODELS, INSTITUTION_DIMENSIONS, LineInput, PostingLine, VoucherInput
from erp.ledger.services.statement_maps import check_cash_flow_item
from erp.ledger.models import (DIMENSIONS, SOURCE_COLUMNS, VOUCHER_STATES, Account, Basis, BudgetMapping, Voucher, VoucherKind,
                               VoucherLine, VoucherState)


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
        check_balanced(lines, "lines")
        voucher.lines = [line.to_voucher_line(institution.id) for line in lines]
        self.session.add(voucher)
        self.session.flush()
        return voucher

    def update_draft(self, voucher: Voucher, data: VoucherInput) -> Voucher:
        """Correct a draft in place (same id; the audit log shows the change). Whoever edits it becomes
        its preparer, so that separation of duties still holds for the content that will be posted; a
        cashier's signature is for the content signed, so it goes."""
        _require_draft(self.session, voucher, "修改")
        if voucher.kind is not VoucherKind.NORMAL:
            raise Conflict("系统生成的凭证（如期末结转）不能修改，请删除后重新生成 (a generated voucher is not "
                           "edited: delete it and generate it again)", code="generated_voucher")
        institution = self._institution(data.institution)
        period = periods.open_period_for(self.session, institution.id, data.date)
        lines = self._lines(institution, data.lines)
        check_balanced(lines, "lines")
        voucher.institution_id, voucher.institution = institution.id, institution
        voucher.year, voucher.month, voucher.date = period.year, period.month, data.date
        voucher.memo, voucher.attachment_count = data.memo or "", data.attachment_count
        voucher.preparer_id = self.user.id if self.user else None
        voucher.cashier_id = voucher.cashier_signed_at = None
        voucher.lines = []
        self.session.flush()  # the old lines go before the new ones take their line numbers
        voucher.lines = [line.to_voucher_line(institution.id) for line in lines]
        self.session.flush()
        return voucher

    def delete_draft(self, voucher: Voucher) -> None:
        _require_draft(self.session, voucher, "删除")
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
        if data.cash_flow_item:
            line.cash_flow_item = check_cash_flow_item(data.cash_flow_item, f"{where}.cash_flow_item",
                                                       "in" if debit > 0 else "out")
            rule = self._rule(line)
            if rule is None or rule.role != "cash":
                raise BusinessError.for_field(f"{where}.cash_flow_item", f"科目 {account.code} 不是货币资金科目，不填"
                                                                         f"现金流量项目 (only cash lines carry a "
                                                                         f"cash-flow item)", "cash_flow_item")
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

    # ---- posting ------------------------------------------------------------------------------------

    def post(self, voucher: Voucher, source=None) -> Voucher:
        """Post a reviewed voucher (记账): the engine's stages on one voucher, written through the ORM, after
        the community's rules on the poster (:func:`erp.ledger.services.review.check_poster`). ``source`` is
        the document door's :class:`~erp.ledger.services.DocumentSource` (None for a hand voucher)."""
        session = self.session
        VOUCHER_STATES.begin(session, voucher, VoucherState.POSTED)
        engine.admit(session, [voucher.institution], {voucher.kind}, preparer_id=voucher.preparer_id,
                     poster=self.user, actor=self.user)
        review.check_poster(session, voucher, self.user)
        engine.lock_periods(session, [voucher])
        budget = engine.complete(self, voucher.institution, voucher.kind, voucher.lines, voucher.memo)
        voucher.lines.extend(line.to_voucher_line(voucher.institution_id) for line in budget)
        engine.announce_before(session, [voucher], source)
        session.flush()  # lines go in while the voucher is still a draft (the PostgreSQL trigger's rule)
        with session.no_autoflush:  # the poster is hashed with the other people, and written once, as posted
            voucher.poster_id = self.user.id if self.user else None
            engine.number_and_chain(session, [voucher])
        # Everything the posted row holds is set before it is next flushed: after that it is immutable.
        voucher.state = VoucherState.POSTED
        voucher.posted_at = utcnow()
        engine.book(session, [voucher])
        session.flush()
        engine.announce_after(session, [voucher.id], source)
        return voucher

    def post_many(self, inputs: list[VoucherInput], poster: User | None = None, *, source=None,
                  template_version: str | None = None, reviewer: User | None = None) -> list[int]:
        """Create and post many vouchers in the caller's transaction (the caller commits; on an error it
        rolls back), with every rule of create_draft + post and bulk statements. The acting user is the
        preparer (制单); ``poster`` (default: the acting user — refused where the community separates duties)
        is recorded as the poster (记账) and ``reviewer`` (default: the poster) as the reviewer (审核): the
        vouchers were checked before they came here (an approved document, an import file). ``source`` and
        ``template_version`` (the document door's, for a batch of one voucher) are stored on the voucher.
        Returns the voucher ids in input order. See :mod:`erp.ledger.services.batch_posting`."""
        return post_batch(self, inputs, poster, source, template_version, reviewer)

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

    # ---- reversal -----------------------------------------------------------------------------------

    def reverse(self, voucher: Voucher, on: date | None = None, memo: str | None = None, source=None) -> Voucher:
        """红字冲销: a new posted voucher repeating the original's lines (budget lines included) on the same sides
        with negative amounts, linked to the original, so that 本期发生额 and balances both net to zero.
        A voucher posted from a document is reversed only by that document (``source``, the document door's)."""
        if voucher.source_module is not None and (source is None or (source.module, source.kind, source.key) != (
                voucher.source_module, voucher.source_kind, voucher.source_key)):
            raise Conflict(f"凭证 {voucher.number} 由单据 {voucher.source_label} 生成，只能由该单据冲销 "
                           f"(posted from document {voucher.source_label}: the document reverses it)",
                           code="document_voucher")
        VOUCHER_STATES.begin(self.session, voucher, "reversed")
        if voucher.kind is VoucherKind.REVERSAL:
            raise Conflict(f"凭证 {voucher.number} 本身是冲销凭证 (a reversal is not reversed)", code="already_reversed")
        on = on or local_today()
        period = periods.open_period_for(self.session, voucher.institution_id, on)
        # The reverser prepares, reviews and posts the red voucher in one act (a reversal repeats what was
        # reviewed once already; its people say who did it).
        user_id = self.user.id if self.user else None
        reversal = Voucher(institution_id=voucher.institution_id, year=period.year, month=period.month, date=on,
                           state=VoucherState.REVIEWED, kind=VoucherKind.REVERSAL, reversal_of_id=voucher.id,
                           memo=memo or f"冲销 {voucher.number} {voucher.memo}"[:256],
                           internal_ref=voucher.internal_ref, preparer_id=user_id, reviewer_id=user_id,
                           reviewed_at=utcnow(),
                           **{column: getattr(voucher, column) for column in SOURCE_COLUMNS})
        reversal.lines = [VoucherLine(
            institution_id=line.institution_id, line_no=line.line_no, account_id=line.account_id,
            account=line.account, basis=line.basis, debit=-line.debit, credit=-line.credit,
            **{f"{d}_id": getattr(line, f"{d}_id") for d in DIMENSIONS}, memo=line.memo, generated=line.generated,
            cash_flow_item=line.cash_flow_item)
            for line in voucher.lines]
        self.session.add(reversal)
        self.session.flush()
        return self.post(reversal, source)


def _require_draft(session: Session, voucher: Voucher, action: str) -> None:
    """The voucher is a draft — locked, so that a simultaneous 审核 waits for the change or refuses it."""
    lock(session, voucher)
    if voucher.state is VoucherState.REVIEWED:
        raise Conflict(f"已审核凭证不能{action}，请先取消审核 (a reviewed voucher is changed only after 取消审核)",
                       code="voucher_reviewed")
    if voucher.state is not VoucherState.DRAFT:
        raise Conflict(f"已记账凭证不能{action}，请冲销 (a posted voucher cannot be changed: reverse it)",
                       code="voucher_posted")


def voucher_in_scope(session: Session, voucher_id: int) -> Voucher:
    """One voucher with its lines and accounts, if it is in the user's scope (scoping filters the query)."""
    voucher = session.scalar(select(Voucher).where(Voucher.id == voucher_id)
                             .options(selectinload(Voucher.lines).selectinload(VoucherLine.account)))
    if voucher is None:
        raise NotFound.for_field("id", f"voucher {voucher_id} not found in your scope")
    return voucher
