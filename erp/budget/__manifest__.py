from erp.core.registry import Manifest

MANIFEST = Manifest(
    name="budget",
    title="预算",
    depends=("core",),
)
