"""The ledger's public services face: what other modules (procurement, payroll, budget, costing) use. Nothing
else of the ledger may be imported by another module (import-linter checks it: setup.cfg).

A module posts a voucher for one of its documents only through the document door::

    from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document

    source = DocumentSource("procurement", "receipt", str(receipt.id), receipt.number, url=f"/procurement/receipts/{receipt.id}")
    voucher = post_document(session, source, VoucherInput(...), preparer=receipt.preparer, poster=receipt.approver)

and undoes it with :func:`reverse_document` (红字冲销). Its accounts come from the community's posting
template: ``posting_template(session, community_id, "procurement.receipt").account(role, qualifier)``. See :mod:`erp.ledger.services.documents`.

A module that reads the books (cost accounting collects expense by department) queries the ledger's read
models, re-exported here for that purpose only — ``Account``, ``Balance``, ``Basis``, ``Voucher``,
``VoucherKind``, ``VoucherLine``, ``VoucherState``, ``FiscalYear``, ``Period``, ``PeriodState`` (is a year or month closed?) — over a :class:`PeriodRange` of months (``period_range``
parses one from ``YYYY-MM``). They are read, never written: posted data changes only through the door.
"""
from erp.ledger.models import (Account, Balance, Basis, FiscalYear, Period, PeriodState, Voucher, VoucherKind,
                               VoucherLine, VoucherState)
from erp.ledger.services.bookkeeping import book_keeping_institutions, keeps_books
from erp.ledger.services.documents import DocumentSource, post_document, reverse_document
from erp.ledger.services.periods import PeriodRange, close_period, period_range
from erp.ledger.services.year_end import close_year
from erp.ledger.services.posting import LineInput, VoucherInput
from erp.ledger.services.posting_templates import Template, posting_template
from erp.ledger.services.tiles import drafts_to_review, months_to_close, reviewed_to_post

__all__ = [
    # the document door
    "DocumentSource", "LineInput", "VoucherInput", "post_document", "reverse_document",
    # the accounts a document posts to (记账模板, data the finance officer edits)
    "Template", "posting_template",
    # reading the books
    "Account", "Balance", "Basis", "FiscalYear", "Period", "PeriodRange", "PeriodState", "Voucher", "VoucherKind",
    "VoucherLine", "VoucherState", "period_range",
    # closing the books (结账, 年结), for the demos of the modules that need a closed year (the 两个允许 pool),
    # of the members that keep books (not the village clinics that are 报账 units of their centre)
    "book_keeping_institutions", "close_period", "close_year", "keeps_books",
    # home-page tiles (the manifest's tiles=)
    "drafts_to_review", "months_to_close", "reviewed_to_post",
]
