from erp.core.registry import Manifest, N_

MANIFEST = Manifest(
    name="procurement",
    title=N_("采购"),
    depends=("core",),
)
