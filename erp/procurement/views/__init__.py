"""Procurement web pages (Chinese): one blueprint, one file per business object."""
from flask import Blueprint, abort
from flask_login import current_user

from erp.core.errors import NotFound
from erp.core.extensions import db

bp = Blueprint("procurement", __name__, url_prefix="/procurement")


def found_or_404(lookup, code: str):
    """The record a page's address names (``lookup(session, community_id, code)``), or 404."""
    try:
        return lookup(db.session, current_user.community_id, code)
    except NotFound:
        abort(404)

from erp.procurement.views import agreements, catalogue, imports, settings, suppliers  # noqa: E402,F401  (registers the pages)
from erp.procurement.views import payables, requisitions, stock  # noqa: E402,F401  (the document flow)
from erp.procurement.views import compensation  # noqa: E402,F401  (零差率补偿)
from erp.procurement.views import index  # noqa: E402,F401  (the module's index page)
