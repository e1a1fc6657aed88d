"""Ledger races: 审核, 取消审核, 出纳签字, 记账, 冲销, deleting a draft, closing and reopening a period, 年结."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select

from erp.core.extensions import db
from tests.ledger.conftest import YEAR
from tests.races.common import Race, chains_hold

LAST_YEAR = YEAR - 1
RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]


def _draft(request, reviewed=False):
    from erp.ledger.services.review import review

    books = request.getfixturevalue("books")
    draft = books.draft("QH101", RECEIPT)
    if reviewed:
        review(db.session, books.user("chief"), draft)
    db.session.commit()
    return draft.id


def _voucher_state(voucher_id, state):
    def check():
        from erp.ledger.models import Voucher

        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id).state.value == state
    return check


def voucher_review(request, api):
    voucher_id = _draft(request)
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/review", check=_voucher_state(voucher_id, "reviewed"))


def voucher_unreview(request, api):
    voucher_id = _draft(request, reviewed=True)
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/unreview", check=_voucher_state(voucher_id, "draft"))


def voucher_post(request, api):
    voucher_id = _draft(request, reviewed=True)

    def check():
        _voucher_state(voucher_id, "posted")()
        chains_hold()
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/post", check=check)


def voucher_reverse(request, api):
    from erp.ledger.models import Voucher

    voucher_id = request.getfixturevalue("books").enter("QH101", RECEIPT).id

    def check():
        chains_hold()
        assert db.session.scalar(select(func.count(Voucher.id)).where(Voucher.reversal_of_id == voucher_id)) == 1
    return Race("chief", f"/api/v1/vouchers/{voucher_id}/reverse", {"date": f"{YEAR}-03-20"}, ok=201, check=check)


def voucher_delete(request, api):
    from erp.ledger.models import Voucher

    voucher_id = _draft(request)

    def check():
        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id) is None
    # the losers find the draft gone: 404, or 409 when they read it before the winner deleted it
    return Race("finance", f"/api/v1/vouchers/{voucher_id}", method="DELETE", losers=(404, 409), check=check)


def _period(code, year, month):
    from erp.core.models import Institution
    from erp.ledger.models import Period

    return db.session.scalar(select(Period).join(Institution, Institution.id == Period.institution_id).where(
        Institution.code == code, Period.year == year, Period.month == month))


def period_close(request, api):
    request.getfixturevalue("books")

    def check():
        db.session.expire_all()
        assert _period("QH101", LAST_YEAR, 1).state.value == "closed"
    return Race("chief", "/api/v1/periods/close", {"institution": "QH101", "period": f"{LAST_YEAR}-01"}, check=check)


def period_reopen(request, api):
    request.getfixturevalue("books")
    closed = api("chief").post("/api/v1/periods/close", json={"institution": "QH101", "period": f"{LAST_YEAR}-01"})
    assert closed.status_code == 200, closed.json

    def check():
        db.session.expire_all()
        assert _period("QH101", LAST_YEAR, 1).state.value == "open"
    return Race("chief", "/api/v1/periods/reopen", {"institution": "QH101", "period": f"{LAST_YEAR}-01",
                                                    "reason": "补记漏记凭证"}, check=check)


def year_close(request, api):
    from erp.core.models import Institution
    from erp.ledger.services.periods import close_period

    books = request.getfixturevalue("books")
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH101"))
    for month in range(1, 12):
        close_period(db.session, institution, LAST_YEAR, month, books.user("chief"))
    db.session.commit()
    return Race("chief", "/api/v1/years/close", {"institution": "QH101", "year": LAST_YEAR})


def cashier_sign(request, api):
    voucher_id = _draft(request, reviewed=True)  # RECEIPT: a cash voucher
    assert api("finance").put("/api/v1/ledger-settings", json={"cashier_sign": True}).status_code == 200

    def check():
        from erp.ledger.models import Voucher

        db.session.expire_all()
        assert db.session.get(Voucher, voucher_id).cashier.username == "accountant"
    return Race("accountant", f"/api/v1/vouchers/{voucher_id}/cashier-sign", check=check)


RACES: dict[tuple[str, str], Callable] = {
    ("POST", "/api/v1/vouchers/<int:voucher_id>/review"): voucher_review,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/unreview"): voucher_unreview,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/post"): voucher_post,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/reverse"): voucher_reverse,
    ("DELETE", "/api/v1/vouchers/<int:voucher_id>"): voucher_delete,
    ("POST", "/api/v1/vouchers/<int:voucher_id>/cashier-sign"): cashier_sign,
    ("POST", "/api/v1/periods/close"): period_close,
    ("POST", "/api/v1/periods/reopen"): period_reopen,
    ("POST", "/api/v1/years/close"): year_close,
}
