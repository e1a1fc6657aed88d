"""The chart of accounts (政府会计制度) and the 平行记账 mapping, loaded per community from data files."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Community, Institution, InstitutionKind, User
from erp.core.security import require_whole_community
from erp.ledger.models import DIMENSIONS, PATH_SEPARATOR, Account, Basis, BudgetMapping, Side, VoucherLine

DATA = Path(__file__).parents[1] / "data"  # erp/ledger/data
GRASSROOTS_KINDS = {InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE,
                    InstitutionKind.VILLAGE_CLINIC}
# Lines on these accounts (and their detail accounts) must carry these dimensions.
DEFAULT_REQUIRED = {
    "5001": "department", "5101": "department",  # 费用 by 科室, for cost accounting
    "2302": "partner", "1214": "partner", "1218": "partner", "2307": "partner", "1212": "partner",
}


def _read(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as source:
        return list(csv.DictReader(source))


def load_chart(session: Session, community: Community) -> int:
    """Create the standard chart and the grassroots variant's accounts (idempotent); returns accounts added."""
    existing = {a.code: a for a in session.scalars(select(Account).where(
        Account.community_id == community.id, Account.institution_id.is_(None)))}
    added = 0
    for filename, variant in (("chart_of_accounts.csv", ""), ("grassroots_accounts.csv", "grassroots")):
        for row in _read(filename):
            if row["code"] in existing:
                continue
            parent = existing.get(row["parent"]) if row["parent"] else None
            required = DEFAULT_REQUIRED.get(row["code"]) or (parent.required_dimensions if parent else "")
            account = Account(community_id=community.id, code=row["code"], name=row["name"], parent=parent,
                              level=parent.level + 1 if parent else 1, category=row["category"],
                              basis=Basis(row["basis"]), balance_side=Side(row["balance_side"]),
                              required_dimensions=required, variant=variant)
            if parent:
                parent.has_children = True
            session.add(account)
            existing[row["code"]] = account
            added += 1
    session.flush()
    have = {(m.account_prefix, m.side) for m in session.scalars(
        select(BudgetMapping).where(BudgetMapping.community_id == community.id))}
    for row in _read("budget_mapping.csv"):
        if (row["account_prefix"], row["side"]) not in have:
            session.add(BudgetMapping(community_id=community.id, account_prefix=row["account_prefix"],
                                      side=row["side"], role=row["role"],
                                      budget_account_code=row["budget_account_code"]))
    session.flush()
    return added


def uses_grassroots_chart(institution: Institution) -> bool:
    return institution.kind in GRASSROOTS_KINDS


def visible_accounts(community_id: int, institution: Institution | None = None):
    """The accounts an institution may use: the community's, its own details, and its chart variant."""
    statement = select(Account).where(Account.community_id == community_id, Account.active.is_(True))
    if institution is None:
        return statement.where(Account.institution_id.is_(None))
    variants = ["", "grassroots"] if uses_grassroots_chart(institution) else ["", "hospital"]
    return statement.where(or_(Account.institution_id.is_(None), Account.institution_id == institution.id),
                           Account.variant.in_(variants))


def account_for_posting(session: Session, institution: Institution, code: str, field: str) -> Account:
    """A leaf account this institution may post to, or a 4xx naming the field."""
    account = session.scalar(visible_accounts(institution.community_id, institution).where(Account.code == code)
                             .order_by(Account.institution_id.desc().nulls_last()))
    if account is None:
        raise NotFound.for_field(field, f"科目 {code} 不存在 (unknown account {code!r})")
    if not is_leaf(session, account, institution):
        raise BusinessError.for_field(field, f"科目 {code} {account.name} 有下级科目，只能记入末级科目 "
                                             f"(post to a leaf account)", "non_leaf_account")
    return account


def is_leaf(session: Session, account: Account, institution: Institution) -> bool:
    """Leaf for this institution: no community child, and none of the institution's own details below it."""
    if account.has_children:
        return False
    own_child = select(Account.id).where(Account.parent_id == account.id, Account.institution_id == institution.id)
    return session.scalar(own_child.limit(1)) is None


def account_paths(session: Session, community_id: int, institution: Institution | None = None
                  ) -> list[tuple[Account, str]]:
    """Every account visible to the institution with its full name (全路径), by code; an institution's own
    detail account comes before a community account of the same code."""
    accounts = list(session.scalars(visible_accounts(community_id, institution)
                                    .order_by(Account.code, Account.institution_id.desc().nulls_last())))
    by_id = {account.id: account for account in accounts}
    paths: dict[int, str] = {}

    def path(account: Account) -> str:
        if account.id not in paths:
            parent = by_id.get(account.parent_id) if account.parent_id else None
            paths[account.id] = (path(parent) + PATH_SEPARATOR if parent else "") + account.name
        return paths[account.id]

    return [(account, path(account)) for account in accounts]


