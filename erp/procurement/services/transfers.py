"""统一配送: transfers from the central pharmacy to a member, at cost, first expiry first out, posted as 内部往来
in both books — the pharmacy: 其他应收款 (the member) / 库存物品; the member: 库存物品 / 其他应付款 (the pharmacy).

Written as a draft (what to send), posted by another person: the batches are taken under row locks, the same
batches (same cost, batch number and expiry) are put in the member's stock, the member's price follows the
cost (零差率), and the two vouchers go through the ledger's document door (``transfer_out`` / ``transfer_in``)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Institution, User
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.procurement.models import MovementState, Transfer, TransferLine
from erp.procurement.models.distribution import MOVEMENT_STATES
from erp.procurement.services.catalogue import check_orderable, item_by_code
from erp.procurement.services.flow_common import (check_quantity, different_person, member_partner_code,
                                                  next_number, qualifier)
from erp.procurement.services.pricing import record_cost
from erp.procurement.services.stock import Expected, expected_issue, issue, take_in


def create_transfer(session: Session, user: User, source: Institution, target: Institution, data: dict) -> Transfer:
    """``data``: ``lines`` [{item (code), quantity (minimum units)}], ``date``?, ``memo``?. The member must
    have each item in its formulary (checked when the transfer is posted, by a user who sees both sides)."""
    if source.id == target.id:
        raise BusinessError.for_field("to_institution", "调出与调入单位不能相同 (two different institutions)")
    on = data.get("date") or local_today()
    lines = data.get("lines") or []
    if not lines:
        raise BusinessError.for_field("lines", "调拨单至少需要一行 (at least one line)")
    transfer = Transfer(institution_id=source.id, institution=source, to_institution_id=target.id,
                        to_institution=target, date=on,
                        state=MovementState.DRAFT, memo=data.get("memo") or "", preparer_id=user.id)
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        item = item_by_code(session, user.community_id, line["item"], field=f"{where}.item")
        transfer.lines.append(TransferLine(institution_id=source.id, line_no=index + 1, item_id=item.id, item=item,
                                           quantity=check_quantity(line["quantity"], f"{where}.quantity")))
    transfer.number = next_number(session, source, "transfer", "DB", on)
    session.add(transfer)
    session.flush()
    return transfer


def transfer_by_id(session: Session, transfer_id: int) -> Transfer:
    found = session.get(Transfer, transfer_id)
    if found is None:
        raise NotFound(f"没有调拨单 {transfer_id} (no transfer {transfer_id} in your scope)")
    return found


def expected_values(session: Session, transfer: Transfer, on: date | None = None) -> Expected:
    """A posted transfer's recorded values; a draft's as posting it on ``on`` (default today) would take them."""
    if transfer.state is not MovementState.DRAFT:
        return Expected(transfer.amount, {line.id: line.value for line in transfer.lines})
    return expected_issue(session, transfer.institution, transfer.lines, on or local_today())


def post_transfer(session: Session, transfer: Transfer, user: User, on: date | None = None) -> Transfer:
    MOVEMENT_STATES.begin(session, transfer, MovementState.POSTED)
    different_person(user, transfer.preparer_id, "调拨单")
    on = on or local_today()
    source, target = transfer.institution, transfer.receiver
    by_class: dict[str, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(transfer.lines):
        check_orderable(session, target, line.item, field=f"lines[{index}].item")
        taken = issue(session, source, line.item, line.quantity, on=on, kind="transfer_out",
                      document=("transfer", transfer.id, line.id), field=f"lines[{index}].quantity")
        for part in taken:
            take_in(session, target, line.item, batch=part.batch.batch, expiry=part.batch.expiry,
                    unit_cost=part.batch.unit_cost, units=part.quantity, value=part.value,
                    production_date=part.batch.production_date, on=on, kind="transfer_in",
                    document=("transfer", transfer.id, line.id))
            record_cost(session, target, line.item, part.batch.unit_cost, user)
        line.value = sum((part.value for part in taken), Decimal("0"))
        by_class[qualifier(line.item)] += line.value
    transfer.amount = sum(by_class.values(), Decimal("0"))
    transfer.state, transfer.poster_id, transfer.posted_at = MovementState.POSTED, user.id, utcnow()
    _post(session, transfer, user, on, by_class)
    session.flush()
    return transfer


def _post(session: Session, transfer: Transfer, user: User, on: date, by_class: dict[str, Decimal]) -> None:
    template = posting_template(session, user.community_id, "procurement.transfer")
    source, target = transfer.institution, transfer.receiver
    memo = f"配送调拨 {transfer.number} {source.name} → {target.name}"
    inventory: dict[str, Decimal] = defaultdict(Decimal)
    for item_class, amount in by_class.items():
        inventory[template.account("inventory", item_class)] += amount
    preparer = session.get(User, transfer.preparer_id) if transfer.preparer_id else user
    out_lines = [LineInput(account=template.account("internal_receivable"), debit=transfer.amount,
                           partner=member_partner_code(session, target), memo=memo)]
    out_lines += [LineInput(account=a, credit=v, memo=memo) for a, v in sorted(inventory.items()) if v]
    in_lines = [LineInput(account=a, debit=v, memo=memo) for a, v in sorted(inventory.items()) if v]
    in_lines.append(LineInput(account=template.account("internal_payable"), credit=transfer.amount,
                              partner=member_partner_code(session, source), memo=memo))
    if not transfer.amount:
        return  # nothing of value moved (cannot happen with positive quantities and costs)
    for kind, institution, lines in (("transfer_out", source, out_lines), ("transfer_in", target, in_lines)):
        post_document(session, DocumentSource("procurement", kind, str(transfer.id), transfer.number,
                                              url=f"/procurement/transfers/{transfer.id}"),
                      VoucherInput(institution=institution.code, date=on, lines=lines, memo=memo,
                                   internal_ref=transfer.number),
                      preparer=preparer, poster=user, template_version=template.ref)


def transfer_query(*, institution: Institution | None = None, state: str | None = None):
    statement = select(Transfer).order_by(Transfer.id.desc())
    if institution is not None:
        statement = statement.where(Transfer.institution_id == institution.id)
    if state:
        statement = statement.where(Transfer.state == MovementState(state))
    return statement
