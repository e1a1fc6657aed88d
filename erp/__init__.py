"""yigong-erp: finance and procurement ERP for a county medical community (县域医共体)."""
from erp.core.app import create_app

__all__ = ["create_app"]
