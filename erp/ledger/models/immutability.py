"""Posted accounting data is never updated or deleted.

The service refuses it here, for every session (a flush that touches a posted voucher or one of its
lines fails), and on PostgreSQL triggers installed by the ledger migration refuse it even from raw SQL.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from erp.core.errors import Conflict
from erp.ledger.models.vouchers import Voucher, VoucherLine, VoucherState


class PostedRecordImmutable(Conflict):
    code = "posted_immutable"


def _was_posted(voucher: Voucher) -> bool:
    history = inspect(voucher).attrs.state.history
    committed = history.deleted[0] if history.deleted else voucher.state
    return committed is VoucherState.POSTED


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_posted(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Voucher) and _was_posted(obj) and (obj in session.deleted or session.is_modified(obj)):
            raise PostedRecordImmutable(f"已记账凭证 {obj.number} 不能修改或删除，请冲销 "
                                        f"(posted vouchers are immutable: reverse instead)")
        if isinstance(obj, VoucherLine) and obj.voucher is not None and _was_posted(obj.voucher) and (
                obj in session.deleted or session.is_modified(obj)):
            raise PostedRecordImmutable(f"已记账凭证 {obj.voucher.number} 的分录不能修改或删除 "
                                        f"(posted voucher lines are immutable)")
    for obj in session.new:
        if isinstance(obj, VoucherLine) and obj.voucher is not None and obj.voucher.state is VoucherState.POSTED \
                and inspect(obj.voucher).persistent and _was_posted(obj.voucher):
            raise PostedRecordImmutable(f"已记账凭证 {obj.voucher.number} 不能增加分录 (posted vouchers are closed)")
