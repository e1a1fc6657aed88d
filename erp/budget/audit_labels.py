"""How the auditors' log names the budget module's records and fields (the manifest's ``audit_labels``)."""
from erp.budget.models.budgets import BUDGET_STATE_TITLES, CONTROL_TITLES, VERSION_STATE_TITLES
from erp.budget.models.control import ENTRY_KIND_TITLES, ENTRY_STATE_TITLES
from erp.core.audit_labels import AuditLabels, RecordLabel

LINE = {"control": "控制方式", "check_period": "控制期间", "account_code": "预算科目", "committed": "已预占",
        "actual": "实际支出", **{f"m{month:02d}": f"{month}月" for month in range(1, 13)}}

LABELS = AuditLabels(records={
    "Budget": RecordLabel("预算", {"version": "执行版本", "prepared_by_id": "编制人"},
                          {"state": BUDGET_STATE_TITLES}),
    "BudgetVersion": RecordLabel("预算版本", {"number": "版本号", "prepared_by_id": "编制人"},
                                 {"state": VERSION_STATE_TITLES}),
    "BudgetVersionLine": RecordLabel("预算版本行", {"version_id": "预算版本", **LINE}, {"control": CONTROL_TITLES}),
    "BudgetLine": RecordLabel("预算行", LINE, {"control": CONTROL_TITLES}),
    "BudgetEntry": RecordLabel("预算占用", {"open_amount": "未释放金额"},
                               {"kind": ENTRY_KIND_TITLES, "state": ENTRY_STATE_TITLES}),
    "BudgetWarning": RecordLabel("超预算预警", {"available": "可用余额", "entry_id": "预算占用"}),
    "FundReceipt": RecordLabel("财政资金到账", {"purpose": "用途", "channel": "拨付渠道", "posted_by_id": "记账人"}),
    "FundAllocation": RecordLabel("财政资金拨付", {"receipt_id": "到账记录", "lead_voucher_number": "牵头医院凭证号"}),
    "FundPosition": RecordLabel("资金来源额度", {"granted": "已拨付", "spent": "已支出"}),
    "PublicHealthFund": RecordLabel("基本公卫经费", {"population": "常住人口", "per_capita": "人均标准",
                                                   "pre_allocation_share": "预拨比例", "pre_allocation": "预拨金额",
                                                   "stage": "阶段"}),
    "PublicHealthShare": RecordLabel("公卫经费分配", {"fund_id": "公卫经费", "stage": "阶段", "basis": "分配依据",
                                                     "allocation_id": "拨付记录"}),
    "InsuranceBudget": RecordLabel("医保总额预算", {
        "funding_total": "基金筹集总额", "previous_funding_total": "上年筹集总额", "serious_illness_fund": "大病保险",
        "share": "总额占比", "reserve_rate": "风险金比例", "overspend_share": "超支分担比例", "risk_reserve": "风险金",
        "base": "基数", "community_budget": "医共体总额", "spent": "实际结算", "surplus": "结余",
        "settled_at": "清算时间"}),
    "InsuranceMonth": RecordLabel("医保月度结算", {"budget_id": "医保总额预算"}),
    "InsuranceAllocation": RecordLabel("医保结余分配", {"budget_id": "医保总额预算", "score": "考核得分"}),
    "BudgetParameter": RecordLabel("预算参数", {"key": "参数"}),
})
