"""Procurement web pages (Chinese): one blueprint, one file per business object."""
from flask import Blueprint

bp = Blueprint("procurement", __name__, url_prefix="/procurement")

from erp.procurement.views import catalogue  # noqa: E402,F401  (registers the pages)
from erp.procurement.views import payables, requisitions, stock  # noqa: E402,F401  (the document flow)
