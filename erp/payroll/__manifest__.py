from erp.core.registry import Manifest, MenuEntry, N_

PAY_READERS = ("admin", "hr", "finance", "chief_accountant", "accountant", "auditor")
HR = ("admin", "hr")
PAY_SETTERS = ("admin", "hr", "finance")  # rules and parameter tables: HR with the finance office

MANIFEST = Manifest(
    name="payroll",
    title=N_("薪酬"),
    depends=("ledger",),
    models=("erp.payroll.models",),
    blueprints=("erp.payroll.views:bp",),
    api_blueprints=("erp.payroll.api.tax:bp",),
    menu=(
        MenuEntry(N_("个税试算"), "payroll.tax_calculator", "payroll.tax.calculate", 14),
    ),
    permissions={
        "payroll.employee.read": ("admin", "hr", "finance", "chief_accountant", "auditor"),
        "payroll.employee.write": HR,
        "payroll.rule.read": PAY_READERS,
        "payroll.rule.write": PAY_SETTERS,
        "payroll.run.read": PAY_READERS,
        "payroll.run.write": HR,  # create, set inputs, compute
        "payroll.run.approve": ("chief_accountant", "finance"),
        "payroll.run.post": ("finance", "chief_accountant"),
        "payroll.run.pay": ("finance", "chief_accountant"),
        "payroll.tax.calculate": ("admin", "hr", "finance", "chief_accountant", "accountant"),
    },
    data_loader="erp.payroll.install:load",
    demo_loader="erp.payroll.demo:load_demo",
)
