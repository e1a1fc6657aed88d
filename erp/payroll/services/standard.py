"""A standard rule set for a 事业单位 pay slip (PAYROLL.md §4), from ``data/standard_rules.json``: 岗位工资,
薪级工资, 基础性绩效 (a ratio of the two), 奖励性绩效 (the month's distributed amount, input
``reward_performance``), 津贴补贴 (护龄, 卫生防疫, 乡镇工作补贴, 全科医生, 夜班), the employee's and the
employer's contributions and IIT. A community loads it once and edits from there (every edit a new version)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.payroll.models import PayrollParameter, SalaryRule
from erp.payroll.services.parameters import save_parameter
from erp.payroll.services.rules import save_rule

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "standard_rules.json"


def load_standard_rules(session: Session, community_id: int) -> int:
    """Idempotent: a parameter or rule code that exists is left alone. Returns the number of rules added."""
    spec = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    codes = set(session.scalars(select(PayrollParameter.code).where(PayrollParameter.community_id == community_id)))
    for parameter in spec["parameters"]:
        if parameter["code"] not in codes:
            save_parameter(session, community_id, code=parameter["code"], note=parameter["note"],
                           effective_from=date.fromisoformat(parameter["effective_from"]), value=parameter["value"])
    have = set(session.scalars(select(SalaryRule.code).where(SalaryRule.community_id == community_id)))
    added = 0
    for rule in spec["rules"]:
        if rule["code"] not in have:
            save_rule(session, community_id, effective_from=date.fromisoformat(spec["effective_from"]), **rule)
            added += 1
    return added
