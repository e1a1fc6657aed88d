"""Posting the demo books as the demo users would: 制单 by the member's bookkeeper, 审核 by the chief
accountant, 记账 by the chief accountant (or by the community's finance officer where the member's own
accountant prepared), in batches through the posting engine (every rule of a hand-entered voucher applies)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Community, Institution, User
from erp.ledger.models import VoucherKind
from erp.ledger.services import review
from erp.ledger.services.inputs import LineInput, VoucherInput
from erp.ledger.services.posting import Ledger

PEOPLE = ("finance", "chief", "accountant")


def demo_users(session: Session, community: Community) -> dict[str, User] | None:
    users = {u.username: u for u in session.scalars(select(User).where(User.community_id == community.id,
                                                                        User.username.in_(PEOPLE)))}
    return users if set(PEOPLE) <= set(users) else None


def debit(account: str, amount: Decimal, memo: str = "", **dims) -> LineInput:
    return LineInput(account=account, debit=amount, memo=memo, **dims)


def credit(account: str, amount: Decimal, memo: str = "", **dims) -> LineInput:
    return LineInput(account=account, credit=amount, memo=memo, **dims)


class Books:
    """Collects the vouchers of many members, then posts them in one batch per preparer."""

    def __init__(self, session: Session, users: dict[str, User]):
        self.session, self.users = session, users
        self.pending: dict[str, list[VoucherInput]] = defaultdict(list)

    def preparer(self, institution: Institution) -> str:
        own = [i.code for i in self.users["accountant"].institutions]
        return "accountant" if institution.code in own else "finance"

    def add(self, institution: Institution, on: date, memo: str, lines: list[LineInput], attachments: int = 1) -> None:
        lines = [line for line in lines if line.debit or line.credit]
        if lines:
            self.pending[self.preparer(institution)].append(
                VoucherInput(institution=institution.code, date=on, memo=memo, lines=lines, attachment_count=attachments))

    def post(self) -> None:
        for preparer, inputs in self.pending.items():
            poster = self.users["finance" if preparer == "accountant" else "chief"]
            Ledger(self.session, self.users[preparer]).post_many(inputs, poster, reviewer=self.users["chief"])
        self.pending.clear()

    def post_opening(self, institution: Institution, on: date, memo: str, lines: list[LineInput]) -> None:
        """期初建账: an opening voucher (no 平行记账 of its own: it states both bases' balances), entered,
        reviewed and posted one by one as the opening kind needs."""
        preparer = self.users[self.preparer(institution)]
        lines = [line for line in lines if line.debit or line.credit]
        voucher = Ledger(self.session, preparer).create_draft(
            VoucherInput(institution=institution.code, date=on, memo=memo, lines=lines), VoucherKind.OPENING)
        review.review(self.session, self.users["chief"], voucher)
        Ledger(self.session, self.users["chief"]).post(voucher)
