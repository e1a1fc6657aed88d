from erp.core.registry import Manifest

MANIFEST = Manifest(
    name="payroll",
    title="薪酬",
    depends=("core",),
)
