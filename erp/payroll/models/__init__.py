"""The payroll module's models, one file per business object; every name is re-exported here."""
from erp.payroll.models.employees import (ESTABLISHMENT_TITLES, STAFF_CATEGORY_TITLES, Establishment,
                                          PayrollProfile, SpecialDeduction, StaffCategory)
from erp.payroll.models.opening import PayrollOpening
from erp.payroll.models.parameters import PayrollParameter
from erp.payroll.models.rules import EARNING_CATEGORIES, RULE_CATEGORY_TITLES, RuleCategory, SalaryRule
from erp.payroll.models.runs import (APPROVED_STATES, RUN_KIND_TITLES, RUN_STATE_TITLES, RUN_STATES, PayrollInput, PayrollRun,
                                     Payslip, RunKind, RunState)

__all__ = [
    "APPROVED_STATES", "EARNING_CATEGORIES", "ESTABLISHMENT_TITLES", "RULE_CATEGORY_TITLES", "RUN_KIND_TITLES", "RUN_STATES",
    "RUN_STATE_TITLES", "STAFF_CATEGORY_TITLES", "Establishment", "PayrollInput", "PayrollOpening", "PayrollParameter",
    "PayrollProfile", "PayrollRun", "Payslip", "RuleCategory", "RunKind", "RunState", "SalaryRule",
    "SpecialDeduction", "StaffCategory",
]
