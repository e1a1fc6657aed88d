from erp.core.registry import Manifest, MenuEntry, N_, Tile

PAY_READERS = ("admin", "hr", "finance", "chief_accountant", "accountant", "auditor")
HR = ("admin", "hr")
PAY_SETTERS = ("admin", "hr", "finance")  # rules and parameter tables: HR with the finance office

MANIFEST = Manifest(
    name="payroll",
    title=N_("薪酬"),
    depends=("ledger", "budget"),
    models=("erp.payroll.models", "erp.payroll.models.performance_pool", "erp.payroll.models.pooling",
            "erp.payroll.models.dean_salary"),
    blueprints=("erp.payroll.views:bp",),
    api_blueprints=("erp.payroll.api.employees:bp", "erp.payroll.api.tax:bp", "erp.payroll.api.rules:bp",
                    "erp.payroll.api.runs:bp", "erp.payroll.api.pools:bp", "erp.payroll.api.dean_salaries:bp",
                    "erp.payroll.api.openings:bp"),
    menu=(
        MenuEntry(N_("工资发放"), "payroll.runs", "payroll.run.read", 50),
        MenuEntry(N_("当月变动"), "payroll.inputs", "payroll.run.read", 51),
        MenuEntry(N_("职工薪酬档案"), "payroll.employees", "payroll.employee.read", 52),
        MenuEntry(N_("工资项目规则"), "payroll.rules", "payroll.rule.read", 53),
        MenuEntry(N_("薪酬参数"), "payroll.parameters", "payroll.rule.read", 54),
        MenuEntry(N_("个税试算"), "payroll.tax_calculator", "payroll.tax.calculate", 55),
        MenuEntry(N_("绩效工资总量"), "payroll.pools", "payroll.pool.read", 56),
        MenuEntry(N_("医共体绩效统筹"), "payroll.pooling_plans", "payroll.pooling.read", 57),
        MenuEntry(N_("院长年薪"), "payroll.dean_salaries", "payroll.dean.read", 58),
        MenuEntry(N_("收入差距分析"), "payroll.pay_gap_report", "payroll.run.read", 59),
    ),
    tiles=(
        Tile(N_("待计算工资"), "erp.payroll.services:runs_to_compute", "payroll.run.write", 30),
        Tile(N_("待审批工资"), "erp.payroll.services:runs_to_approve", "payroll.run.approve", 31),
        Tile(N_("待记账工资"), "erp.payroll.services:runs_to_post", "payroll.run.post", 32),
        Tile(N_("待审批绩效工资总量"), "erp.payroll.services:pools_to_approve", "payroll.pool.approve", 33),
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
        # the 两个允许 pool: the finance officer computes it and keeps its account mapping, the chief accountant approves
        "payroll.pool.read": PAY_READERS,
        "payroll.pool.write": ("admin", "finance"),
        "payroll.pool.approve": ("chief_accountant",),
        "payroll.pooling.read": PAY_READERS,
        "payroll.pooling.write": ("admin", "finance", "hr"),
        "payroll.pooling.approve": ("chief_accountant",),
        "payroll.distribution.read": PAY_READERS,
        "payroll.distribution.write": HR,
        # 院长年薪: recorded by HR or finance, approved (核定) by the chief accountant, posted by the finance office
        "payroll.dean.read": PAY_READERS,
        "payroll.dean.write": PAY_SETTERS,
        "payroll.dean.approve": ("chief_accountant",),
        "payroll.dean.post": ("finance", "chief_accountant"),
    },
    data_loader="erp.payroll.install:load",
    demo_loader="erp.payroll.demo_pools:load_demo",
    audit_labels="erp.payroll.audit_labels:LABELS",
)
