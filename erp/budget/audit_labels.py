"""How the auditors' log names the budget module's records and fields (the manifest's ``audit_labels``)."""
from erp.budget.models.budgets import BUDGET_STATE_TITLES, CONTROL_TITLES, VERSION_STATE_TITLES
from erp.budget.models.control import ENTRY_KIND_TITLES, ENTRY_STATE_TITLES
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.registry import N_

MONTHS = (N_("1月"), N_("2月"), N_("3月"), N_("4月"), N_("5月"), N_("6月"), N_("7月"), N_("8月"), N_("9月"), N_("10月"),
          N_("11月"), N_("12月"))  # spelled out: an f-string is no msgid the catalogue can extract
LINE = {"control": N_("控制方式"), "check_period": N_("控制期间"), "account_code": N_("预算科目"), "committed": N_("已预占"),
        "actual": N_("实际支出"), **{f"m{month:02d}": title for month, title in enumerate(MONTHS, start=1)}}

LABELS = AuditLabels(records={
    "Budget": RecordLabel(N_("预算"), {"version": N_("执行版本"), "prepared_by_id": N_("编制人")},
                          {"state": BUDGET_STATE_TITLES}),
    "BudgetVersion": RecordLabel(N_("预算版本"), {"number": N_("版本号"), "prepared_by_id": N_("编制人")},
                                 {"state": VERSION_STATE_TITLES}),
    "BudgetVersionLine": RecordLabel(N_("预算版本行"), {"version_id": N_("预算版本"), **LINE}, {"control": CONTROL_TITLES}),
    "BudgetLine": RecordLabel(N_("预算行"), LINE, {"control": CONTROL_TITLES}),
    "BudgetEntry": RecordLabel(N_("预算占用"), {"open_amount": N_("未释放金额")},
                               {"kind": ENTRY_KIND_TITLES, "state": ENTRY_STATE_TITLES}),
    "BudgetWarning": RecordLabel(N_("超预算预警"), {"available": N_("可用余额"), "entry_id": N_("预算占用")}),
    "FundReceipt": RecordLabel(N_("财政资金到账"), {"purpose": N_("用途"), "channel": N_("拨付渠道"), "posted_by_id": N_("记账人")}),
    "FundAllocation": RecordLabel(N_("财政资金拨付"), {"receipt_id": N_("到账记录"), "lead_voucher_number": N_("牵头医院凭证号")}),
    "FundPosition": RecordLabel(N_("资金来源额度"), {"granted": N_("已拨付"), "spent": N_("已支出")}),
    "PublicHealthFund": RecordLabel(N_("基本公卫经费"), {"population": N_("常住人口"), "per_capita": N_("人均标准"),
                                                   "pre_allocation_share": N_("预拨比例"), "pre_allocation": N_("预拨金额"),
                                                   "stage": N_("阶段")}),
    "PublicHealthShare": RecordLabel(N_("公卫经费分配"), {"fund_id": N_("公卫经费"), "stage": N_("阶段"), "basis": N_("分配依据"),
                                                    "allocation_id": N_("拨付记录")}),
    "InsuranceBudget": RecordLabel(N_("医保总额预算"), {
        "funding_total": N_("基金筹集总额"), "previous_funding_total": N_("上年筹集总额"), "serious_illness_fund": N_("大病保险"),
        "share": N_("总额占比"), "reserve_rate": N_("风险金比例"), "overspend_share": N_("超支分担比例"), "risk_reserve": N_("风险金"),
        "base": N_("基数"), "community_budget": N_("医共体总额"), "spent": N_("实际结算"), "surplus": N_("结余"),
        "settled_at": N_("清算时间")}),
    "InsuranceMonth": RecordLabel(N_("医保月度结算"), {"budget_id": N_("医保总额预算")}),
    "InsuranceAllocation": RecordLabel(N_("医保结余分配"), {"budget_id": N_("医保总额预算"), "score": N_("考核得分")}),
    "BudgetParameter": RecordLabel(N_("预算参数"), {"key": N_("参数")}),
})
