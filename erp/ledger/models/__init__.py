"""The ledger's models (政府会计制度), one file per business object: the chart (:mod:`.chart`), periods
(:mod:`.periods`), vouchers, lines, balances and the hash chain (:mod:`.vouchers`), source documents
(:mod:`.documents`), posting templates (:mod:`.templates`). Every model name is re-exported here, so
``from erp.ledger.models import Voucher`` works wherever the model lives. The posted-data guards
(:mod:`.immutability`) are listed in the manifest, not imported here."""
from erp.ledger.models.chart import (CARRIED_CATEGORIES, CLOSED_CATEGORIES, PATH_SEPARATOR, Account, Basis,
                                     BudgetMapping, Side)
from erp.ledger.models.documents import LedgerDocument
from erp.ledger.models.periods import FiscalYear, Period, PeriodState
from erp.ledger.models.templates import PostingTemplate, PostingTemplateLine, PostingTemplateVersion
from erp.ledger.models.vouchers import (DIMENSION_COLUMNS, DIMENSIONS, PEOPLE_COLUMNS, SOURCE_COLUMNS, VOUCHER_STATES,
                                        Balance, LedgerChainHead, LedgerSettings, Voucher, VoucherKind, VoucherLine,
                                        VoucherState)

__all__ = [
    "CARRIED_CATEGORIES", "CLOSED_CATEGORIES", "DIMENSION_COLUMNS", "DIMENSIONS", "PATH_SEPARATOR", "PEOPLE_COLUMNS", "SOURCE_COLUMNS",
    "VOUCHER_STATES", "Account", "Balance", "Basis", "BudgetMapping", "FiscalYear", "LedgerChainHead",
    "LedgerDocument", "LedgerSettings", "Period",
    "PeriodState", "PostingTemplate", "PostingTemplateLine", "PostingTemplateVersion", "Side", "Voucher",
    "VoucherKind", "VoucherLine", "VoucherState",
]
