"""财政资金 by source: received by the community (booked by the lead hospital) and allocated to members along
the original channel (统一拨付), each step posted through the ledger's document door with the ``budget.*``
posting templates. Each (institution, funding source) has a position — what the source gave it and what it
spent — and budget expenditure posted with that source may not exceed it (409 ``fund_exceeded``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core import sequences
from erp.core.dbutil import dialect_insert
from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import FundingSource, Institution, InstitutionKind, User
from erp.core.scoping import current_scope
from erp.core.statemachine import lock
from erp.core.timeutil import local_today
from erp.ledger.services import (Account, DocumentSource, LineInput, Voucher, VoucherInput, VoucherLine,
                                 VoucherState, post_document, posting_template)
from erp.budget.models import ZERO, FundAllocation, FundPosition, FundReceipt
from erp.budget.services.common import positive_amount

PURPOSES = ("基本建设", "设备购置", "重点学科", "人才培养", "离退休", "政策性亏损", "公共卫生任务", "院长年薪",
            "紧急救治", "对口支援", "信息化", "其他")
RECEIPT_CHANNELS = ("fiscal_revenue", "superior_subsidy", "non_same_level_fiscal")


def lead_institution(session: Session, community_id: int) -> Institution:
    lead = session.scalar(select(Institution).where(Institution.community_id == community_id,
                                                    Institution.kind == InstitutionKind.LEAD_HOSPITAL)
                          .execution_options(skip_scope=True))
    if lead is None:
        raise BusinessError("医共体尚无牵头医院 (the community has no lead hospital)", code="no_lead_hospital")
    return lead


def position(session: Session, institution_id: int, funding_source_id: int, *, create: bool = False,
             lock: bool = True) -> FundPosition | None:
    statement = select(FundPosition).where(FundPosition.institution_id == institution_id,
                                           FundPosition.funding_source_id == funding_source_id)
    if create:
        session.execute(dialect_insert(session)(FundPosition.__table__).values(
            institution_id=institution_id, funding_source_id=funding_source_id, granted=ZERO, spent=ZERO)
            .on_conflict_do_nothing())
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).one_or_none()


def spend(session: Session, institution_id: int, funding_source_id: int, amount: Decimal) -> None:
    """Budget expenditure posted with a funding source (negative: a reversal). Only sources that the
    community received and allocated through this module have a position; others are not limited here."""
    found = position(session, institution_id, funding_source_id)
    if found is None:
        return
    if amount > 0 and found.spent + amount > found.granted:
        source = session.get(FundingSource, funding_source_id)
        left = found.granted - found.spent
        message = (f"资金来源 {source.code} {source.name} 拨给本单位 {found.granted}，已支出 {found.spent}，"
                   f"余额 {left}，本次 {amount} 超出 (spending exceeds what the source gave: {left} left)")
        raise Conflict(message, {"funding_source": [message]}, code="fund_exceeded")
    found.spent += amount


def _voucher(template, institution: Institution, on: date, memo: str, debit: tuple, credit: tuple, amount: Decimal,
             source_code: str) -> VoucherInput:
    return VoucherInput(institution=institution.code, date=on, memo=memo, lines=[
        LineInput(account=template.account(*debit), debit=amount, funding_source=source_code, memo=memo),
        LineInput(account=template.account(*credit), credit=amount, funding_source=source_code, memo=memo)])


def record_receipt(session: Session, community_id: int, *, funding_source: FundingSource, purpose: str, amount,
                   on: date | None, user: User, channel: str = "fiscal_revenue", memo: str = "") -> FundReceipt:
    """财政资金到账, entered (制单) in the lead hospital's name; :func:`post_receipt` books it."""
    amount = positive_amount(amount)
    if purpose not in PURPOSES:
        raise BusinessError.for_field("purpose", f"用途应为：{'、'.join(PURPOSES)} (unknown purpose)")
    if channel not in RECEIPT_CHANNELS:
        raise BusinessError.for_field("channel", f"渠道应为 {', '.join(RECEIPT_CHANNELS)} (unknown channel)")
    lead = lead_institution(session, community_id)
    on = on or local_today()
    number = sequences.next_number(session, lead.id, "fund_receipt", "拨入", on.year)
    receipt = FundReceipt(institution_id=lead.id, institution=lead, number=number, funding_source=funding_source,
                          funding_source_id=funding_source.id, purpose=purpose, channel=channel, amount=amount,
                          date=on, memo=memo or f"{funding_source.name}（{purpose}）到账", user_id=user.id)
    session.add(receipt)
    session.flush()
    return receipt


