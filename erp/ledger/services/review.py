"""制单 → 审核 → 记账: the review step between entering a voucher and posting it, 出纳签字, and the batches.

- 审核 (:func:`review`): a draft becomes ``reviewed``; the reviewer is never the preparer. 取消审核
  (:func:`unreview`) makes it a draft again (before posting only); a reviewed voucher is not edited.
- 记账 (``Ledger.post``) needs a reviewed voucher; :func:`check_poster` adds the community's rules — the poster
  may be the reviewer or must be another bookkeeper (``LedgerSettings.poster_may_review``), and where
  ``LedgerSettings.cashier_sign`` is on a voucher touching cash or bank (the accounts of the ``ledger.cashier``
  posting template, 1001/1002 by default) needs 出纳签字 (:func:`sign_as_cashier`) first.
- Batches of the vouchers selected in the list: :mod:`.selection`.

Every transition goes through the voucher state machine (``VOUCHER_STATES.begin`` locks the row), so of two
simultaneous reviews or postings of one voucher one wins and the other gets 409 ``invalid_transition``.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.errors import Conflict, Forbidden
from erp.core.models import User
from erp.core.scoping import OutOfScope, current_scope
from erp.core.security import require_whole_community
from erp.core.statemachine import lock
from erp.core.timeutil import utcnow
from erp.ledger.models import VOUCHER_STATES, Basis, LedgerSettings, Voucher, VoucherKind, VoucherState
from erp.ledger.services.posting_templates import posting_template

CASHIER_TEMPLATE = "ledger.cashier"
SETTINGS = ("poster_may_review", "cashier_sign")


def settings_for(session: Session, community_id: int) -> LedgerSettings:
    """The community's workflow settings (the defaults, not stored, when it never changed them)."""
    found = session.get(LedgerSettings, community_id)
    return found if found is not None else LedgerSettings(community_id=community_id, poster_may_review=True,
                                                           cashier_sign=False)


def update_settings(session: Session, user: User, values: dict) -> LedgerSettings:
    """Change the community's settings (a whole-community user only); returns them."""
    require_whole_community(user, "凭证审核与记账设置")
    settings = session.get(LedgerSettings, user.community_id, with_for_update=True)
    if settings is None:
        settings = LedgerSettings(community_id=user.community_id, poster_may_review=True, cashier_sign=False)
        session.add(settings)
    for name in SETTINGS:
        if values.get(name) is not None:
            setattr(settings, name, bool(values[name]))
    session.flush()
    return settings


def cash_accounts(session: Session, community_id: int) -> tuple[str, ...]:
    """The account codes (and their sub-accounts) whose vouchers need 出纳签字."""
    return posting_template(session, community_id, CASHIER_TEMPLATE).accounts("cash")


def touches_cash(voucher: Voucher, codes: tuple[str, ...]) -> bool:
    return any(line.basis is Basis.FINANCIAL and line.account.code.startswith(codes) for line in voucher.lines)


def needs_cashier(session: Session, voucher: Voucher) -> bool:
    """Whether this voucher must be signed by the cashier before posting (the setting, and cash lines)."""
    community_id = voucher.institution.community_id
    return (voucher.kind is VoucherKind.NORMAL and settings_for(session, community_id).cashier_sign
            and touches_cash(voucher, cash_accounts(session, community_id)))


def _writable(session: Session) -> None:
    scope = current_scope(session)
    if scope is not None and scope.read_only:
        raise OutOfScope("your role is read-only")


def review(session: Session, user: User, voucher: Voucher) -> Voucher:
    """审核: the draft becomes reviewed by ``user``, who is not its preparer."""
    _writable(session)
    VOUCHER_STATES.begin(session, voucher, VoucherState.REVIEWED)
    if voucher.preparer_id == user.id:
        raise Forbidden("审核人与制单人不能为同一人 (the reviewer must not be the preparer)", code="self_review")
    voucher.state, voucher.reviewer_id, voucher.reviewed_at = VoucherState.REVIEWED, user.id, utcnow()
    session.flush()
    return voucher


def unreview(session: Session, user: User, voucher: Voucher) -> Voucher:
    """取消审核: a reviewed voucher not yet posted becomes a draft again (its review is cleared)."""
    _writable(session)
    VOUCHER_STATES.begin(session, voucher, VoucherState.DRAFT)
    voucher.state, voucher.reviewer_id, voucher.reviewed_at = VoucherState.DRAFT, None, None
    session.flush()
    return voucher


def sign_as_cashier(session: Session, user: User, voucher: Voucher) -> Voucher:
    """出纳签字 on a voucher touching cash or bank, before it is posted."""
    _writable(session)
    lock(session, voucher)
    if voucher.state not in (VoucherState.DRAFT, VoucherState.REVIEWED):
        raise Conflict(f"凭证 {voucher.number} 已记账，不能再签字 (posted: too late to sign)", code="invalid_transition")
    if voucher.cashier_id is not None:  # a signature is given once, never overwritten by a second one
        raise Conflict(f"凭证 {voucher.number} 已由出纳签字 (already signed by the cashier)", code="already_signed")
    if not touches_cash(voucher, cash_accounts(session, voucher.institution.community_id)):
        raise Conflict("凭证不涉及库存现金或银行存款，无需出纳签字 (no cash or bank line to sign for)",
                       code="no_cash_line")
    voucher.cashier_id, voucher.cashier_signed_at = user.id, utcnow()
    session.flush()
    return voucher


def check_poster(session: Session, voucher: Voucher, poster: User | None) -> None:
    """The community's rules on who posts a reviewed hand voucher (generated vouchers are exempt)."""
    if voucher.kind is not VoucherKind.NORMAL or poster is None:
        return
    settings = settings_for(session, voucher.institution.community_id)
    if not settings.poster_may_review and voucher.reviewer_id == poster.id:
        raise Forbidden("按本医共体设置，记账人不能是审核人 (the poster must not be the reviewer here)",
                        code="poster_is_reviewer")
    if voucher.cashier_id is None and needs_cashier(session, voucher):
        raise Conflict("凭证涉及库存现金或银行存款，须出纳签字后才能记账 (cashier signature required)",
                       code="cashier_sign_required")
