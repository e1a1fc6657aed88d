"""Procurement tables: the catalogue and formularies, suppliers, price agreements, the zero-markup prices."""
from erp.procurement.models.agreements import PLATFORM_LABELS, Platform, PriceAgreement
from erp.procurement.models.catalogue import (CATEGORY_LABELS, FLAG_LABELS, FLAGS, KIND_LABELS, CatalogueItem,
                                              Formulary, ItemCategory, ItemKind)
from erp.procurement.models.pricing import ProcurementSettings, SellingPrice
from erp.procurement.models.suppliers import ROLE_LABELS, Supplier, SupplierRole
# the document flow (requisitions → orders → receipts → stock → transfers → dispensing)
from erp.procurement.models.requisition import Requisition, RequisitionLine, RequisitionState
from erp.procurement.models.purchase_order import OrderState, PurchaseOrder, PurchaseOrderLine, PurchaseOverride
from erp.procurement.models.receipt import Receipt, ReceiptLine, ReceiptState, TraceCode
from erp.procurement.models.stock import StockBatch, StockMove
from erp.procurement.models.distribution import Dispensing, DispensingLine, MovementState, Transfer, TransferLine
from erp.procurement.models.payables import Invoice, InvoiceLine, Payment, PaymentAllocation

__all__ = [
    "CATEGORY_LABELS", "FLAGS", "FLAG_LABELS", "KIND_LABELS", "PLATFORM_LABELS", "ROLE_LABELS",
    "CatalogueItem", "Formulary", "ItemCategory", "ItemKind", "Platform", "PriceAgreement",
    "ProcurementSettings", "SellingPrice", "Supplier", "SupplierRole",
    "Dispensing", "DispensingLine", "MovementState", "OrderState", "PurchaseOrder", "PurchaseOrderLine",
    "PurchaseOverride", "Receipt", "ReceiptLine", "ReceiptState", "Requisition", "RequisitionLine",
    "RequisitionState", "StockBatch", "StockMove", "TraceCode", "Transfer", "TransferLine",
    "Invoice", "InvoiceLine", "Payment", "PaymentAllocation",
]
