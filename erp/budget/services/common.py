"""Look-ups shared by the budget services: institutions, budget-expenditure accounts, departments and funding
sources by code, amounts, and the largest-remainder split."""
from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Hashable, Sequence, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Department, FundingSource, Institution
from erp.core.money import MoneyError, parse_amount
from erp.core.services import institution_by_code
from erp.ledger.services import Account, Basis
from erp.budget.models import ZERO

FEN = Decimal("0.01")
K = TypeVar("K", bound=Hashable)


def institution_of(session: Session, community_id: int, institution, *, write: bool = False) -> Institution:
    """An :class:`Institution` given itself or its code."""
    if isinstance(institution, Institution):
        return institution
    return institution_by_code(session, community_id, str(institution), write=write)


def expenditure_account(session: Session, institution: Institution, code: str, field: str = "account") -> Account:
    """A budget-accounting expenditure account (7xxx or a detail below it) this institution may use."""
    account = session.scalar(
        select(Account).where(Account.community_id == institution.community_id, Account.code == str(code),
                              Account.active.is_(True),
                              or_(Account.institution_id.is_(None), Account.institution_id == institution.id))
        .order_by(Account.institution_id.desc().nulls_last()))
    if account is None:
        raise NotFound.for_field(field, f"科目 {code} 不存在 (unknown account {code!r})", "unknown_account")
    if account.basis is not Basis.BUDGET or account.category != "budget_expenditure":
        raise BusinessError.for_field(field, f"科目 {code} {account.name} 不是预算支出科目（7 开头）"
                                             f"(not a budget expenditure account)", "not_expenditure_account")
    return account


def department_id(session: Session, institution: Institution, code, field: str = "department") -> int | None:
    if code in (None, ""):
        return None
    if isinstance(code, Department):
        return code.id
    found = session.scalar(select(Department.id).where(Department.institution_id == institution.id,
                                                       Department.code == str(code)))
    if found is None:
        raise NotFound.for_field(field, f"{institution.name} 没有科室 {code} (unknown department {code!r})",
                                 "unknown_department")
    return found


def funding_source_id(session: Session, community_id: int, code, field: str = "funding_source") -> int | None:
    if code in (None, ""):
        return None
    if isinstance(code, FundingSource):
        return code.id
    found = session.scalar(select(FundingSource.id).where(FundingSource.community_id == community_id,
                                                          FundingSource.code == str(code)))
    if found is None:
        raise NotFound.for_field(field, f"资金来源 {code} 不存在 (unknown funding source {code!r})",
                                 "unknown_funding_source")
    return found


def positive_amount(value, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """A money amount > 0 (≥ 0 with ``allow_zero``), exact to the fen, or a 422 naming the field."""
    try:
        amount = parse_amount(value, field=field, allow_negative=True)
    except MoneyError as exc:
        raise BusinessError.for_field(field, str(exc)) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BusinessError.for_field(field, f"金额必须大于零 (the amount must be positive): {amount}",
                                      "negative_amount")
    return amount


def largest_remainder(total: Decimal, weights: Sequence[tuple[K, Decimal]]) -> dict[K, Decimal]:
    """Split ``total`` (fen, any sign) over ``weights`` (≥ 0, positive sum) by the largest-remainder method:
    every share is first cut down to the fen, then the fen left over go one each to the largest fractional
    remainders (ties: the larger weight, then the order given). The shares sum to ``total`` exactly."""
    if total != total.quantize(FEN):
        raise ValueError(f"{total} is not in fen")
    weight_sum = sum((w for _, w in weights), Decimal(0))
    if weight_sum <= 0 or any(w < 0 for _, w in weights):
        raise ValueError("the weights must be ≥ 0 with a positive sum")
    sign, cents = (-1 if total < 0 else 1), int(abs(total) / FEN)
    with localcontext() as context:
        context.prec = 50
        exact = [(key, Decimal(cents) * w / weight_sum) for key, w in weights]
    floors = {key: int(value.to_integral_value(rounding=ROUND_DOWN)) for key, value in exact}
    left = cents - sum(floors.values())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - floors[exact[i][0]]), -weights[i][1], i))
    for i in order[:left]:
        floors[exact[i][0]] += 1
    return {key: sign * Decimal(units) * FEN if units else ZERO for key, units in floors.items()}
