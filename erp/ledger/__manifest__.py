from erp.core.registry import Manifest, N_

MANIFEST = Manifest(
    name="ledger",
    title=N_("总账"),
    depends=("core",),
)
