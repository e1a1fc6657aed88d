"""Consolidation of members' books (医共体合并): the sum of the members less their internal figures.

What is internal
    1. 内部往来 balances: balances on the receivable / prepayment and payable / receipts-in-advance accounts
       listed in the community's ``ledger.consolidation`` posting template (role ``internal_balance``; by
       default 121x except 1219 坏账准备, and 230x), or their detail accounts, whose partner dimension is
       another member of the consolidated set (``Partner.kind == "member"``). Read from the ``balance`` table (partner dimension).
    2. 内部交易 revenue and expense: lines on revenue (4xxx) and expense (5xxx) accounts whose partner is
       another member — from the ``balance`` table — and revenue / expense lines of vouchers whose
       ``internal_ref`` is shared by two or more members of the set (e.g. drug distribution recorded with
       ``erp.ledger.services.internal``) even without a member partner — the only place where voucher lines are read,
       and only the lines of such vouchers.
    Other accounts carrying a member partner (inventory bought from a member, cash paid to one) are real
    assets of the community and are not eliminated. The budget side has no partner dimension and is summed
    without elimination.

Method
    Each internal amount is removed in full, in every column of the trial balance (opening, period debit,
    period credit, closing), from the account and member that recorded it: the elimination lines list them
    (type, member, counter-member, account, amounts). When both sides agree — QH001's 其他应收款 from QH101
    equals QH101's 其他应付款 to QH001, or internal revenue equals the counter-member's internal expense —
    the removed debits and credits cancel and the consolidated books still balance. When they do not, the
    unmatched difference is NOT hidden: it is booked to a visible line, ``ELIM-BS`` 内部往来未达差额 (a
    balance-sheet line) or ``ELIM-PL`` 内部交易未抵销差额 (an income-statement line), and each pair of
    members is listed with both sides' balances and the difference, so the accountant can find the
    transaction one side has not recorded. Consolidated 净资产 and 本期盈余 therefore always equal the sum of
    the members' figures: elimination only removes the grossing-up between members.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Partner
from erp.core.rendering import Column
from erp.ledger.models import Balance, Basis, Voucher, VoucherLine, VoucherState
from erp.ledger.services.posting_templates import posting_template
from erp.ledger.reports.balances import Amounts, ChartView, Node, closing_voucher_amounts, leaf_amounts
from erp.ledger.reports.common import ZERO, PeriodRange, Target, money, split_net

# The 内部往来 accounts (应收/预付, 应付/预收 and their detail accounts) are the community's posting template
# of this kind, role ``internal_balance`` (erp/ledger/data/posting_templates.csv).
TEMPLATE_KIND = "ledger.consolidation"
BALANCE, TRANSACTION = "balance", "transaction"
TYPE_TITLES = {BALANCE: "内部往来", TRANSACTION: "内部收入费用"}
MANY = "多方"
RESIDUE_NODES = {
    BALANCE: Node("ELIM-BS", "内部往来未达差额（合并，待核对）", 1, None, "asset", "financial", synthetic=True),
    TRANSACTION: Node("ELIM-PL", "内部交易未抵销差额（合并，待核对）", 1, None, "revenue", "financial",
                      synthetic=True),
}
METHOD = ("合并方法：成员单位科目余额相加后，全额抵销成员之间的内部往来余额（记账模板 {ref} 所列往来科目 {accounts} "
          "及其明细科目，往来单位为本次合并范围内的成员单位）和内部收入、费用（往来单位为成员单位，或同一内部往来编号"
          "在两个以上成员单位记账）；双方记录不一致时，差额单列为“内部往来未达差额/内部交易未抵销差额”，不予隐藏。"
          "预算会计分录无往来单位，合并时简单相加。")

LINE_COLUMNS = [Column("type", "类型"), Column("institution", "单位"), Column("counterparty", "对方单位"),
                Column("account", "科目"), Column("name", "科目名称"),
                Column("elimination_debit", "抵销借方（期末）", "amount"),
                Column("elimination_credit", "抵销贷方（期末）", "amount"),
                Column("period_debit", "抵销本期借方发生额", "amount"),
                Column("period_credit", "抵销本期贷方发生额", "amount")]
PAIR_COLUMNS = [Column("type", "类型"), Column("member_a", "单位甲"), Column("a", "甲方余额（借+/贷−）", "amount"),
                Column("member_b", "单位乙"), Column("b", "乙方余额（借+/贷−）", "amount"),
                Column("difference", "未达差额", "amount")]


@dataclass
class EliminationLine:
    type: str
    institution: str
    counterparty: str
    account: str
    name: str
    amounts: Amounts  # what is removed from the institution's account (debit-positive)

    def json(self) -> dict:
        elimination_debit, elimination_credit = split_net(-self.amounts.closing)
        return {"type": self.type, "institution": self.institution, "counterparty": self.counterparty,
                "account": self.account, "name": self.name, "opening": money(self.amounts.opening),
                "period_debit": money(self.amounts.debit), "period_credit": money(self.amounts.credit),
                "closing": money(self.amounts.closing), "elimination_debit": money(elimination_debit),
                "elimination_credit": money(elimination_credit)}


@dataclass
class Pair:
    type: str
    member_a: str
    member_b: str
    a: Decimal  # closing net of a's internal amounts toward b (debit-positive)
    b: Decimal

    @property
    def difference(self) -> Decimal:
        return self.a + self.b

    def json(self) -> dict:
        return {"type": self.type, "members": [self.member_a, self.member_b], "a": money(self.a),
                "b": money(self.b), "difference": money(self.difference)}


@dataclass
class Consolidation:
    lines: list[EliminationLine] = field(default_factory=list)
    adjustments: dict[int, Amounts] = field(default_factory=dict)  # account_id -> removed amounts
    residues: list[tuple[Node, Amounts]] = field(default_factory=list)  # unmatched differences, added back
    pairs: list[Pair] = field(default_factory=list)
    method: str = ""

    @property
    def unmatched(self) -> Decimal:
        return sum((abs(p.difference) for p in self.pairs), ZERO)

    def json(self) -> dict:
        return {"method": self.method, "lines": [line.json() for line in self.lines],
                "pairs": [pair.json() for pair in self.pairs],
                "differences": [{"account": node.code, "name": node.name, "opening": money(a.opening),
                                 "period_debit": money(a.debit), "period_credit": money(a.credit),
                                 "closing": money(a.closing)} for node, a in self.residues]}

    def table_rows(self) -> list[dict]:
        rows = []
        for line in self.lines:
            elimination_debit, elimination_credit = split_net(-line.amounts.closing)
            rows.append({"type": TYPE_TITLES[line.type], "institution": line.institution,
                         "counterparty": line.counterparty, "account": line.account, "name": line.name,
                         "elimination_debit": elimination_debit, "elimination_credit": elimination_credit,
                         # the eliminated movement: the opposite of what was recorded
                         "period_debit": line.amounts.credit, "period_credit": line.amounts.debit})
        return rows

    def pair_rows(self) -> list[dict]:
        return [{"type": TYPE_TITLES[p.type], "member_a": p.member_a, "a": p.a, "member_b": p.member_b, "b": p.b,
                 "difference": p.difference} for p in self.pairs]


def _kind(node: Node, internal_accounts: tuple[str, ...]) -> str | None:
    if node.basis != Basis.FINANCIAL.value:
        return None
    if node.category in ("asset", "liability"):
        return BALANCE if node.code.startswith(internal_accounts) else None
    if node.category in ("revenue", "expense"):
        return TRANSACTION
    return None


def consolidate(session: Session, target: Target, rng: PeriodRange, chart: ChartView, *,
                before_closing: bool = False) -> Consolidation:
    """The elimination of the target's internal amounts for the range (see the module docstring)."""
    template = posting_template(session, target.community_id, TEMPLATE_KIND)
    internal_accounts = template.accounts("internal_balance")
    ids = target.ids
    codes = target.codes
    members = dict(session.execute(select(Partner.id, Partner.member_institution_id).where(
        Partner.community_id == target.community_id, Partner.kind == "member",
        Partner.member_institution_id.in_(ids))).all())
    found: dict[tuple, Amounts] = defaultdict(Amounts)  # (account_id, institution_id, counter_id|None)

    if members:
        by = (Balance.institution_id, Balance.partner_id)
        where = [Balance.partner_id.in_(sorted(members))]
        for (account_id, institution_id, partner_id), amounts in leaf_amounts(session, ids, rng, where=where,
                                                                              by=by).items():
            found[(account_id, institution_id, members[partner_id])].add(amounts)
        if before_closing:
            closing = closing_voucher_amounts(session, ids, rng,
                                              by=(VoucherLine.institution_id, VoucherLine.partner_id),
                                              where=[VoucherLine.partner_id.in_(sorted(members))])
            for (account_id, institution_id, partner_id), amounts in closing.items():
                found[(account_id, institution_id, members[partner_id])].add(amounts, -1)

    # revenue / expense lines of vouchers sharing an internal_ref, without a member partner
    pl_ids = sorted(i for i, code in chart.code_of.items()
                    if _kind(chart.nodes[code], internal_accounts) == TRANSACTION)
    statement = (select(VoucherLine.institution_id, VoucherLine.account_id, VoucherLine.partner_id, Voucher.month,
                        Voucher.internal_ref, VoucherLine.debit, VoucherLine.credit)
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(Voucher.internal_ref.is_not(None), Voucher.state == VoucherState.POSTED,
                        Voucher.year == rng.year, Voucher.month <= rng.end, VoucherLine.institution_id.in_(ids),
                        VoucherLine.basis == Basis.FINANCIAL, VoucherLine.account_id.in_(pl_ids)))
    ref_lines = [row for row in session.execute(statement) if row.partner_id not in members]
    if ref_lines:
        refs = sorted({row.internal_ref for row in ref_lines})
        participants: dict[str, set[int]] = defaultdict(set)
        for ref, institution_id in session.execute(select(Voucher.internal_ref, Voucher.institution_id).where(
                Voucher.internal_ref.in_(refs), Voucher.institution_id.in_(ids),
                Voucher.state == VoucherState.POSTED).distinct()):
            participants[ref].add(institution_id)
        for row in ref_lines:
            others = participants[row.internal_ref] - {row.institution_id}
            if not others:
                continue
            counter = next(iter(others)) if len(others) == 1 else None
            amounts = found[(row.account_id, row.institution_id, counter)]
            if row.month < rng.start:
                amounts.pre_debit += row.debit
                amounts.pre_credit += row.credit
            else:
                amounts.debit += row.debit
                amounts.credit += row.credit

    result = Consolidation(method=METHOD.format(ref=template.ref, accounts="、".join(internal_accounts)))
    lines: dict[tuple, EliminationLine] = {}
    residue = {BALANCE: [ZERO, ZERO, ZERO], TRANSACTION: [ZERO, ZERO, ZERO]}
    sides: dict[tuple, Decimal] = defaultdict(lambda: ZERO)  # (type, institution, counter) -> closing
    for (account_id, institution_id, counter_id), amounts in sorted(found.items(), key=lambda kv: (
            codes[kv[0][1]], chart.code_of[kv[0][0]], codes.get(kv[0][2], MANY))):
        if counter_id == institution_id or amounts.is_zero:
            continue
        code = chart.code_of[account_id]
        kind = _kind(chart.nodes[code], internal_accounts)
        if kind is None:
            continue
        result.adjustments.setdefault(account_id, Amounts()).add(amounts)
        institution, counterparty = codes[institution_id], codes.get(counter_id, MANY)
        key = (kind, institution, counterparty, code)
        if key not in lines:
            lines[key] = EliminationLine(kind, institution, counterparty, code, chart.nodes[code].name, Amounts())
        lines[key].amounts.add(amounts)
        totals = residue[kind]
        totals[0] += amounts.bf
        totals[1] += amounts.pre_debit - amounts.pre_credit
        totals[2] += amounts.movement
        sides[(kind, institution, counterparty)] += amounts.closing
    result.lines = list(lines.values())
    for kind, (bf, pre, period) in residue.items():
        amounts = Amounts.of_nets(bf, pre, period)
        if not amounts.is_zero:
            result.residues.append((RESIDUE_NODES[kind], amounts))
    done = set()
    for (kind, institution, counterparty) in sorted(sides):
        pair = (kind,) + tuple(sorted((institution, counterparty)))
        if pair in done:
            continue
        done.add(pair)
        a, b = pair[1], pair[2]
        result.pairs.append(Pair(kind, a, b, sides.get((kind, a, b), ZERO), sides.get((kind, b, a), ZERO)))
    return result
