"""发药 / 领用: a member dispenses to patients (or a department consumes) from its own stock at the selling
price — the acquisition cost of the batch (零差率) — and posts revenue and cost at equal amounts:
业务活动费用 (the department) / 库存物品, and 应收医疗款 (the payer) / 药品收入 or 卫生材料收入. Only 中药饮片 may
carry their capped markup, so only there revenue exceeds cost.

The boxes' 药品追溯码 are recorded: a code sold whole once cannot be sold again; a split pack (拆零) may be sold
in parts, each flagged; a line without a code is flagged ``no_code`` (无码不结算 from 2025-07-01)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Department, Institution, Partner, User
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.procurement.models import Dispensing, DispensingLine, MovementState, TraceCode
from erp.procurement.models.distribution import MOVEMENT_STATES
from erp.procurement.services.catalogue import check_orderable
from erp.procurement.services.flow_common import check_quantity, different_person, next_number, qualifier
from erp.procurement.services.pricing import dispensing_price, line_amount, selling_price_row
from erp.procurement.services.receipts import check_trace_code
from erp.procurement.services.stock import Expected, Issued, expected_issue, issue

NO_CODE_FROM = date(2025, 7, 1)  # 无码不结算
SETTINGS = ("outpatient", "inpatient")


def create_dispensing(session: Session, user: User, institution: Institution, data: dict) -> Dispensing:
    """``data``: ``department`` (code), ``setting`` outpatient|inpatient, ``payer`` (partner code; default the
    community's insurer), ``lines`` [{item, quantity (minimum units), trace_code?, split_pack?}], ``date``?."""
    on = data.get("date") or local_today()
    department = session.scalar(select(Department).where(Department.institution_id == institution.id,
                                                         Department.code == data["department"]))
    if department is None:
        raise NotFound.for_field("department", f"{institution.name} 没有科室 {data['department']} (unknown department)")
    setting = data.get("setting") or "outpatient"
    if setting not in SETTINGS:
        raise BusinessError.for_field("setting", "应为 outpatient 或 inpatient (outpatient or inpatient)")
    lines = data.get("lines") or []
    if not lines:
        raise BusinessError.for_field("lines", "发药单至少需要一行 (at least one line)")
    payer = _payer(session, user.community_id, data.get("payer"))
    dispensing = Dispensing(institution_id=institution.id, institution=institution, date=on, department=department,
                            department_id=department.id, setting=setting, state=MovementState.DRAFT,
                            payer=payer, memo=(data.get("memo") or "")[:256], preparer_id=user.id)
    seen: set[str] = set()
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        item = check_orderable(session, institution, line["item"], field=f"{where}.item")
        code = line.get("trace_code")
        code = check_trace_code(code, f"{where}.trace_code") if code not in (None, "") else None
        split = bool(line.get("split_pack"))
        if code is not None and not split:
            if code in seen:
                raise BusinessError.for_field(f"{where}.trace_code", f"追溯码 {code} 重复 (one box, one code)",
                                              "duplicate_trace_code")
            seen.add(code)
        dispensing.lines.append(DispensingLine(
            institution_id=institution.id, line_no=index + 1, item_id=item.id, item=item,
            quantity=check_quantity(line["quantity"], f"{where}.quantity"), trace_code=code, split_pack=split,
            no_code=code is None and on >= NO_CODE_FROM))
    dispensing.number = next_number(session, institution, "dispensing", "FY", on)
    session.add(dispensing)
    session.flush()
    return dispensing


def _payer(session: Session, community_id: int, code: str | None) -> str:
    statement = select(Partner.code).where(Partner.community_id == community_id)
    found = session.scalar(statement.where(Partner.code == code) if code else
                           statement.where(Partner.kind == "insurer").order_by(Partner.code))
    if found is None:
        raise NotFound.for_field("payer", f"没有结算方 {code or '（医保）'} (unknown payer partner)")
    return found


def dispensing_by_id(session: Session, dispensing_id: int) -> Dispensing:
    found = session.get(Dispensing, dispensing_id)
    if found is None:
        raise NotFound(f"没有发药单 {dispensing_id} (no dispensing {dispensing_id} in your scope)")
    return found


def post_dispensing(session: Session, dispensing: Dispensing, user: User, on: date | None = None) -> Dispensing:
    """Take the stock (first expiry first out, row locks), record the codes, post cost and revenue."""
    MOVEMENT_STATES.begin(session, dispensing, MovementState.POSTED)
    different_person(user, dispensing.preparer_id, "发药单")
    on = on or local_today()
    institution = dispensing.institution
    cost: dict[str, Decimal] = defaultdict(Decimal)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(dispensing.lines):
        taken = issue(session, institution, line.item, line.quantity, on=on, kind="dispense",
                      document=("dispensing", dispensing.id, line.id), field=f"lines[{index}].quantity")
        line.value, line_revenue = _valued(session, institution, line.item, taken)
        cost[qualifier(line.item)] += line.value
        revenue[qualifier(line.item)] += line_revenue
        if line.trace_code:
            _sell_code(session, user.community_id, line, f"lines[{index}].trace_code")
    dispensing.amount = sum(revenue.values(), Decimal("0"))
    dispensing.state, dispensing.poster_id, dispensing.posted_at = MovementState.POSTED, user.id, utcnow()
    _post(session, dispensing, user, on, cost, revenue)
    session.flush()
    return dispensing


def _valued(session: Session, institution: Institution, item, taken: list[Issued]) -> tuple[Decimal, Decimal]:
    """(cost, revenue) of the batch parts a line takes: revenue = cost (零差率), except a 中药饮片's capped markup."""
    cost = sum((part.value for part in taken), Decimal("0"))
    if not item.may_mark_up:
        return cost, cost
    row = selling_price_row(session, institution, item)
    return cost, sum((line_amount(dispensing_price(session, item, part.batch.unit_cost, row), part.quantity,
                                  item.units_per_package) for part in taken), Decimal("0"))


def expected_values(session: Session, dispensing: Dispensing, on: date | None = None) -> Expected:
    """A posted dispensing's recorded figures; a draft's as posting it on ``on`` (default today) would give
    them — the same batches, first expiry first out, and the same prices — so nobody reads 0.00 on a draft."""
    if dispensing.state is not MovementState.DRAFT:
        return Expected(dispensing.amount, {line.id: line.value for line in dispensing.lines})
    institution = dispensing.institution
    return expected_issue(session, institution, dispensing.lines, on or local_today(),
                          lambda item, taken: _valued(session, institution, item, taken)[1])


def _sell_code(session: Session, community_id: int, line: DispensingLine, field: str) -> None:
    code = session.scalar(select(TraceCode).where(TraceCode.community_id == community_id,
                                                  TraceCode.code == line.trace_code).with_for_update()
                          .execution_options(populate_existing=True))
    if code is None:  # a box bought before codes were collected on receipt: recorded at its sale
        code = TraceCode(community_id=community_id, code=line.trace_code, item_id=line.item_id)
        session.add(code)
    elif code.item_id != line.item_id:
        raise Conflict.for_field(field, f"追溯码 {line.trace_code} 属于另一品种 (the code belongs to another item)",
                                 "trace_code_item")
    if code.dispensed:
        raise Conflict.for_field(field, f"追溯码 {line.trace_code} 已销售过，一盒一码 (code already sold: fake, resold "
                                        f"or swapped box?)", "trace_code_sold")
    if line.split_pack:
        code.split_pack = True
    else:
        if code.split_pack:
            raise Conflict.for_field(field, f"追溯码 {line.trace_code} 已拆零销售，只能继续拆零 (a split pack is sold "
                                            f"in parts only)", "trace_code_split")
        code.dispensed = True
    session.flush()


def _post(session: Session, dispensing: Dispensing, user: User, on: date, cost: dict[str, Decimal],
          revenue: dict[str, Decimal]) -> None:
    template = posting_template(session, user.community_id, "procurement.dispense")
    memo = f"发药出库 {dispensing.number} {dispensing.department.name}"
    setting = dispensing.setting
    payer = dispensing.payer
    inventory, income = defaultdict(Decimal), defaultdict(Decimal)
    for item_class, amount in cost.items():
        inventory[template.account("inventory", item_class)] += amount
    for item_class, amount in revenue.items():
        income[template.account(f"revenue_{setting}", item_class)] += amount
    total_cost, total_revenue = sum(cost.values(), Decimal("0")), sum(revenue.values(), Decimal("0"))
    lines = [LineInput(account=template.account("expense"), debit=total_cost,
                       department=dispensing.department.code, memo=memo)]
    lines += [LineInput(account=a, credit=v, memo=memo) for a, v in sorted(inventory.items()) if v]
    lines.append(LineInput(account=template.account(f"receivable_{setting}"), debit=total_revenue, partner=payer,
                           memo=memo))
    lines += [LineInput(account=a, credit=v, memo=memo) for a, v in sorted(income.items()) if v]
    preparer = session.get(User, dispensing.preparer_id) if dispensing.preparer_id else user
    post_document(session, DocumentSource("procurement", "dispense", str(dispensing.id), dispensing.number,
                                          url=f"/procurement/dispensing/{dispensing.id}"),
                  VoucherInput(institution=dispensing.institution.code, date=on, lines=lines, memo=memo),
                  preparer=preparer, poster=user, template_version=template.ref)


def dispensing_query(*, institution: Institution | None = None, state: str | None = None,
                     no_code: bool | None = None):
    statement = select(Dispensing).order_by(Dispensing.id.desc())
    if institution is not None:
        statement = statement.where(Dispensing.institution_id == institution.id)
    if state:
        statement = statement.where(Dispensing.state == MovementState(state))
    if no_code:
        statement = statement.where(Dispensing.lines.any(DispensingLine.no_code.is_(True)))
    return statement
