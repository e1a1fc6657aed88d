"""薪酬 (payroll) — the public face other modules import; nothing else of erp.payroll may be imported outside it.

- :mod:`.employees` — the payroll profile of a core ``Employee`` (1:1): post, grade, category, establishment,
  身份证号 (python-stdnum), bank account, contribution bases, 专项附加扣除 with their months, the 主要负责人 flag.
- :mod:`.parameters` — versioned parameter tables (tax tables, contribution rates and bases, pay tables).
- :mod:`.tax` — 个人所得税: 累计预扣法 and the 全年一次性奖金 separate taxation, exact to the fen.
- :mod:`.contributions` — social insurance, 职业年金, housing fund on clamped bases.
- :mod:`.expressions`, :mod:`.rules` — the safe rule language; versioned rules with the 同岗同酬 (``equal_pay``)
  and 严禁挂钩 (``revenue_link``) checks; :mod:`.rule_check` — a saved rule is test-evaluated (``rule_invalid``),
  withdrawn from a date; :mod:`.standard` — a standard 事业单位 rule set.
- :mod:`.calculation` — one employee's month; :mod:`.runs` — create, compute, approve, monthly inputs;
  :mod:`.run_jobs` — computing a run as a background job; :mod:`.review` — differences from last month;
  :mod:`.posting` — the ledger's door (payroll.run, payroll.payment).
- :mod:`.dean_exclusion` — the one rule that keeps the 院长 out of rule-based pay, the pool, 统筹 and every
  distribution (``dean_excluded``); :mod:`.budget_control` — approval commits the budget, payment spends it.
"""
from erp.payroll.services.calculation import (BONUS_INPUT, MERGE_INPUT, CompiledRule, EmployeeFacts, SlipResult,
                                              compute_slip)
from erp.payroll.services.contributions import Contribution, Contributions, clamp_base, compute_contributions
from erp.payroll.services.employees import (PROFILE_FIELDS, create_employee, employee_profile, head_of,
                                            profiles_query, update_employee, validate_id_number)
from erp.payroll.services.expressions import FUNCTIONS as EXPRESSION_FUNCTIONS
from erp.payroll.services.expressions import Expression, ExpressionError, parse
from erp.payroll.services.parameters import (ParameterSet, load_shipped_parameters, parameter_history,
                                             parameters_in_force, save_parameter, shipped_parameters)
from erp.payroll.services.posting import accrual_lines, pay_run, post_run
from erp.payroll.services.review import EmployeeReview, LineDifference, review_run
from erp.payroll.services.rules import (BUILT_INS, EMPLOYEE_ATTRIBUTES, check_policy, rule_history, rules_in_force,
                                        save_rule)
from erp.payroll.services.rule_check import check_evaluates, sample_facts, save_checked_rule, withdraw_rule
from erp.payroll.services.run_jobs import active_job, submit_compute
from erp.payroll.services.runs import (approve_run, compute_run, covered_institutions, create_run, months_employed,
                                       require_whole_run, run_by_id, set_inputs, slips_of)
from erp.payroll.services.standard import load_standard_rules
from erp.payroll.services.tiles import pools_to_approve, runs_to_approve, runs_to_compute, runs_to_post
from erp.payroll.services.tax import (ZERO, BonusComparison, BonusTax, Bracket, CumulativeState, MonthFigures,
                                      MonthTax, TaxTable, bonus_tax, compare_bonus, cumulative_tables,
                                      cumulative_withholding, monthly_table, separate_bonus_allowed, withhold_month)

__all__ = [
    "BONUS_INPUT", "BUILT_INS", "EMPLOYEE_ATTRIBUTES", "EXPRESSION_FUNCTIONS", "MERGE_INPUT", "PROFILE_FIELDS", "ZERO",
    "BonusComparison", "BonusTax", "Bracket", "CompiledRule", "Contribution", "Contributions", "CumulativeState",
    "EmployeeFacts", "EmployeeReview", "Expression", "ExpressionError", "LineDifference", "MonthFigures", "MonthTax",
    "ParameterSet", "SlipResult", "TaxTable",
    "accrual_lines", "active_job", "approve_run", "bonus_tax", "check_evaluates", "check_policy", "clamp_base", "compare_bonus",
    "compute_contributions", "compute_run", "compute_slip", "covered_institutions", "create_employee", "create_run",
    "cumulative_tables", "cumulative_withholding", "employee_profile", "head_of", "load_shipped_parameters",
    "load_standard_rules", "monthly_table", "months_employed", "parameter_history", "parameters_in_force", "parse",
    "pay_run", "post_run", "profiles_query", "require_whole_run", "review_run", "rule_history", 
    "rules_in_force", "run_by_id", "sample_facts", "save_checked_rule", "save_parameter", "save_rule", "separate_bonus_allowed",
    "set_inputs", "shipped_parameters", "slips_of", "submit_compute", "withdraw_rule", "update_employee", "validate_id_number", "withhold_month",
    # home-page tiles (the manifest's tiles=)
    "pools_to_approve", "runs_to_approve", "runs_to_compute", "runs_to_post",
]
