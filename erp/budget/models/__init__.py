"""The budget module's models, one file per business object: budgets, versions and lines (:mod:`.budgets`),
commitments, actuals and warnings (:mod:`.control`), funds, public-health funds and the 医保 global budget
(:mod:`.funds`). Every model name is re-exported here."""
from erp.budget.models.budgets import (BUDGET_STATE_TITLES, BUDGET_STATES, CHECK_PERIODS, CONTROL_TITLES, MONTHS,
                                       VERSION_STATE_TITLES, VERSION_STATES, ZERO, Budget, BudgetLine, BudgetState,
                                       BudgetVersion, BudgetVersionLine, Control, VersionState)
from erp.budget.models.control import (ENTRY_KIND_TITLES, ENTRY_STATE_TITLES, BudgetEntry, BudgetWarning, EntryKind,
                                       EntryState)
from erp.budget.models.funds import (BudgetParameter, FundAllocation, FundPosition, FundReceipt, InsuranceAllocation,
                                     InsuranceBudget,
                                     InsuranceMonth, PublicHealthFund, PublicHealthShare)

__all__ = [
    "BudgetParameter", "BUDGET_STATES", "BUDGET_STATE_TITLES", "CHECK_PERIODS", "CONTROL_TITLES", "ENTRY_KIND_TITLES",
    "ENTRY_STATE_TITLES", "MONTHS", "VERSION_STATES", "VERSION_STATE_TITLES", "ZERO", "Budget", "BudgetEntry",
    "BudgetLine", "BudgetState", "BudgetVersion", "BudgetVersionLine", "BudgetWarning", "Control", "EntryKind",
    "EntryState", "VersionState", "FundAllocation", "FundPosition", "FundReceipt", "InsuranceAllocation", "InsuranceBudget",
    "InsuranceMonth", "PublicHealthFund", "PublicHealthShare",
]
