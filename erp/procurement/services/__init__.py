"""Procurement (统一谈判·统一采购·统一配送·统一支付): the public face other modules import.

Master data and pricing:
1. **Codes** (:mod:`.codes`) — the national 医保 codes: loose form refused, strict form warned (CATALOGUE.md).
2. **Catalogue** (:mod:`.catalogue`) — the community catalogue addressed by code, the members' formularies and
   :func:`check_orderable` (in the catalogue, active, in the member's formulary).
3. **Suppliers** (:mod:`.suppliers`) — a core partner plus licence, role and bank account;
   :func:`check_supplier_licence` refuses an expired licence (``licence_expired``).
4. **Agreements** (:mod:`.agreements`) — 统一谈判 prices, history kept; :func:`agreement_in_force`.
5. **Catalogue import** (:mod:`.catalogue_import`) — Excel, all or nothing, bulk for the national list; run
   as a background job with progress and a downloadable report (:mod:`.catalogue_job`).
6. **Pricing** (:mod:`.pricing`) — 零差率: the parameters, the selling prices, the markup check
   (``zero_markup``) and the exactly proportional line amount.
"""

from erp.procurement.services.agreements import (PRICE_PLACES, agreement_by_id, agreement_history,
                                                 agreement_in_force, agreements_in_force, covering, create_agreement,
                                                 parse_unit_price)
from erp.procurement.services.catalogue import (REQUIRED_FIELDS, TEXT_FIELDS, NotOrderable, check_orderable,
                                                create_item, formulary_entry, item_by_code, item_query, set_formulary,
                                                update_item)
from erp.procurement.services.catalogue_import import COLUMNS as CATALOGUE_COLUMNS
from erp.procurement.services.catalogue_import import (CatalogueImportFailed, ImportResult, RowError, error_report,
                                                       import_catalogue, read_catalogue, result_report)
from erp.procurement.services.catalogue_job import submit_import
from erp.procurement.services.codes import CheckedCode, InvalidCode, check_code, normalise_code
from erp.procurement.services.pricing import (PRICE_QUANTUM, RATIO_FIELDS, NoCost, ZeroMarkup, check_price, current_cost, dispensing_price,
                                              install_settings, line_amount, max_price, record_cost,
                                              selling_price_row, set_selling_price, settings_for,
                                              update_settings)
from erp.procurement.services.suppliers import (LicenceExpired, check_supplier_licence, create_supplier,
                                                supplier_by_code, update_supplier)

__all__ = [
    "CATALOGUE_COLUMNS", "PRICE_PLACES", "PRICE_QUANTUM", "RATIO_FIELDS", "REQUIRED_FIELDS", "TEXT_FIELDS",
    "CatalogueImportFailed", "CheckedCode", "ImportResult", "RowError", "error_report", "import_catalogue",
    "read_catalogue", "result_report", "submit_import", "InvalidCode", "LicenceExpired", "NoCost", "NotOrderable", "ZeroMarkup",
    "agreement_by_id", "agreement_history", "agreement_in_force", "agreements_in_force", "check_code",
    "check_orderable", "check_price", "check_supplier_licence", "covering", "create_agreement", "create_item",
    "create_supplier", "current_cost", "dispensing_price", "formulary_entry", "install_settings", "item_by_code", "item_query",
    "line_amount", "max_price", "normalise_code", "parse_unit_price", "record_cost", "selling_price_row",
    "set_formulary", "set_selling_price", "settings_for", "supplier_by_code", "update_item", "update_settings", "update_supplier",
]

from erp.procurement.services.tiles import (near_expiry_batches, orders_to_approve,  # noqa: E402
                                            payments_due_this_week, receipts_to_accept, requisitions_to_approve)

# home-page tiles (the manifest's tiles=)
__all__ += ["near_expiry_batches", "orders_to_approve", "payments_due_this_week", "receipts_to_accept",
            "requisitions_to_approve"]
