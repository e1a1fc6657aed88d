"""The parameters of the money rules, dated and per community (DOMAIN.md marks them "(param)": they differ
between localities). The value in force on a day is the latest one set from that day or before; without one, the
default below (the value DOMAIN.md gives) applies. Every change is a new dated row (the audit log keeps who)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.timeutil import local_today
from erp.budget.models import BudgetParameter


@dataclass(frozen=True)
class Parameter:
    key: str
    title: str
    default: Decimal
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(1)


DEFAULTS = {p.key: p for p in (
    Parameter("insurance_reserve_rate", "医保风险调剂金比例（筹资增量的）", Decimal("0.10")),
    Parameter("insurance_min_share", "医共体总额占比下限", Decimal("0.95")),
    Parameter("insurance_overspend_share", "合理超支医共体分担比例", Decimal("0.50")),
    Parameter("public_health_pre_share", "基本公卫经费年初预拨比例", Decimal("0.60")),
)}


def value(session: Session, community_id: int, key: str, on: date | None = None) -> Decimal:
    found = session.scalar(select(BudgetParameter.value).where(
        BudgetParameter.community_id == community_id, BudgetParameter.key == key,
        BudgetParameter.valid_from <= (on or local_today())).order_by(BudgetParameter.valid_from.desc()).limit(1))
    return DEFAULTS[key].default if found is None else found


def set_value(session: Session, community_id: int, key: str, new_value, valid_from: date, note: str = "") -> BudgetParameter:
    if key not in DEFAULTS:
        raise BusinessError.for_field("key", f"未知参数 {key}（可用：{', '.join(DEFAULTS)}）(unknown parameter)")
    spec = DEFAULTS[key]
    try:
        number = Decimal(str(new_value))
    except Exception:  # noqa: BLE001
        raise BusinessError.for_field("value", "应为小数 (a decimal)") from None
    if not number.is_finite() or not spec.low <= number <= spec.high or number != number.quantize(Decimal("0.000001")):
        raise BusinessError.for_field("value", f"{spec.title} 应在 {spec.low}–{spec.high} 之间 (out of range)")
    row = session.scalar(select(BudgetParameter).where(BudgetParameter.community_id == community_id,
                                                       BudgetParameter.key == key,
                                                       BudgetParameter.valid_from == valid_from))
    if row is None:
        row = BudgetParameter(community_id=community_id, key=key, valid_from=valid_from, value=number, note=note)
        session.add(row)
    else:
        row.value, row.note = number, note
    session.flush()
    return row


def in_force(session: Session, community_id: int, on: date | None = None) -> list[tuple[Parameter, Decimal]]:
    return [(spec, value(session, community_id, key, on)) for key, spec in DEFAULTS.items()]
