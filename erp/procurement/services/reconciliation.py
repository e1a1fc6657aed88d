"""账实核对: the ledger's 1302 库存物品 balance against the stock ledger's value, per member and in total.

The ledger side is read from the kept balances (the ledger's read models, through its services face): the
opening balance of each institution's first year (month 0) plus every month's movement since, on 1302 and
its detail accounts. The stock side is the sum of the batches' values (= the sum of the stock moves)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.models import Institution
from erp.ledger.services import Account, Balance, posting_template
from erp.procurement.services.stock import moves_value_by_institution, stock_value_by_institution

ZERO = Decimal("0")
STOCK_ACCOUNT = "1302"


@dataclass(frozen=True)
class ReconciliationRow:
    institution: Institution
    ledger: Decimal
    stock: Decimal
    moves: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.stock

    @property
    def reconciled(self) -> bool:
        return self.ledger == self.stock == self.moves


@dataclass(frozen=True)
class Reconciliation:
    rows: list[ReconciliationRow]

    @property
    def ledger_total(self) -> Decimal:
        return sum((row.ledger for row in self.rows), ZERO)

    @property
    def stock_total(self) -> Decimal:
        return sum((row.stock for row in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.ledger_total - self.stock_total

    @property
    def reconciled(self) -> bool:
        return all(row.reconciled for row in self.rows)


def ledger_stock_balances(session: Session, excluded: tuple[str, ...] = ()) -> dict[int, Decimal]:
    """Debit balance of 1302* per institution in scope, without the ``excluded`` accounts (成本差异: invoice
    price differences are no stock)."""
    first_year = (select(Balance.institution_id, func.min(Balance.year).label("year"))
                  .group_by(Balance.institution_id).subquery())
    statement = (select(Balance.institution_id, func.sum(Balance.debit), func.sum(Balance.credit))
                 .join(Account, Account.id == Balance.account_id)
                 .join(first_year, first_year.c.institution_id == Balance.institution_id)
                 .where(Account.code.like(STOCK_ACCOUNT + "%"), Account.code.not_in(excluded),
                        (Balance.month > 0) | (Balance.year == first_year.c.year))
                 .group_by(Balance.institution_id))
    return {institution_id: (debit or ZERO) - (credit or ZERO)
            for institution_id, debit, credit in session.execute(statement)}


def reconcile(session: Session, community_id: int) -> Reconciliation:
    difference_account = posting_template(session, community_id, "procurement.invoice").account("price_difference")
    ledger = ledger_stock_balances(session, (difference_account,))
    stock = stock_value_by_institution(session)
    moves = moves_value_by_institution(session)
    ids = sorted(set(ledger) | set(stock) | set(moves))
    institutions = {i.id: i for i in session.scalars(select(Institution).where(Institution.id.in_(ids)))}
    rows = [ReconciliationRow(institutions[i], ledger.get(i, ZERO), stock.get(i, ZERO), moves.get(i, ZERO))
            for i in ids if i in institutions and (ledger.get(i) or stock.get(i) or moves.get(i))]
    rows.sort(key=lambda row: row.institution.code)
    return Reconciliation(rows)
