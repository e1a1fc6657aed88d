"""Procurement JSON API under /api/v1: one blueprint, one file per business object."""
from flask import Blueprint

from erp.core.api_framework import API_PREFIX

bp = Blueprint("procurement_api", __name__, url_prefix=API_PREFIX)

from erp.procurement.api import agreements, catalogue, files, suppliers  # noqa: E402,F401  (registers the routes)
from erp.procurement.api import payables, requisitions, stock  # noqa: E402,F401  (the document flow)
from erp.procurement.api import compensation  # noqa: E402,F401  (零差率补偿)
