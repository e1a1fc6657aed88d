from erp.core.registry import Manifest, N_

MANIFEST = Manifest(
    name="budget",
    title=N_("预算"),
    depends=("core",),
)
