"""The statements of 政府会计制度 and the hospital supplement, one module each; their line maps are data files
(``erp/ledger/data/statements/``) read by :mod:`erp.ledger.services.statement_maps`.

Financial: 资产负债表 (会政财01表, :mod:`.balance_sheet`), 收入费用表 (会政财02表, :mod:`.income`), 净资产变动表
(会政财03表, :mod:`.net_assets`), 现金流量表 (会政财04表, :mod:`.cash_flow`). Budget: 预算收入支出表 (会政预01表,
:mod:`.budget`), 预算结转结余变动表 (会政预02表, :mod:`.carryover`), 财政拨款预算收入支出表 (会政预03表,
:mod:`.fiscal`). Both: 本期预算结余与本期盈余差异调节表 (:mod:`.reconciliation`). Hospital: 医疗活动收入费用明细表
(:mod:`.medical`).
"""

from erp.ledger.reports.statements.balance_sheet import BALANCE_SHEET_COLUMNS, BalanceSheet, balance_sheet, balance_sheet_of
from erp.ledger.reports.statements.base import (MOVEMENTS, Statement, StatementRow, cash_codes, movement_columns,
                                                section_rows, sum_codes)
from erp.ledger.reports.statements.budget import budget_statement, budget_statement_of
from erp.ledger.reports.statements.carryover import budget_carryover, budget_carryover_of
from erp.ledger.reports.statements.cash_flow import cash_flow, cash_flow_of, item_amounts
from erp.ledger.reports.statements.fiscal import fiscal_appropriation, fiscal_appropriation_of
from erp.ledger.reports.statements.medical import medical_revenue_expense, medical_revenue_expense_of
from erp.ledger.reports.statements.net_assets import net_assets_changes, net_assets_changes_of
from erp.ledger.reports.statements.income import income_statement, income_statement_of
from erp.ledger.services.statement_maps import Line, LineMap, line_map
from erp.ledger.reports.statements.reconciliation import (RECONCILIATION_METHOD, ReconcilingGroup,
                                                          budget_surplus_reconciliation, reconciliation_of,
                                                          reconciling_groups)
