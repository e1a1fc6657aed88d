"""The chart as the reports see it and amounts from the ``balance`` table (and the closing vouchers): what
the :class:`~erp.ledger.reports.snapshot.Snapshot` and the consolidation are built from."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from erp.core.errors import NotFound
from erp.ledger.models import (PATH_SEPARATOR, Account, Basis, Balance, Voucher, VoucherKind, VoucherLine,
                               VoucherState)
from erp.ledger.reports.common import ZERO, PeriodRange, Target, split_net


# =========================================================================================== the chart


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: int
    parent: str | None
    category: str
    basis: str
    synthetic: bool = False


class ChartView:
    """The community's chart plus the detail accounts of the target's institutions, by code.

    Detail accounts of different institutions that share a code are one row in a group report.
    """

    def __init__(self, rows: Iterable[Any]):
        self.nodes: dict[str, Node] = {}
        self.code_of: dict[int, str] = {}
        self.ids_of: dict[str, list[int]] = defaultdict(list)
        rows = list(rows)
        parent_ids = {}
        for row in sorted(rows, key=lambda r: (r.institution_id is not None, r.institution_id or 0, r.id)):
            self.code_of[row.id] = row.code
            self.ids_of[row.code].append(row.id)
            parent_ids.setdefault(row.code, row.parent_id)
            if row.code not in self.nodes:
                basis = row.basis.value if isinstance(row.basis, Basis) else str(row.basis)
                self.nodes[row.code] = Node(row.code, row.name, row.level, None, row.category, basis)
        for code, parent_id in parent_ids.items():
            if parent_id is not None and parent_id in self.code_of:
                self.nodes[code] = replace(self.nodes[code], parent=self.code_of[parent_id])
        self._chains: dict[str, tuple[str, ...]] = {}

    def add_synthetic(self, node: Node) -> None:
        self.nodes[node.code] = node

    def chain(self, code: str) -> tuple[str, ...]:
        """The code and its ancestors, leaf first."""
        found = self._chains.get(code)
        if found is None:
            parent = self.nodes[code].parent
            found = (code,) + (self.chain(parent) if parent else ())
            self._chains[code] = found
        return found

    def full_name(self, code: str) -> str:
        """The account's name with its parents' (事业收入—医疗收入—门急诊收入—诊察收入)."""
        return PATH_SEPARATOR.join(self.nodes[c].name for c in reversed(self.chain(code)))

    def top(self, code: str) -> str:
        return self.chain(code)[-1]

    def descendants(self, code: str) -> list[str]:
        """The code and every code below it."""
        return [c for c in self.nodes if code in self.chain(c)]

    def subtree_ids(self, code: str) -> list[int]:
        return sorted(i for c in self.descendants(code) for i in self.ids_of.get(c, ()))

    def node(self, code: str, field: str = "account") -> Node:
        found = self.nodes.get(code)
        if found is None or found.synthetic:
            raise NotFound.for_field(field, f"科目 {code} 不存在 (unknown account {code!r})")
        return found


def chart_view(session: Session, target: Target) -> ChartView:
    rows = session.execute(select(Account.id, Account.code, Account.name, Account.parent_id, Account.level,
                                  Account.category, Account.basis, Account.institution_id)
                           .where(Account.community_id == target.community_id,
                                  or_(Account.institution_id.is_(None), Account.institution_id.in_(target.ids))))
    return ChartView(rows)


# =========================================================================================== amounts


@dataclass
class Amounts:
    """One account's figures for a period range (debit-positive nets, gross movements)."""

    bf: Decimal = ZERO  # month 0: brought forward from last year (net)
    pre_debit: Decimal = ZERO  # months 1 .. start-1
    pre_credit: Decimal = ZERO
    debit: Decimal = ZERO  # months start .. end
    credit: Decimal = ZERO

    def add(self, other: "Amounts", sign: int = 1) -> "Amounts":
        self.bf += sign * other.bf
        self.pre_debit += sign * other.pre_debit
        self.pre_credit += sign * other.pre_credit
        self.debit += sign * other.debit
        self.credit += sign * other.credit
        return self

    def copy(self) -> "Amounts":
        return Amounts(self.bf, self.pre_debit, self.pre_credit, self.debit, self.credit)

    @property
    def opening(self) -> Decimal:
        return self.bf + self.pre_debit - self.pre_credit

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def movement(self) -> Decimal:
        return self.debit - self.credit

    @property
    def ytd_debit(self) -> Decimal:
        return self.pre_debit + self.debit

    @property
    def ytd_credit(self) -> Decimal:
        return self.pre_credit + self.credit

    @property
    def ytd_movement(self) -> Decimal:
        return self.ytd_debit - self.ytd_credit

    @property
    def is_zero(self) -> bool:
        return not (self.bf or self.pre_debit or self.pre_credit or self.debit or self.credit)

    @classmethod
    def of_nets(cls, bf: Decimal, pre: Decimal, period: Decimal) -> "Amounts":
        """From nets only: each movement on its side."""
        return cls(bf, *split_net(pre), *split_net(period))


def _bucket_sums(column, rng: PeriodRange):
    month = Balance.month
    buckets = ((month == 0), month.between(1, rng.start - 1), month.between(rng.start, rng.end))
    return [func.sum(case((condition, column), else_=0)) for condition in buckets]


def leaf_amounts(session: Session, institution_ids: list[int], rng: PeriodRange, *, where: Iterable = (),
                 by: tuple = ()) -> dict[tuple, Amounts]:
    """One GROUP BY over ``balance``: per (account_id, *by) the month buckets of the range."""
    bf_d, pre_d, per_d = _bucket_sums(Balance.debit, rng)
    bf_c, pre_c, per_c = _bucket_sums(Balance.credit, rng)
    statement = (select(Balance.account_id, *by, bf_d, bf_c, pre_d, pre_c, per_d, per_c)
                 .where(Balance.institution_id.in_(institution_ids), Balance.year == rng.year,
                        Balance.month <= rng.end, *where)
                 .group_by(Balance.account_id, *by))
    result: dict[tuple, Amounts] = {}
    width = 1 + len(by)
    for row in session.execute(statement):
        key = tuple(row[:width])
        bf_debit, bf_credit, pre_debit, pre_credit, debit, credit = (v or ZERO for v in row[width:])
        amounts = Amounts(bf_debit - bf_credit, pre_debit, pre_credit, debit, credit)
        if not amounts.is_zero:
            result[key] = amounts
    return result


def closing_voucher_amounts(session: Session, institution_ids: list[int], rng: PeriodRange, *, where: Iterable = (),
                            by: tuple = ()) -> dict[tuple, Amounts]:
    """The year-end closing vouchers' lines in the range per (account_id, *by): a handful of lines."""
    statement = (select(VoucherLine.account_id, *by, Voucher.month, func.sum(VoucherLine.debit),
                        func.sum(VoucherLine.credit))
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(Voucher.institution_id.in_(institution_ids), Voucher.year == rng.year,
                        Voucher.month <= rng.end, Voucher.kind == VoucherKind.CLOSING,
                        Voucher.state == VoucherState.POSTED, *where)
                 .group_by(VoucherLine.account_id, *by, Voucher.month))
    result: dict[tuple, Amounts] = defaultdict(Amounts)
    width = 1 + len(by)
    for row in session.execute(statement):
        month, debit, credit = row[width:]
        amounts = result[tuple(v or 0 for v in row[:width])]
        if month < rng.start:
            amounts.pre_debit += debit or ZERO
            amounts.pre_credit += credit or ZERO
        else:
            amounts.debit += debit or ZERO
            amounts.credit += credit or ZERO
    return dict(result)
