"""The ledger's public services face: what other modules (procurement, payroll, budget) use to book.

A module posts a voucher for one of its documents only through the document door::

    from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document

    source = DocumentSource("procurement", "receipt", str(receipt.id), receipt.number, url=f"/procurement/receipts/{receipt.id}")
    voucher = post_document(session, source, VoucherInput(...), preparer=receipt.preparer, poster=receipt.approver)

and undoes it with :func:`reverse_document` (红字冲销). See :mod:`erp.ledger.services.documents`.
"""
from erp.ledger.services.posting import LineInput, VoucherInput
from erp.ledger.services.documents import DocumentSource, post_document, reverse_document

__all__ = ["DocumentSource", "LineInput", "VoucherInput", "post_document", "reverse_document"]
