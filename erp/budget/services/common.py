"""Look-ups shared by the budget services: institutions, budget-expenditure accounts, departments and funding
sources by code, amounts, and the largest-remainder split."""
from __future__ import annotations

from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Department, FundingSource, Institution
from erp.core.money import MoneyError, parse_amount
from erp.core.services import institution_by_code
from erp.ledger.services import Account, Basis



def institution_of(session: Session, community_id: int, institution, *, write: bool = False) -> Institution:
    """An :class:`Institution` given itself or its code."""
    if isinstance(institution, Institution):
        return institution
    return institution_by_code(session, community_id, str(institution), write=write)


# The look-ups are built once with named parameters (budget control runs them on every check and commitment;
# a statement built afresh costs its cache-key walk): account_lookup takes community_id, institution_id and
# account_code; department_lookup institution_id and department_code; funding_source_lookup community_id and
# funding_source_code.

@cache
def account_lookup() -> Select:
    """The active account as the institution sees it: its own first, else the community's."""
    return (select(Account).where(Account.community_id == bindparam("community_id"),
                                  Account.code == bindparam("account_code"), Account.active.is_(True),
                                  or_(Account.institution_id.is_(None),
                                      Account.institution_id == bindparam("institution_id")))
            .order_by(Account.institution_id.desc().nulls_last()).limit(1))


def is_expenditure(basis: Basis, category: str) -> bool:
    """A budget-accounting expenditure account (7xxx or a detail below it)."""
    return basis is Basis.BUDGET and category == "budget_expenditure"


@cache
def department_lookup() -> Select:
    return select(Department.id).where(Department.institution_id == bindparam("institution_id"),
                                       Department.code == bindparam("department_code"))


@cache
def funding_source_lookup() -> Select:
    return select(FundingSource.id).where(FundingSource.community_id == bindparam("community_id"),
                                          FundingSource.code == bindparam("funding_source_code"))


def expenditure_account(session: Session, institution: Institution, code: str, field: str = "account") -> Account:
    """A budget-accounting expenditure account (7xxx or a detail below it) this institution may use."""
    account = session.scalar(account_lookup(), {"community_id": institution.community_id,
                                                "institution_id": institution.id, "account_code": str(code)})
    if account is None:
        raise NotFound.for_field(field, f"科目 {code} 不存在 (unknown account {code!r})", "unknown_account")
    if not is_expenditure(account.basis, account.category):
        raise BusinessError.for_field(field, f"科目 {code} {account.name} 不是预算支出科目（7 开头）"
                                             f"(not a budget expenditure account)", "not_expenditure_account")
    return account


def department_id(session: Session, institution: Institution, code, field: str = "department") -> int | None:
    if code in (None, ""):
        return None
    if isinstance(code, Department):
        return code.id
    found = session.scalar(department_lookup(), {"institution_id": institution.id, "department_code": str(code)})
    if found is None:
        raise NotFound.for_field(field, f"{institution.name} 没有科室 {code} (unknown department {code!r})",
                                 "unknown_department")
    return found


def funding_source_id(session: Session, community_id: int, code, field: str = "funding_source") -> int | None:
    if code in (None, ""):
        return None
    if isinstance(code, FundingSource):
        return code.id
    found = session.scalar(funding_source_lookup(), {"community_id": community_id, "funding_source_code": str(code)})
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
