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
    api_blueprints=("erp.payroll.api.employees:bp", "erp.payroll.api.tax:bp", "erp.payroll.api.rules:bp",
                    "erp.payroll.api.runs:bp"),
    menu=(
        MenuEntry(N_("工资发放"), "payroll.runs", "payroll.run.read", 50),
        MenuEntry(N_("当月变动"), "payroll.inputs", "payroll.run.read", 51),
        MenuEntry(N_("职工薪酬档案"), "payroll.employees", "payroll.employee.read", 52),
        MenuEntry(N_("工资项目规则"), "payroll.rules", "payroll.rule.read", 53),
        MenuEntry(N_("薪酬参数"), "payroll.parameters", "payroll.rule.read", 54),
        MenuEntry(N_("个税试算"), "payroll.tax_calculator", "payroll.tax.calculate", 55),
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
