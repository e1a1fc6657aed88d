from erp.core.registry import Manifest, MenuEntry, N_

# The same roles as the ledger's bookkeepers and readers: cost accounting is the finance office's work.
WRITERS = ("admin", "finance", "chief_accountant", "accountant")
READERS = ("admin", "finance", "chief_accountant", "accountant", "auditor")

MANIFEST = Manifest(
    name="costing",
    title=N_("成本核算"),
    depends=("ledger",),
    models=("erp.costing.models",),
    blueprints=("erp.costing.views:bp",),
    api_blueprints=("erp.costing.api:bp",),
    menu=(
        MenuEntry(N_("科室成本报表"), "costing.report", "costing.read", 10),
        MenuEntry(N_("成本分摊参数"), "costing.drivers", "costing.read", 11),
    ),
    permissions={
        "costing.read": READERS,
        "costing.write": WRITERS,
    },
    audit_labels="erp.costing.audit_labels:LABELS",
)
