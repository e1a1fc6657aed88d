"""Budget fixtures: the ledger's demo plus the budget demo (approved budgets in execution)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution, User
from erp.budget.demo import load_demo as load_budget_demo
from erp.budget.models import Budget, BudgetLine
from erp.ledger.services import DocumentSource
from tests.ledger.conftest import YEAR


@pytest.fixture
def budgets(books):
    """The demo budgets of QH001, QH101, QH102 for this year (in execution)."""
    load_budget_demo(db.session)
    db.session.commit()
    return Budgets()


class Budgets:
    year = YEAR

    def user(self, username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    def institution(self, code: str) -> Institution:
        return db.session.scalar(select(Institution).where(Institution.code == code))

    def budget(self, code: str) -> Budget:
        return db.session.scalar(select(Budget).join(Institution).where(Institution.code == code,
                                                                       Budget.year == YEAR))

    def line(self, code: str, department: str | None, funding_source: str | None) -> BudgetLine:
        budget = self.budget(code)
        for line in budget.lines:
            if (line.department.code if line.department else None) == department and \
                    (line.funding_source.code if line.funding_source else None) == funding_source:
                db.session.refresh(line)
                return line
        raise LookupError((code, department, funding_source))


def source(key: str, kind: str = "order", module: str = "procurement") -> DocumentSource:
    return DocumentSource(module, kind, key, f"{kind}-{key}", url=f"/{module}/{kind}s/{key}")


def money(text: str) -> Decimal:
    return Decimal(text)
