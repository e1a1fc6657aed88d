"""Ledger fixtures: the demo community with its chart and open years, and a bookkeeping helper."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import User
from erp.core.timeutil import local_today
from erp.ledger.demo import load_demo as load_ledger_demo
from erp.ledger.services.posting import Ledger
from erp.ledger.services.review import review
from tests.factories import VoucherFactory, voucher_line

YEAR = local_today().year


@pytest.fixture
def books(request, demo):
    """The ledger's demo on top of ``demo``: already in its snapshot, unless the test is ``committed``."""
    if request.node.get_closest_marker("committed"):
        load_ledger_demo(db.session)
        db.session.commit()
    return Books()


class Books:
    """Enter vouchers as the finance officer, review and post them as the chief accountant (separation of
    duties)."""

    def user(self, username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    def draft(self, institution: str, lines: list[tuple], on: date | None = None, memo: str = "", **extra):
        return VoucherFactory(institution=institution, lines=lines, date=on or date(YEAR, 3, 15), memo=memo, **extra)

    line = staticmethod(voucher_line)  # (account, debit, credit[, {"department": "01", ...}]) → LineInput

    def post(self, voucher):
        """审核 and 记账 by the chief accountant (the finance officer prepared it)."""
        chief = self.user("chief")
        review(db.session, chief, voucher)
        return Ledger(db.session, chief).post(voucher)

    def close_last_year(self, *codes: str) -> None:
        """Close every month of last year and the year itself (as the chief accountant): months of this
        year can only be closed after it."""
        from erp.core.models import Institution
        from erp.ledger.services.periods import close_period
        from erp.ledger.services.year_end import close_year

        chief = self.user("chief")
        for code in codes:
            institution = db.session.scalar(select(Institution).where(Institution.code == code))
            for month in range(1, 12):
                close_period(db.session, institution, YEAR - 1, month, chief)
            close_year(db.session, institution, YEAR - 1, chief)
        db.session.commit()

    def enter(self, institution: str, lines: list[tuple], on: date | None = None, memo: str = "", **extra):
        voucher = self.post(self.draft(institution, lines, on, memo, **extra))
        db.session.commit()
        return voucher


def budget_lines(voucher) -> list[tuple[str, str, str]]:
    return sorted((l.account.code, f"{l.debit:.2f}", f"{l.credit:.2f}") for l in voucher.lines if l.generated)