def post_receipt(session: Session, receipt: FundReceipt, *, poster: User) -> FundReceipt:
    """Book the receipt (Dr 银行存款 / Cr 财政拨款收入 or the channel's revenue, with the funding source) as
    ``poster``; the receipt's own entrant is the preparer (不相容岗位分离). The lead's position grows."""
    lock(session, receipt)
    if receipt.voucher_id is not None:
        raise Conflict(f"{receipt.number} 已记账 (already posted as {receipt.voucher_number})", code="already_posted")
    community_id = receipt.institution.community_id
    template = posting_template(session, community_id, "budget.fund_receipt")
    source = DocumentSource("budget", "fund_receipt", str(receipt.id), receipt.number, url=f"/budget/funds/{receipt.id}")
    voucher = post_document(session, source, _voucher(template, receipt.institution, receipt.date, receipt.memo,
                                                      ("bank",), (receipt.channel,), receipt.amount,
                                                      receipt.funding_source.code),
                            preparer=session.get(User, receipt.user_id), poster=poster, template_version=template.ref)
    receipt.voucher_id, receipt.voucher_number, receipt.posted_by_id = voucher.id, voucher.number, poster.id
    position(session, receipt.institution_id, receipt.funding_source_id, create=True).granted += receipt.amount
    session.flush()
    return receipt


def receive(session: Session, community_id: int, *, funding_source: FundingSource, purpose: str, amount,
            on: date | None, user: User, poster: User, channel: str = "fiscal_revenue", memo: str = "") -> FundReceipt:
    """Record and post a receipt at once (entered by ``user``, posted by ``poster``)."""
    receipt = record_receipt(session, community_id, funding_source=funding_source, purpose=purpose, amount=amount,
                             on=on, user=user, channel=channel, memo=memo)
    return post_receipt(session, receipt, poster=poster)


def allocate(session: Session, receipt: FundReceipt, member: Institution, amount, *, on: date | None, user: User,
             poster: User | None = None, memo: str = "") -> FundAllocation:
    """资金拨付成员单位: the lead pays the member (Dr 对附属单位补助费用 / Cr 银行存款, budget side 7501 with the
    source, which spends the lead's position) and the member receives it (Dr 银行存款 / Cr 上级补助收入; its
    position grows). More than what is left of the receipt → 422 naming ``amount``."""
    amount = positive_amount(amount)
    lock(session, receipt)
    session.expire(receipt, ["allocations"])  # re-read under the lock: a concurrent allocation counts
    left = receipt.amount - receipt.allocated
    if amount > left:
        raise BusinessError.for_field("amount", f"拨付 {amount} 超过该笔资金未拨付余额 {left} (more than what is left "
                                                f"of the receipt: {left})", "exceeds_receipt")
    if receipt.voucher_id is None:
        raise Conflict(f"{receipt.number} 尚未记账，不能拨付 (post the receipt first)", code="receipt_not_posted")
    if member.id == receipt.institution_id:
        raise BusinessError.for_field("institution", "牵头单位自用部分无需拨付 (the lead keeps its part without an "
                                                     "allocation)")
    on = on or local_today()
    allocation = FundAllocation(receipt=receipt, institution_id=member.id, institution=member, amount=amount,
                                date=on, memo=memo or f"拨付{receipt.funding_source.name}（{receipt.purpose}）",
                                user_id=user.id)
    session.add(allocation)
    session.flush()
    template = posting_template(session, receipt.institution.community_id, "budget.fund_allocation")
    label = f"{receipt.number}-{allocation.id}"
    url = f"/budget/funds/{receipt.id}"
    code = receipt.funding_source.code
    lead_voucher = post_document(session, DocumentSource("budget", "fund_allocation_out", str(allocation.id), label, url),
                                 _voucher(template, receipt.institution, on, f"{allocation.memo} → {member.name}",
                                          ("allocation_expense",), ("bank",), amount, code),
                                 preparer=user, poster=poster or user, template_version=template.ref)
    member_voucher = post_document(session, DocumentSource("budget", "fund_allocation_in", str(allocation.id), label, url),
                                   _voucher(template, member, on, allocation.memo, ("bank",), ("allocation_revenue",),
                                            amount, code),
                                   preparer=user, poster=poster or user, template_version=template.ref)
    allocation.lead_voucher_number = lead_voucher.number
    allocation.voucher_id, allocation.voucher_number = member_voucher.id, member_voucher.number
    position(session, member.id, receipt.funding_source_id, create=True).granted += amount
    session.flush()
    return allocation


