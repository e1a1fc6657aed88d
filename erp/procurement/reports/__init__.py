"""Procurement outputs: the catalogue workbook (export, and the layout its import reads)."""
from erp.procurement.reports.catalogue import COLUMNS, catalogue_workbook

__all__ = ["COLUMNS", "catalogue_workbook"]
