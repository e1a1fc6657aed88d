"""The ledger's web pages (thin: parse, call a service, render), one file per area on the one ``ledger``
blueprint: vouchers (page, post, reverse), the list (batches), review (审核, 出纳签字), entry (the grid), periods, imports (Excel); the reports'
and the posting templates' pages have their own blueprints (:mod:`.reports`, :mod:`.templates`)."""
from erp.ledger.views import (entry, imports, periods, review, voucher_list, vouchers,  # noqa: F401 - routes on bp
                              year_end)
from erp.ledger.views.common import bp

__all__ = ["bp"]