@dataclass(frozen=True)
class UsageRow:
    funding_source: FundingSource
    institution: Institution
    received: Decimal
    allocated: Decimal  # given to members (the lead's row) or received from the lead (a member's row)
    spent: Decimal  # own spending (a lead's allocations to members excluded)
    remaining: Decimal


def fund_usage(session: Session, community_id: int) -> list[UsageRow]:
    """received / allocated / spent / remaining per funding source and institution (in the user's scope).
    What a lead received and gave out counts its own receipts only — scoped like the receipts, within the
    community — although the allocations themselves belong to the members they went to."""
    in_community = FundingSource.community_id == community_id
    received = dict(session.execute(select(FundReceipt.funding_source_id, func.sum(FundReceipt.amount))
                                    .join(FundingSource).where(in_community)
                                    .group_by(FundReceipt.funding_source_id)).all())
    scope = current_scope(session)
    given = (select(FundReceipt.funding_source_id, func.sum(FundAllocation.amount))
             .join(FundAllocation, FundAllocation.receipt_id == FundReceipt.id).join(FundingSource).where(in_community)
             .group_by(FundReceipt.funding_source_id).execution_options(skip_scope=True))
    if scope is not None:  # the allocations are the members' rows: scope by the receipt's (the lead's) instead
        given = given.where(FundReceipt.institution_id.in_(sorted(scope.institution_ids)))
    given = dict(session.execute(given).all())
    rows = []
    positions = session.scalars(select(FundPosition).join(FundingSource).where(FundingSource.community_id == community_id)
                                .order_by(FundPosition.funding_source_id, FundPosition.institution_id))
    for pos in positions:
        lead = pos.institution.kind is InstitutionKind.LEAD_HOSPITAL
        got = received.get(pos.funding_source_id, ZERO) if lead else pos.granted
        out = given.get(pos.funding_source_id, ZERO) if lead else pos.granted
        own = pos.spent - out if lead else pos.spent
        rows.append(UsageRow(pos.funding_source, pos.institution, got, out, own, pos.granted - pos.spent))
    return rows


def spending_vouchers(session: Session, institution_id: int, funding_source_id: int, limit: int = 200) -> list:
    """The posted vouchers that spent a source in an institution (drill-down of the fund-usage report)."""
    statement = (select(Voucher.id, Voucher.number, Voucher.date, Voucher.memo, VoucherLine.debit, VoucherLine.credit,
                        Account.code)
                 .join(VoucherLine, VoucherLine.voucher_id == Voucher.id).join(Account, Account.id == VoucherLine.account_id)
                 .where(Voucher.institution_id == institution_id, VoucherLine.funding_source_id == funding_source_id,
                        Voucher.state == VoucherState.POSTED, Account.category == "budget_expenditure")
                 .order_by(Voucher.date, Voucher.id).limit(limit))
    return session.execute(statement).all()


def receipt_by_id(session: Session, receipt_id: int) -> FundReceipt:
    receipt = session.get(FundReceipt, receipt_id)
    if receipt is None:
        raise NotFound.for_field("id", f"资金到账记录 {receipt_id} 不存在 (fund receipt not found)")
    return receipt
