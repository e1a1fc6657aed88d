from erp.core.registry import Manifest, MenuEntry, N_, Tile

READERS = ("admin", "finance", "chief_accountant", "accountant", "clerk", "auditor", "procurement", "hr")
PREPARERS = ("admin", "finance", "accountant")
# who makes commitments: the documents' people (procurement orders, payroll runs, expense claims)
COMMITTERS = ("finance", "chief_accountant", "accountant", "clerk", "procurement", "hr")

MANIFEST = Manifest(
    name="budget",
    title=N_("预算"),
    depends=("ledger",),
    models=("erp.budget.models",),
    blueprints=("erp.budget.views:bp",),
    api_blueprints=("erp.budget.api.budgets:bp", "erp.budget.api.commitments:bp", "erp.budget.api.funds:bp"),
    menu=(
        MenuEntry(N_("预算总览"), "budget.home", "budget.read", 10),
        MenuEntry(N_("预算编制"), "budget.budgets", "budget.read", 11),
        MenuEntry(N_("预算执行"), "budget.execution", "budget.read", 12),
        MenuEntry(N_("财政资金"), "budget.funds", "budget.fund.read", 20),
        MenuEntry(N_("公卫经费与医保总额"), "budget.programmes", "budget.fund.read", 21),
    ),
    tiles=(Tile(N_("可用预算"), "erp.budget.services:budget_left", "budget.read", 40),),
    permissions={
        "budget.read": READERS,
        "budget.write": PREPARERS,
        "budget.approve": ("chief_accountant",),
        "budget.commit": COMMITTERS,
        "budget.fund.read": ("admin", "finance", "chief_accountant", "accountant", "auditor"),
        "budget.fund.write": ("finance", "chief_accountant"),
    },
    hooks={"before_post": "erp.budget.services.listeners:on_before_post",
           "after_post": "erp.budget.services.listeners:on_after_post"},
    demo_loader="erp.budget.demo:load_community",
    audit_labels="erp.budget.audit_labels:LABELS",
)