def matches(account: Account, full_name: str, q: str) -> bool:
    """Every word of ``q`` is the start of the code or part of the name at any level (科目 search)."""
    return all(account.code.startswith(word) or word in full_name for word in q.split())


def search_accounts(session: Session, institution: Institution, q: str, limit: int) -> list[tuple[Account, str]]:
    """The leaf financial accounts the institution posts to whose code or any level's name matches ``q``:
    ``诊察`` finds 事业收入—医疗收入—门急诊收入—诊察收入, ``医疗收入 诊察`` too, ``41010101`` every leaf below."""
    found = account_paths(session, institution.community_id, institution)
    own_parents = {account.parent_id for account, _ in found if account.institution_id == institution.id}
    items, seen = [], set()
    for account, full_name in found:
        if (account.code in seen or account.basis is not Basis.FINANCIAL or account.has_children
                or account.id in own_parents or (q and not matches(account, full_name, q))):
            continue
        seen.add(account.code)
        items.append((account, full_name))
        if len(items) >= limit:
            break
    return items


def add_detail_account(session: Session, institution: Institution, parent_code: str, code: str, name: str,
                       required_dimensions: list[str] | None = None) -> Account:
    """An institution's own 明细科目 below a community account."""
    parent = session.scalar(visible_accounts(institution.community_id, institution)
                            .where(Account.code == parent_code))
    if parent is None:
        raise NotFound.for_field("parent", f"unknown parent account {parent_code!r}")
    if not code.startswith(parent.code) or len(code) <= len(parent.code):
        raise BusinessError.for_field("code", f"明细科目编码必须以上级科目 {parent.code} 开头 "
                                              f"(a detail code extends its parent's code)")
    if session.scalar(select(VoucherLine.id).where(VoucherLine.account_id == parent.id).limit(1)):
        raise BusinessError.for_field("parent", f"科目 {parent.code} 已有凭证，不能再增加下级科目 "
                                                f"(the parent already has postings)")
    if session.scalar(visible_accounts(institution.community_id, institution).where(Account.code == code)):
        raise BusinessError.for_field("code", f"科目 {code} 已存在", "duplicate")
    dims = required_dimensions if required_dimensions is not None else parent.required
    unknown = set(dims) - set(DIMENSIONS)
    if unknown:
        raise BusinessError.for_field("required_dimensions", f"unknown dimensions: {', '.join(sorted(unknown))}")
    account = Account(community_id=institution.community_id, institution_id=institution.id, code=code, name=name,
                      parent=parent, level=parent.level + 1, category=parent.category, basis=parent.basis,
                      balance_side=parent.balance_side, required_dimensions=",".join(dims), variant=parent.variant)
    if parent.institution_id is not None:
        # A community account stays flagged a leaf: it gains children only for this institution (see is_leaf).
        parent.has_children = True
    session.add(account)
    session.flush()
    return account


def set_budget_mapping(session: Session, community_id: int, *, user: User | None, account_prefix: str, side: str,
                       role: str, budget_account_code: str) -> BudgetMapping:
    """Add or change the 平行记账 rule for an account prefix and side; the budget account must be a budget leaf.
    The mapping is the community's: only a whole-community user changes it."""
    require_whole_community(user, "平行记账对应关系")
    target = session.scalar(select(Account).where(Account.community_id == community_id, Account.institution_id.is_(None),
                                                  Account.code == budget_account_code))
    if target is None or target.basis is not Basis.BUDGET or target.has_children:
        raise BusinessError.for_field("budget_account_code", f"{budget_account_code} 不是预算会计末级科目 "
                                                             f"(must be a leaf budget-accounting account)")
    if not session.scalar(select(Account.id).where(Account.community_id == community_id,
                                                   Account.code.startswith(account_prefix, autoescape=True))
                       .limit(1)):
        raise BusinessError.for_field("account_prefix", f"没有以 {account_prefix} 开头的科目 (matches no account)")
    rule = session.scalar(select(BudgetMapping).where(BudgetMapping.community_id == community_id,
                                                      BudgetMapping.account_prefix == account_prefix,
                                                      BudgetMapping.side == side))
    if rule is None:
        rule = BudgetMapping(community_id=community_id, account_prefix=account_prefix, side=side)
        session.add(rule)
    rule.role, rule.budget_account_code = role, budget_account_code
    session.flush()
    return rule


def delete_budget_mapping(session: Session, community_id: int, mapping_id: int, *, user: User | None) -> None:
    """Remove a 平行记账 rule of the community (a whole-community user only)."""
    rule = session.scalar(select(BudgetMapping).where(BudgetMapping.id == mapping_id,
                                                      BudgetMapping.community_id == community_id))
    if rule is None:
        raise NotFound.for_field("id", f"mapping {mapping_id} not found")
    require_whole_community(user, "平行记账对应关系")
    session.delete(rule)
    session.flush()
