"""全成本核算 (公立医院成本核算规范, 财会〔2021〕26号): department costs, step-down allocation, unit costs.

1. **Collection** (:mod:`.collection`) — a department's direct cost is the net debit of the posted 5001* / 5101*
   lines that carry it, by cost element, from the ledger's kept balances; year-end closing entries taken out.
2. **Allocation bases** (:mod:`.drivers`, :mod:`.plan`) — driver figures per department and month, and the
   institution's plan (defaults in ``DEFAULT_BASES``).
3. **Step-down** (:mod:`.allocation`) — 行政后勤 → 医疗辅助 → 医疗技术 → 临床服务, conserving the cost to the fen;
   the outpatient / inpatient split and the unit costs 诊次成本 / 床日成本.
4. **The report** (:mod:`.report`) — everything together, reconciled to the ledger total of 5001 + 5101.

:mod:`.common` holds the period syntax (over the ledger's ``PeriodRange``) and the department look-ups. The
services take a session and return results; this package re-exports their public names.
"""

from erp.costing.services.allocation import (RECEIVERS, STEP_CLASSES, CostCentre, MissingAllocationBase, Share,
                                             Split, Step, StepDownResult, allocate, split_outpatient, step_down,
                                             unit_cost)
from erp.costing.services.collection import EXPENSE_PREFIXES, EXPENSE_TITLES, CollectedCosts, collect_costs
from erp.costing.services.common import (PERIOD_HELP, PRECISION, ZERO, department_by_code, departments_of,
                                         flush_or_conflict, parse_cost_month, parse_cost_period, period_label)
from erp.costing.services.drivers import (ALLOCATION_BASES, DRIVER_KINDS, SPLIT_BASES, SPLIT_TITLES, DriverKind,
                                          base_title, driver_figures, driver_query, driver_rows, parse_driver_value,
                                          set_drivers)
from erp.costing.services.plan import DEFAULT_BASES, PLAN_CLASSES, PlanEntry, allocation_plan, set_rules
from erp.costing.services.report import (CLASS_ORDER, DepartmentCost, DepartmentCostReport, department_cost_report,
                                         element_summary)

__all__ = [
    "ALLOCATION_BASES", "CLASS_ORDER", "DEFAULT_BASES", "DRIVER_KINDS", "EXPENSE_PREFIXES", "EXPENSE_TITLES",
    "PERIOD_HELP", "PLAN_CLASSES", "PRECISION", "RECEIVERS", "SPLIT_BASES", "SPLIT_TITLES", "STEP_CLASSES", "ZERO",
    "CollectedCosts", "CostCentre", "DepartmentCost", "DepartmentCostReport", "DriverKind", "MissingAllocationBase",
    "PlanEntry", "Share", "Split", "Step", "StepDownResult", "allocate", "allocation_plan", "base_title",
    "collect_costs", "department_by_code", "department_cost_report", "departments_of", "driver_figures",
    "driver_query", "driver_rows", "element_summary", "flush_or_conflict", "parse_cost_month", "parse_cost_period",
    "parse_driver_value", "period_label", "set_drivers", "set_rules", "split_outpatient", "step_down", "unit_cost",
]
