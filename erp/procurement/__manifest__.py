from erp.core.registry import Manifest, MenuEntry, N_

# Who does what (the users): the community's procurement clerks keep the catalogue, the suppliers and
# the agreements; the pharmacy keepers the formularies and the 中药饮片 prices; finance and auditors read.
READERS = ("admin", "procurement", "pharmacy", "finance", "chief_accountant", "accountant", "clerk", "auditor")
MASTER_DATA = ("admin", "procurement")

MANIFEST = Manifest(
    name="procurement",
    title=N_("采购"),
    depends=("ledger", "budget"),
    models=("erp.procurement.models",),
    blueprints=("erp.procurement.views:bp",),
    api_blueprints=("erp.procurement.api:bp",),
    menu=(
        MenuEntry(N_("统一用药目录"), "procurement.catalogue", "procurement.catalogue.read", 30),
        MenuEntry(N_("供应商"), "procurement.suppliers", "procurement.supplier.read", 31),
        MenuEntry(N_("价格协议"), "procurement.agreements", "procurement.agreement.read", 32),
        MenuEntry(N_("采购参数"), "procurement.settings", "procurement.settings.write", 39),
        MenuEntry(N_("请领单"), "procurement.requisition_list", "procurement.requisition.read", 40),
        MenuEntry(N_("汇总采购"), "procurement.consolidate", "procurement.order.read", 41),
        MenuEntry(N_("采购订单"), "procurement.order_list", "procurement.order.read", 42),
        MenuEntry(N_("收货验收"), "procurement.receipt_list", "procurement.receipt.read", 43),
        MenuEntry(N_("库存"), "procurement.stock_list", "procurement.stock.read", 44),
        MenuEntry(N_("配送调拨"), "procurement.transfer_list", "procurement.transfer.read", 45),
        MenuEntry(N_("发药领用"), "procurement.dispensing_list", "procurement.dispense.read", 46),
        MenuEntry(N_("库存账实核对"), "procurement.stock_reconciliation", "procurement.stock.read", 47),
        MenuEntry(N_("供应商发票"), "procurement.invoice_list", "procurement.invoice.read", 48),
        MenuEntry(N_("货款支付"), "procurement.payment_list", "procurement.payment.read", 49),
        MenuEntry(N_("货款支付公示"), "procurement.payment_publication", "procurement.invoice.read", 50),
        MenuEntry(N_("采购绩效指标"), "procurement.kpi_page", "procurement.kpi.read", 51),
        MenuEntry(N_("零差率补偿"), "procurement.compensation_page", "procurement.kpi.read", 52),
    ),
    permissions={
        "procurement.catalogue.read": READERS,
        "procurement.catalogue.write": MASTER_DATA,
        "procurement.formulary.write": ("admin", "procurement", "pharmacy"),
        "procurement.supplier.read": READERS,
        "procurement.supplier.write": MASTER_DATA,
        "procurement.agreement.read": READERS,
        "procurement.agreement.write": MASTER_DATA,
        "procurement.price.write": ("admin", "procurement", "pharmacy"),
        "procurement.settings.write": ("admin", "chief_accountant"),
        # the document flow: members requisition, their approver approves; the procurement clerk consolidates
        # and orders, the chief accountant approves orders and 非网采; the pharmacy receives, sends, dispenses
        "procurement.requisition.read": READERS,
        "procurement.requisition.write": ("admin", "procurement", "pharmacy", "clerk", "accountant"),
        "procurement.requisition.approve": ("admin", "finance", "chief_accountant", "accountant"),
        "procurement.order.read": READERS,
        "procurement.order.write": ("admin", "procurement"),
        "procurement.order.approve": ("admin", "finance", "chief_accountant"),
        "procurement.order.override": ("chief_accountant",),
        "procurement.receipt.read": READERS,
        "procurement.receipt.write": ("admin", "procurement", "pharmacy"),
        "procurement.receipt.accept": ("admin", "procurement", "pharmacy", "finance"),
        "procurement.stock.read": READERS,
        "procurement.transfer.read": READERS,
        "procurement.transfer.write": ("admin", "procurement", "pharmacy"),
        "procurement.transfer.post": ("admin", "procurement", "finance", "chief_accountant"),
        "procurement.dispense.read": READERS,
        "procurement.dispense.write": ("admin", "pharmacy", "clerk", "accountant"),
        "procurement.dispense.post": ("admin", "pharmacy", "clerk", "accountant", "finance"),
        "procurement.invoice.read": READERS,
        "procurement.invoice.write": ("admin", "procurement", "finance"),
        "procurement.payment.read": READERS,
        "procurement.payment.write": ("admin", "finance"),
        "procurement.payment.post": ("admin", "chief_accountant"),
        "procurement.kpi.read": READERS,
    },
    cli_commands=("erp.procurement.cli:procurement_cli",),
    data_loader="erp.procurement.install:load",
    demo_loader="erp.procurement.demo_quarter:load_demo",  # master data, this month's flow, the first quarter
)
