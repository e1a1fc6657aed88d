from erp.core.registry import Manifest

MANIFEST = Manifest(
    name="procurement",
    title="采购",
    depends=("core",),
)
