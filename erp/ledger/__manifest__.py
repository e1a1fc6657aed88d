from erp.core.registry import Manifest

MANIFEST = Manifest(
    name="ledger",
    title="总账",
    depends=("core",),
)
