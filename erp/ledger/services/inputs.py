"""What the posting services take: a voucher as codes and amounts (:class:`VoucherInput`, :class:`LineInput`)
and a validated line (:class:`PostingLine`), shared by the one-voucher writer (:mod:`.posting`) and the batch
writer (:mod:`.batch_posting`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from erp.core.models import Department, Employee, FundingSource, Partner, Project
from erp.ledger.models import DIMENSIONS, Account, Basis, VoucherLine
from erp.ledger.services.engine import ZERO, dimension_ids

DIMENSION_MODELS = {"department": Department, "partner": Partner, "funding_source": FundingSource,
                    "employee": Employee, "project": Project}
INSTITUTION_DIMENSIONS = {"department", "employee"}  # codes are per institution; the others per community


@dataclass
class LineInput:
    account: str
    debit: Decimal | str | int = ZERO
    credit: Decimal | str | int = ZERO
    department: str | None = None
    partner: str | None = None
    funding_source: str | None = None
    employee: str | None = None
    project: str | None = None
    memo: str = ""
    cash_flow_item: str | None = None  # 现金流量项目 of a cash line (optional: derived from the counter-account)


@dataclass
class VoucherInput:
    institution: str
    date: date
    lines: list[LineInput]
    memo: str = ""
    attachment_count: int = 0
    internal_ref: str | None = None


@dataclass(slots=True)
class PostingLine:
    """A validated line as the rules see it: what create_draft turns into a VoucherLine and what
    post_many writes with bulk inserts. Same attribute names as :class:`VoucherLine`, so the shared rules
    (平行记账, balance checks, the hash, the kept balances) take either."""

    line_no: int
    account: Account
    account_id: int
    basis: Basis
    debit: Decimal
    credit: Decimal
    department_id: int | None = None
    partner_id: int | None = None
    funding_source_id: int | None = None
    employee_id: int | None = None
    project_id: int | None = None
    memo: str = ""
    generated: bool = False
    cash_flow_item: str | None = None

    def to_voucher_line(self, institution_id: int) -> VoucherLine:
        return VoucherLine(institution_id=institution_id, line_no=self.line_no, account=self.account,
                           account_id=self.account_id, basis=self.basis, debit=self.debit, credit=self.credit,
                           **dict(zip((f"{d}_id" for d in DIMENSIONS), dimension_ids(self))), memo=self.memo,
                           generated=self.generated, cash_flow_item=self.cash_flow_item)
