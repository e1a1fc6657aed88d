"""Versioned parameter tables: the one in force for a month, and saving a new version.

Every table's numbers are strings in JSON and read back as exact Decimals. A new version never changes an
old one: it carries the next version number and its own effective date (a date already used is refused).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, NotFound
from erp.core.models import Community
from erp.payroll.models import PayrollParameter

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "parameters.json"


def shipped_parameters() -> list[dict]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ParameterSet:
    """The parameter versions in force on one day, by code; ``refs`` for recording on slips."""

    rows: dict[str, PayrollParameter]
    parsed: dict = field(default_factory=dict, compare=False, repr=False)  # what the engine made of a table

    def memo(self, key: str, make):
        """``make()`` once per key for this set (a run parses each table once, not once per employee)."""
        if key not in self.parsed:
            self.parsed[key] = make()
        return self.parsed[key]

    def value(self, code: str) -> dict:
        try:
            return self.rows[code].value
        except KeyError:
            raise NotFound.for_field("parameter", f"薪酬参数 {code} 在该期间没有生效的版本 "
                                     f"(no version of parameter {code} in force)", "missing_parameter") from None

    def ref(self, code: str) -> str:
        return self.refs_by_code[code]

    def decimal(self, code: str, key: str) -> Decimal:
        return Decimal(str(self.value(code)[key]))

    @property
    def refs_by_code(self) -> dict[str, str]:
        return self.memo("refs", lambda: {code: row.ref for code, row in self.rows.items()})

    @property
    def refs(self) -> list[str]:
        return sorted(row.ref for row in self.rows.values())


def parameters_in_force(session: Session, community_id: int, on: date) -> ParameterSet:
    """Every code's latest version effective on ``on``."""
    latest = (select(PayrollParameter.code, func.max(PayrollParameter.effective_from).label("effective"))
              .where(PayrollParameter.community_id == community_id, PayrollParameter.effective_from <= on)
              .group_by(PayrollParameter.code).subquery())
    rows = session.scalars(select(PayrollParameter).join(latest, (PayrollParameter.code == latest.c.code) & (
        PayrollParameter.effective_from == latest.c.effective)).where(
        PayrollParameter.community_id == community_id))
    return ParameterSet({row.code: row for row in rows})


def parameter_history(session: Session, community_id: int, code: str | None = None) -> list[PayrollParameter]:
    statement = select(PayrollParameter).where(PayrollParameter.community_id == community_id)
    if code:
        statement = statement.where(PayrollParameter.code == code)
    return list(session.scalars(statement.order_by(PayrollParameter.code, PayrollParameter.version)))


def save_parameter(session: Session, community_id: int, *, code: str, effective_from: date, value: dict,
                   note: str = "", user_id: int | None = None) -> PayrollParameter:
    """A new version of the table ``code`` from ``effective_from``."""
    if not isinstance(value, dict) or not value:
        raise BusinessError.for_field("value", "参数值必须是非空对象 (value must be a non-empty object)")
    value = _exact(value, "value")
    taken = session.scalar(select(PayrollParameter.id).where(
        PayrollParameter.community_id == community_id, PayrollParameter.code == code,
        PayrollParameter.effective_from == effective_from))
    if taken:
        raise Conflict.for_field("effective_from", f"参数 {code} 在 {effective_from} 已有版本，请另选生效日期 "
                                 f"(a version of {code} already starts on {effective_from})", "duplicate")
    version = (session.scalar(select(func.max(PayrollParameter.version)).where(
        PayrollParameter.community_id == community_id, PayrollParameter.code == code)) or 0) + 1
    row = PayrollParameter(community_id=community_id, code=code, version=version, effective_from=effective_from,
                           value=value, note=note, created_by_id=user_id)
    session.add(row)
    session.flush()
    return row


def _exact(value, path: str):
    """Numbers in a table are kept as their exact text ("0.08"); a float (already inexact) is refused."""
    if isinstance(value, float):
        raise BusinessError.for_field(path, f"{path}: 数值请写成字符串，如 \"0.08\" (numbers are strings, not floats)")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {key: _exact(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def load_shipped_parameters(session: Session, community: Community) -> None:
    """Install data: the national tables (idempotent: a code that has any version is left alone)."""
    have = set(session.scalars(select(PayrollParameter.code).where(PayrollParameter.community_id == community.id)))
    for spec in shipped_parameters():
        if spec["code"] not in have:
            session.add(PayrollParameter(community_id=community.id, code=spec["code"], version=1,
                                         effective_from=date.fromisoformat(spec["effective_from"]),
                                         value=spec["value"], note=spec["note"]))
    session.flush()
