"""薪酬 (payroll) — the public face other modules import; nothing else of erp.payroll may be imported outside it.

- :mod:`.employees` — the payroll profile of a core ``Employee`` (1:1): post, grade, category, establishment,
  身份证号 (python-stdnum), bank account, contribution bases, 专项附加扣除 with their months, the 主要负责人 flag.
- :mod:`.parameters` — versioned parameter tables (tax tables, contribution rates and bases, pay tables).
- :mod:`.tax` — 个人所得税: 累计预扣法 and the 全年一次性奖金 separate taxation, exact to the fen.
"""
from erp.payroll.services.employees import (PROFILE_FIELDS, create_employee, employee_profile, head_of,
                                            profiles_query, update_employee, validate_id_number)
from erp.payroll.services.tax import (ZERO, BonusComparison, BonusTax, Bracket, CumulativeState, MonthFigures,
                                      MonthTax, TaxTable, bonus_tax, compare_bonus, cumulative_tables,
                                      cumulative_withholding, monthly_table, separate_bonus_allowed, withhold_month)
from erp.payroll.services.parameters import (ParameterSet, load_shipped_parameters, parameter_history,
                                             parameters_in_force, save_parameter, shipped_parameters)

__all__ = [
    "ZERO", "BonusComparison", "BonusTax", "Bracket", "CumulativeState", "MonthFigures", "MonthTax", "TaxTable",
    "bonus_tax", "compare_bonus", "cumulative_tables", "cumulative_withholding", "monthly_table",
    "separate_bonus_allowed", "withhold_month",
    "PROFILE_FIELDS", "ParameterSet", "create_employee", "employee_profile", "head_of", "load_shipped_parameters",
    "parameter_history", "parameters_in_force", "profiles_query", "save_parameter", "shipped_parameters",
    "update_employee", "validate_id_number",
]
