"""请领单: a member's clerk writes it (catalogue items that are active and in the member's formulary), submits
it, and the member's approver — another person — approves or sends it back."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Institution, User
from erp.core.timeutil import local_today, utcnow
from erp.procurement.models import Requisition, RequisitionLine, RequisitionState
from erp.procurement.models.requisition import REQUISITION_STATES
from erp.procurement.services.catalogue import check_orderable
from erp.procurement.services.flow_common import check_quantity, different_person, next_number

MAX_LINES = 500


def create_requisition(session: Session, institution: Institution, user: User, data: dict) -> Requisition:
    """``data``: ``lines`` [{item (code), quantity (packages), wanted_date?}], ``date``?, ``memo``?."""
    on = data.get("date") or local_today()
    lines = data.get("lines") or []
    if not lines:
        raise BusinessError.for_field("lines", "请领单至少需要一行 (at least one line)")
    if len(lines) > MAX_LINES:
        raise BusinessError.for_field("lines", f"请领单最多 {MAX_LINES} 行 (at most {MAX_LINES} lines)")
    requisition = Requisition(institution_id=institution.id, institution=institution, date=on, year=on.year,
                              month=on.month, state=RequisitionState.DRAFT, memo=data.get("memo") or "",
                              requester_id=user.id)
    seen: set[int] = set()
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        item = check_orderable(session, institution, line["item"], field=f"{where}.item")
        if item.id in seen:
            raise BusinessError.for_field(f"{where}.item", f"品种 {item.code} 重复 (item listed twice)", "duplicate_item")
        seen.add(item.id)
        quantity = check_quantity(line["quantity"], f"{where}.quantity")
        wanted = line.get("wanted_date") or on + timedelta(days=7)
        if wanted < on:
            raise BusinessError.for_field(f"{where}.wanted_date", "需求日期不能早于请领日期 (wanted before the date)")
        requisition.lines.append(RequisitionLine(institution_id=institution.id, line_no=index + 1, item_id=item.id,
                                                 item=item, quantity=quantity, wanted_date=wanted))
    requisition.number = next_number(session, institution, "requisition", "QL", on)
    session.add(requisition)
    session.flush()
    return requisition


def requisition_by_id(session: Session, requisition_id: int) -> Requisition:
    found = session.get(Requisition, requisition_id)
    if found is None:
        raise NotFound(f"没有请领单 {requisition_id} (no requisition {requisition_id} in your scope)")
    return found


def submit_requisition(session: Session, requisition: Requisition, user: User) -> Requisition:
    REQUISITION_STATES.begin(session, requisition, RequisitionState.SUBMITTED)
    # the items may have left the formulary since the draft was written
    for index, line in enumerate(requisition.lines):
        check_orderable(session, requisition.institution, line.item, field=f"lines[{index}].item")
    requisition.state = RequisitionState.SUBMITTED
    requisition.submitted_at = utcnow()
    session.flush()
    return requisition


def approve_requisition(session: Session, requisition: Requisition, user: User) -> Requisition:
    REQUISITION_STATES.begin(session, requisition, RequisitionState.APPROVED)
    different_person(user, requisition.requester_id, "请领单")
    requisition.state = RequisitionState.APPROVED
    requisition.approver_id = user.id
    requisition.approved_at = utcnow()
    session.flush()
    return requisition


def reject_requisition(session: Session, requisition: Requisition, user: User) -> Requisition:
    REQUISITION_STATES.begin(session, requisition, RequisitionState.REJECTED)
    different_person(user, requisition.requester_id, "请领单")
    requisition.state = RequisitionState.REJECTED
    requisition.approver_id = user.id
    session.flush()
    return requisition


def requisition_query(*, institution: Institution | None = None, state: str | None = None,
                      period: tuple[int, int] | None = None):
    statement = select(Requisition).order_by(Requisition.id.desc())
    if institution is not None:
        statement = statement.where(Requisition.institution_id == institution.id)
    if state:
        statement = statement.where(Requisition.state == RequisitionState(state))
    if period:
        statement = statement.where(Requisition.year == period[0], Requisition.month == period[1])
    return statement
