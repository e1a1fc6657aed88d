"""批量审核 and 批量记账: the vouchers selected in the list, in id order (the lock order), all or none; an
error names the voucher by its place in the selection (``ids[2]``) and, for people, by its number."""
from __future__ import annotations

from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import User
from erp.ledger.models import Voucher
from erp.ledger.services import review
from erp.ledger.services.posting import Ledger, voucher_in_scope


def _each(session: Session, ids: list[int], action) -> list[Voucher]:
    """Run ``action(voucher)`` on the vouchers in id order (the lock order); an error names ``ids[i]``."""
    if not ids:
        raise BusinessError.for_field("ids", "请选择凭证 (select at least one voucher)")
    if len(set(ids)) != len(ids):
        raise BusinessError.for_field("ids", "凭证重复 (a voucher is selected twice)")
    position = {voucher_id: index for index, voucher_id in enumerate(ids)}
    done = []
    for voucher_id in sorted(ids):
        label = f"id {voucher_id}"
        try:
            voucher = voucher_in_scope(session, voucher_id)
            label = voucher.display_number
            done.append(action(voucher))
        except BusinessError as exc:
            reason = exc.message
            exc.within(f"ids[{position[voucher_id]}]")
            exc.message = f"凭证 {label}：{reason}"  # what a person reads: the voucher, not its place in the list
            exc.args = (exc.message,)
            raise exc from None
    return done


def review_many(session: Session, user: User, ids: list[int]) -> list[Voucher]:
    """批量审核 of the selected vouchers: all or none."""
    return _each(session, ids, lambda voucher: review.review(session, user, voucher))


def post_many_selected(session: Session, user: User, ids: list[int]) -> list[Voucher]:
    """批量记账 of the selected reviewed vouchers: all or none."""
    ledger = Ledger(session, user)
    return _each(session, ids, ledger.post)

