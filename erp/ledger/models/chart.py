"""The chart of accounts (会计科目) and the 平行记账 mapping to budget accounts."""
from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Index, SmallInteger, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp.core.extensions import db
from erp.core.mixins import Audited
from erp.core.models import enum_column

# Revenue and expense close into surplus at year end; the other categories are carried into the next year.
CLOSED_CATEGORIES = ("revenue", "expense", "budget_revenue", "budget_expenditure")
CARRIED_CATEGORIES = ("asset", "liability", "net_assets", "budget_balance")
PATH_SEPARATOR = "—"  # between the levels of an account's full name


class Basis(str, enum.Enum):
    FINANCIAL = "financial"  # 财务会计
    BUDGET = "budget"  # 预算会计


class Side(str, enum.Enum):
    DEBIT = "debit"
    CREDIT = "credit"


class Account(Audited, db.Model):
    """会计科目. The community's chart; an institution may add its own detail accounts (明细科目)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    category: Mapped[str] = mapped_column(String(32))  # asset, liability, net_assets, revenue, expense, budget_*
    basis: Mapped[Basis] = enum_column(Basis, 16)
    balance_side: Mapped[Side] = enum_column(Side, 8)
    # comma-separated subset of DIMENSIONS (models.vouchers) that every line on this account must carry
    required_dimensions: Mapped[str] = mapped_column(String(96), default="")
    # "" = every institution; "grassroots" = only 基层医疗卫生机构; "hospital" = only hospitals
    variant: Mapped[str] = mapped_column(String(16), default="")
    has_children: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped["Account | None"] = relationship(remote_side=[id])

    @property
    def full_name(self) -> str:
        """The name with its parents' (全路径): 事业收入—医疗收入—门急诊收入—诊察收入."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return PATH_SEPARATOR.join(reversed(names))

    @property
    def required(self) -> list[str]:
        return [d for d in self.required_dimensions.split(",") if d]


# A code is unique per community for the shared chart, and per institution for its own detail accounts.
Index("uq_account_code", Account.community_id, func.coalesce(Account.institution_id, 0), Account.code, unique=True)


class BudgetMapping(Audited, db.Model):
    """平行记账 rule: how a financial account on a side maps to a budget account.

    role ``cash`` marks cash accounts (their budget account takes the balancing 资金结存 line), ``fiscal``
    marks fiscal funding that is itself budget revenue (direct payment), ``counterpart`` maps the other
    lines of a cash voucher to budget revenue or expenditure. The longest matching prefix wins.
    """

    __tablename__ = "budget_mapping"
    __table_args__ = (UniqueConstraint("community_id", "account_prefix", "side"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    account_prefix: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8), default="any")  # debit, credit, any
    role: Mapped[str] = mapped_column(String(16))  # cash, fiscal, counterpart
    budget_account_code: Mapped[str] = mapped_column(String(32))
