from erp.core.registry import Manifest, MenuEntry, N_
from erp.core.security import ALL_ROLES

MANIFEST = Manifest(
    name="core",
    title=N_("基础平台"),
    models=("erp.core.models",),
    blueprints=("erp.core.views:bp", "erp.core.audit_views:bp"),
    api_blueprints=("erp.core.api:bp",),
    menu=(
        MenuEntry(N_("成员单位"), "core.institutions", "core.institution.read", 10),
        MenuEntry(N_("科室"), "core.departments", "core.department.read", 20),
        MenuEntry(N_("审计日志"), "audit.log", "core.audit.read", 90),
    ),
    permissions={
        "core.institution.read": ALL_ROLES,
        "core.institution.write": ("admin",),
        "core.department.read": ALL_ROLES,
        "core.department.write": ("admin", "finance"),
        "core.audit.read": ("admin", "auditor", "chief_accountant"),
    },
    hooks={"period_closed": "erp.core.chain:on_period_closed", "chain_heads": "erp.core.audit:chain_head",
           "chain_links": "erp.core.audit:chain_links"},
    demo_loader="erp.core.demo:load_demo",
    audit_labels="erp.core.audit_labels:CORE_LABELS",
    # the audit log is append-only; its head moves only forward (a trigger checks each move at commit)
    app_role_denied={"audit_entry": ("UPDATE", "DELETE"), "audit_head": ("DELETE",)},
)
