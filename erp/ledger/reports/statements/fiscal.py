"""财政拨款预算收入支出表 (会政预03表): the year's fiscal appropriation — 年初结转结余, adjustments and
归集调入调出, 本年财政拨款收入 and 支出, 年末结转结余 — for 基本支出 and each 项目支出 (the project dimension of
the budget lines; 财政拨款 is 6001 and money of a fiscal funding source, as the year-end close takes it). The
结转结余 accounts carry no project, so the year start and the adjustments show on 基本支出. The total's year
end equals 财政拨款结转 and 结余 in the books plus the fiscal difference not yet carried (``checks.ties``)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.models import Project
from erp.ledger.reports.common import ZERO, PeriodRange, Target
from erp.ledger.reports.snapshot import Snapshot, snapshot
from erp.ledger.reports.statements.base import Statement, StatementRow, sum_codes
from erp.ledger.reports.statements.budget import CONSOLIDATED_BUDGET_NOTE
from erp.ledger.reports.statements.funding import Flows, budget_flows, group_total
from erp.ledger.services.statement_maps import line_map

COLUMNS = [("start_carryover", "年初财政拨款结转"), ("start_surplus", "年初财政拨款结余"),
           ("adjustments", "调整及归集调入、上缴"), ("revenue", "本年财政拨款收入"),
           ("expenditure", "本年财政拨款支出"), ("year_end", "年末财政拨款结转结余")]


def fiscal_appropriation(session: Session, target: Target, rng: PeriodRange) -> Statement:
    as_is = snapshot(session, target, rng)
    before = snapshot(session, target, rng, before_closing=True)
    flows = budget_flows(session, as_is)
    projects = {p.id: p for p in session.scalars(select(Project).where(
        Project.id.in_([project for (group, project) in flows if group == "fiscal" and project])))}
    return fiscal_appropriation_of(as_is, before, flows, {i: f"{p.code} {p.name}" for i, p in projects.items()})


def fiscal_appropriation_of(as_is: Snapshot, before: Snapshot, flows: dict, project_names: dict[int, str]
                            ) -> Statement:
    lines = line_map("budget_carryover")
    carryover = lines.line("fiscal", "carryover").codes
    surplus = lines.line("fiscal", "surplus").codes

    def row(key, label, kind, indent, entry: Flows, start_c=ZERO, start_s=ZERO, adjustments=ZERO):
        values = {"start_carryover": start_c, "start_surplus": start_s, "adjustments": adjustments,
                  "revenue": entry.revenue, "expenditure": entry.expenditure}
        values["year_end"] = start_c + start_s + adjustments + entry.revenue - entry.expenditure
        return StatementRow(key, label, kind, indent, values)

    start_c = -sum_codes(as_is, carryover, lambda a: a.bf)
    start_s = -sum_codes(as_is, surplus, lambda a: a.bf)
    adjustments = -sum_codes(before, carryover + surplus, lambda a: a.ytd_movement)
    fiscal = {project: entry for (group, project), entry in flows.items() if group == "fiscal"}
    total = row("total", "总计", "total", 0, group_total(flows, "fiscal"), start_c, start_s, adjustments)
    rows = [row("general", "一、一般公共预算财政拨款", "subtotal", 0, group_total(flows, "fiscal"), start_c, start_s,
                adjustments),
            row("basic", "（一）基本支出", "item", 1, fiscal.get(0, Flows()), start_c, start_s, adjustments),
            row("projects", "（二）项目支出", "subtotal", 1, _sum(e for p, e in fiscal.items() if p))]
    rows += [row(f"project.{project}", project_names.get(project, str(project)), "item", 2, entry)
             for project, entry in sorted(fiscal.items(), key=lambda item: project_names.get(item[0], ""))
             if project]
    rows.append(total)
    in_books = -sum_codes(as_is, carryover + surplus, lambda a: a.closing) + group_total(flows, "fiscal").unclosed
    checks = {"ties": total.values["year_end"] == in_books, "year_end": total.values["year_end"],
              "revenue": total.values["revenue"], "expenditure": total.values["expenditure"]}
    notes = ["本年数：自年初至报表期末。财政拨款结转结余科目不分项目，年初数及调整数列入基本支出。"]
    if as_is.target.consolidated:
        notes.append(CONSOLIDATED_BUDGET_NOTE)
    return Statement("财政拨款预算收入支出表", "会政预03表", as_is, COLUMNS, rows, checks, notes)


def _sum(entries) -> Flows:
    total = Flows()
    for entry in entries:
        total.revenue += entry.revenue
        total.expenditure += entry.expenditure
        total.unclosed += entry.unclosed
    return total
