from erp.core.registry import Manifest, MenuEntry, N_, Tile
from erp.core.security import ALL_ROLES

BOOKKEEPERS = ("admin", "finance", "chief_accountant", "accountant")
READERS = ("admin", "finance", "chief_accountant", "accountant", "auditor")

MANIFEST = Manifest(
    name="ledger",
    title=N_("总账"),
    depends=("core",),
    models=("erp.ledger.models", "erp.ledger.models.immutability"),
    blueprints=("erp.ledger.views:bp", "erp.ledger.views.reports:bp", "erp.ledger.views.templates:bp"),
    api_blueprints=("erp.ledger.api.vouchers:bp", "erp.ledger.api.periods:bp", "erp.ledger.api.chart:bp",
                    "erp.ledger.api.reports:bp", "erp.ledger.api.templates:bp", "erp.ledger.api.review:bp"),
    menu=(
        MenuEntry(N_("凭证"), "ledger.vouchers", "ledger.voucher.read", 10),
        MenuEntry(N_("录入凭证"), "ledger.new_voucher", "ledger.voucher.write", 11),
        MenuEntry(N_("导入凭证"), "ledger.import_vouchers", "ledger.voucher.write", 12),
        MenuEntry(N_("会计期间"), "ledger.periods", "ledger.period.read", 30),
        MenuEntry(N_("年结"), "ledger.year_close_page", "ledger.period.read", 31),
        MenuEntry(N_("科目余额表"), "ledger_reports.trial_balance", "ledger.report.read", 40),
        MenuEntry(N_("总账"), "ledger_reports.general_ledger", "ledger.report.read", 41),
        MenuEntry(N_("明细账"), "ledger_reports.detail_ledger", "ledger.report.read", 42),
        MenuEntry(N_("会计报表"), "ledger_reports.index", "ledger.report.read", 43),
        MenuEntry(N_("记账模板"), "ledger_templates.index", "ledger.chart.read", 70),
        MenuEntry(N_("凭证设置"), "ledger.settings", "ledger.settings.write", 71),
    ),
    tiles=(
        Tile(N_("待审核凭证"), "erp.ledger.services:drafts_to_review", "ledger.voucher.review", 10),
        Tile(N_("待记账凭证"), "erp.ledger.services:reviewed_to_post", "ledger.voucher.post", 11),
        Tile(N_("待结账月份"), "erp.ledger.services:months_to_close", "ledger.period.close", 12),
    ),
    permissions={
        "ledger.voucher.read": READERS,
        "ledger.voucher.write": BOOKKEEPERS,
        "ledger.voucher.review": ("finance", "chief_accountant"),
        "ledger.voucher.cashier": ("finance", "chief_accountant", "accountant"),
        "ledger.voucher.post": ("finance", "chief_accountant"),
        "ledger.voucher.reverse": ("finance", "chief_accountant"),
        "ledger.period.read": READERS,
        "ledger.period.close": ("finance", "chief_accountant"),
        "ledger.period.reopen": ("chief_accountant",),
        "ledger.year.close": ("finance", "chief_accountant"),
        "ledger.chart.read": ALL_ROLES,
        "ledger.chart.write": ("admin", "finance"),
        "ledger.report.read": READERS,
        "ledger.settings.write": ("admin", "finance", "chief_accountant"),
    },
    cli_commands=("erp.ledger.cli:ledger",),
    hooks={"institution_created": "erp.ledger.services.listeners:on_institution_created",
           "chain_heads": "erp.ledger.services.anchors:chain_heads",
           "chain_links": "erp.ledger.services.anchors:chain_links"},
    data_loader="erp.ledger.install:load",
    demo_loader="erp.ledger.demo:load_books",
    audit_labels="erp.ledger.audit_labels:LABELS",
    # posted vouchers and lines: refused by triggers (drafts stay editable); chain heads move only forward
    # (a trigger checks each move at commit); kept balances are written by the database only (a trigger on
    # posting, ledger_bring_forward at year end), never by the app
    app_role_denied={"ledger_chain_head": ("DELETE",), "balance": ("INSERT", "UPDATE", "DELETE")},
    app_role_functions=("ledger_bring_forward(integer, integer)",),
)
