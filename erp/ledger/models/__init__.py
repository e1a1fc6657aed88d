"""The ledger's models (政府会计制度), one file per business object; every model name is re-exported here so
``from erp.ledger.models import Voucher`` works wherever the model lives."""
from erp.ledger.models.templates import PostingTemplate, PostingTemplateLine, PostingTemplateVersion
from erp.ledger.models.vouchers import *  # noqa: F401,F403 (split by object in the next commit)
