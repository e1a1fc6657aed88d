"""内部往来: a transaction between two members, recorded in both books with a shared reference.

E.g. the lead hospital distributes drugs to a township centre: the hospital books Dr 1218 其他应收款
(partner: the centre) / Cr 130201 药品, the centre books Dr 130201 药品 / Cr 2307 其他应付款 (partner: the
hospital). Each side must name the other member as partner on at least one line, so that consolidation can
find and eliminate the pair.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import sequences
from erp.core.errors import BusinessError
from erp.core.models import Partner, User
from erp.core.services import institution_by_code
from erp.ledger.models import Voucher
from erp.ledger.services.posting import Ledger, VoucherInput

INTERNAL_PREFIX = "NB"


@dataclass
class InternalTransaction:
    memo: str
    issuer: VoucherInput  # the member that sends the goods or pays
    receiver: VoucherInput


def record_internal(session: Session, user: User, data: InternalTransaction) -> tuple[Voucher, Voucher]:
    """Create both drafts in one transaction, sharing one reference ``NB-<year>-<n>``."""
    if data.issuer.institution == data.receiver.institution:
        raise BusinessError.for_field("receiver.institution", "内部往来双方不能是同一单位 (two different members)")
    issuer = institution_by_code(session, user.community_id, data.issuer.institution, write=True)
    receiver = institution_by_code(session, user.community_id, data.receiver.institution, write=True)
    for side, own, other in (("issuer", data.issuer, receiver), ("receiver", data.receiver, issuer)):
        member_partner = session.scalar(select(Partner.code).where(Partner.member_institution_id == other.id))
        if not any(line.partner == member_partner for line in own.lines):
            raise BusinessError.for_field(f"{side}.lines", f"至少一条分录的往来单位应为 {other.name}（{member_partner}）"
                                                           f" (name the other member as partner)")
    number = sequences.next_value(session, issuer.id, "internal", data.issuer.date.year)
    reference = f"{INTERNAL_PREFIX}-{data.issuer.date.year}-{issuer.code}-{number:05d}"
    ledger = Ledger(session, user)
    drafts = []
    for side, own in (("issuer", data.issuer), ("receiver", data.receiver)):
        try:
            drafts.append(ledger.create_draft(replace(own, memo=own.memo or data.memo, internal_ref=reference)))
        except BusinessError as exc:
            raise exc.within(side) from None  # which member's voucher the error is about
    issued, received = drafts
    return issued, received
