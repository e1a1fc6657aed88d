"""Books and statements from the kept balances: 科目余额表, 总账, 明细账 and every statement of 政府会计制度 and
the hospital supplement — 资产负债表 (会政财01表), 收入费用表 (会政财02表), 净资产变动表 (会政财03表), 现金流量表
(会政财04表), 预算收入支出表 (会政预01表), 预算结转结余变动表 (会政预02表), 财政拨款预算收入支出表 (会政预03表),
本期预算结余与本期盈余差异调节表, 医疗活动收入费用明细表; plus the 记账凭证 print.

Every report covers a :class:`Target` — one institution, a group of institutions, or the whole community
(consolidated by :mod:`erp.ledger.reports.consolidation` unless asked for a plain sum) — and a
:class:`PeriodRange` of months of one fiscal year.

Where the numbers come from
    The trial balance and the statements read the ``balance`` table only: one GROUP BY per report over
    (institution, account, year, month) — its primary key prefix — with the month buckets summed in SQL
    (month 0 = brought forward, months before the range, months in the range). Leaf amounts are rolled up
    to every parent in Python over the (small) chart. The detail ledger scans voucher lines, but only those
    of the one account (and its sub-accounts) in the period range; the statements that classify by the
    counter-account (现金流量表, 专用基金 in the 净资产变动表, expense by nature) read the lines of the vouchers
    touching those accounts (:mod:`.statements.counter`).

Statements and the year-end closing voucher
    Revenue, expense and the budget accounts are emptied on 31 December by the closing voucher
    (``VoucherKind.CLOSING``, see ``year_end``). The income statement, the budget statement and the
    reconciliation must show the year's figures *before* that voucher, so their snapshot subtracts the
    closing vouchers' lines (one voucher per institution and year). The trial balance, the ledgers and the
    balance sheet show the books as they are.

Amounts are ``Decimal`` with two places throughout; nets are debit-positive (debit − credit) and the
presentation side follows the sign (a net debit balance shows in the debit column).

The package, one module per seam (each small enough to read whole):

- :mod:`.common` — targets, period ranges, shared constants and helpers;
- :mod:`.balances` — the chart and amounts from the balance table;
- :mod:`.consolidation` — 医共体合并 with elimination (built on :mod:`.balances`);
- :mod:`.snapshot` — the :class:`Snapshot` every report is built on, consolidated when asked, and the
  consolidation output;
- :mod:`.trial_balance` — 科目余额表;
- :mod:`.books` — 总账 and 明细账;
- :mod:`.statements` — every statement, one module each, their line maps read from data files;
- :mod:`.printing` — the lean book PDF and the 记账凭证 print;
- :mod:`.dispatch` — building a report for a request and its PDF or Excel file.

Every public name is re-exported here, so ``from erp.ledger import reports`` and
``from erp.ledger.reports import ...`` work as before.
"""

from erp.core.rendering import StatementHeader, format_amount  # noqa: F401 - used as reports.*
from erp.ledger.reports.balances import Amounts, ChartView, Node, chart_view, closing_voucher_amounts, leaf_amounts
from erp.ledger.reports.books import (DIMENSION_FILTERS, FILTER_TITLES, DetailLedger, DetailRow, GeneralLedger,
                                      GeneralLedgerAccount, LedgerMonth, detail_ledger, general_ledger)
from erp.ledger.reports.common import (BASES, FORMATS, PDF_MIMETYPE, XLSX_MIMETYPE, ZERO, PeriodRange, Target,
                                       direction, money, period_anchor_of, period_range, resolve_target, split_net)
from erp.ledger.reports.dispatch import STATEMENT_TITLES, STATEMENTS, build_report, report_file
from erp.ledger.reports.printing import (BOOK_FONT_PT, HEADER_LINE_MM, LINE_MM, LOOK_ALIKES, META_MM, MM_PER_PT,
                                         MONO_FONT, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, SAFETY_MM, SUBTITLE_MM, TITLE_MM,
                                         Book, BookColumn, BookRow, BookSection, VoucherPrint, char_cells, layout_book,
                                         page_capacity, render_book_pdf, voucher_print)
from erp.ledger.reports.statements import (BALANCE_SHEET_COLUMNS, MOVEMENTS, RECONCILIATION_METHOD, BalanceSheet, Line,
                                           LineMap, ReconcilingGroup, Statement, StatementRow, balance_sheet,
                                           balance_sheet_of, budget_statement, budget_statement_of,
                                           budget_surplus_reconciliation, income_statement, income_statement_of,
                                           line_map, reconciliation_of, reconciling_groups, budget_carryover,
                                           cash_flow, fiscal_appropriation, medical_revenue_expense,
                                           net_assets_changes)
from erp.ledger.reports.snapshot import Snapshot, rolled_up, snapshot
from erp.ledger.reports.trial_balance import AMOUNT_KEYS, TrialBalance, TrialBalanceRow, trial_balance, trial_balance_of
