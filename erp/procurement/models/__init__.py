"""Procurement tables: the catalogue and formularies, suppliers, price agreements, the zero-markup prices."""
from erp.procurement.models.agreements import PLATFORM_LABELS, Platform, PriceAgreement
from erp.procurement.models.catalogue import (CATEGORY_LABELS, FLAG_LABELS, FLAGS, KIND_LABELS, CatalogueItem,
                                              Formulary, ItemCategory, ItemKind)
from erp.procurement.models.pricing import ProcurementSettings, SellingPrice
from erp.procurement.models.suppliers import ROLE_LABELS, Supplier, SupplierRole

__all__ = [
    "CATEGORY_LABELS", "FLAGS", "FLAG_LABELS", "KIND_LABELS", "PLATFORM_LABELS", "ROLE_LABELS",
    "CatalogueItem", "Formulary", "ItemCategory", "ItemKind", "Platform", "PriceAgreement",
    "ProcurementSettings", "SellingPrice", "Supplier", "SupplierRole",
]
