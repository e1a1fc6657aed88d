from erp.core.registry import Manifest, N_

# A module of its own so that it runs after every module whose documents post into the demo quarter: the
# registry loads demos in dependency order.
MANIFEST = Manifest(
    name="demo",
    title=N_("演示账套"),
    depends=("ledger", "budget", "procurement", "payroll"),
    demo_loader="erp.demo.closing:load_demo",
)
