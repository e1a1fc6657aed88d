from erp.core.registry import Manifest, N_

MANIFEST = Manifest(
    name="payroll",
    title=N_("薪酬"),
    depends=("core",),
)
