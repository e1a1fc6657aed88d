"""How the auditors' log names payroll's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.payroll.models import (ESTABLISHMENT_TITLES, RULE_CATEGORY_TITLES, RUN_KIND_TITLES, RUN_STATE_TITLES,
                                STAFF_CATEGORY_TITLES)
from erp.payroll.models.dean_salary import DEAN_STATE_TITLES
from erp.payroll.models.performance_pool import POOL_ITEM_TITLES, POOL_STATE_TITLES


def _titles(labels: dict) -> dict[str, str]:
    return {getattr(key, "value", key): title for key, title in labels.items()}


RUN = RecordLabel("工资发放批次", {
    "number": "批次号", "community_wide": "全医共体发放", "adjusts_run_id": "更正的批次", "versions": "规则与参数版本",
    "employee_ids": "补发职工", "slip_count": "人数", "gross_total": "应发合计", "deduction_total": "个人扣款合计",
    "tax_total": "个税合计", "net_total": "实发合计", "employer_total": "单位缴费合计", "paid_at": "发放时间"},
    {"state": _titles(RUN_STATE_TITLES), "kind": _titles(RUN_KIND_TITLES)})

LABELS = AuditLabels(records={
    "PayrollProfile": RecordLabel("职工薪酬档案", {
        "post": "岗位", "grade": "薪级", "staff_category": "人员类别", "general_practitioner": "全科医生",
        "public_health": "公共卫生医师", "establishment": "用人方式", "id_number": "身份证号", "bank_name": "开户银行",
        "bank_account": "银行账号", "insurance_base": "社保缴费基数", "housing_fund_base": "公积金缴费基数",
        "hire_date": "入职日期", "leave_date": "离职日期", "is_head": "主要负责人"},
        {"staff_category": _titles(STAFF_CATEGORY_TITLES), "establishment": _titles(ESTABLISHMENT_TITLES)}),
    "SpecialDeduction": RecordLabel("专项附加扣除", {"profile_id": "薪酬档案", "start": "起始月份", "end": "截止月份"}),
    "PayrollParameter": RecordLabel("薪酬参数", {"value": "参数值"}),
    "SalaryRule": RecordLabel("工资项目规则", {"sequence": "计算顺序", "condition": "条件", "amount": "金额公式"},
                              {"category": _titles(RULE_CATEGORY_TITLES)}),
    "PayrollRun": RUN,
    "payroll_run": RUN,  # the compute event (audit.log_event) names the table
    "Payslip": RecordLabel("工资条", {"run_id": "发放批次", "gross": "应发", "personal_deductions": "个人扣款",
                                     "income_tax": "个税", "net": "实发", "employer_contributions": "单位缴费",
                                     "annual_bonus": "年终奖", "bonus_separate": "年终奖单独计税",
                                     "regular_period": "正常发放月份", "taxable_wages": "应税工资",
                                     "special_deduction": "专项扣除", "additional_deduction": "专项附加扣除",
                                     "other_deduction": "其他扣除", "wage_tax": "本月工资薪金预扣税",
                                     "tax_months": "本年任职月数", "bonus_tax_separate": "年终奖单独计税税额",
                                     "bonus_tax_merged": "年终奖并入综合所得增加税额", "lines": "工资项目"}),
    "PayrollInput": RecordLabel("当月变动", {"value": "数值", "source": "来源"}),
    "PoolAccountMapping": RecordLabel("绩效总量核算口径", {"item": "项目", "account_prefix": "会计科目"},
                                      {"item": _titles(POOL_ITEM_TITLES)}),
    "PerformancePool": RecordLabel("绩效工资总量", {
        "service_revenue": "医疗服务收入 S", "cost": "成本 C", "surplus": "结余 U", "funds": "提取基金 F",
        "reward_room": "奖励空间 R", "increases_total": "核增合计", "total": "绩效工资总量 P", "basic": "基础性",
        "incentive": "奖励性", "previous_pool": "上年总量", "staff_count": "人数"},
        {"state": _titles(POOL_STATE_TITLES)}),
    "PoolIncrease": RecordLabel("绩效总量核增", {"pool_id": "绩效工资总量"}),
    "PoolingPlan": RecordLabel("医共体绩效统筹", {"share": "统筹比例", "floor": "基层保底", "coefficients": "倾斜系数"}),
    "PoolingLine": RecordLabel("统筹分配行", {"plan_id": "统筹方案", "member_id": "成员单位", "allocation": "分配额"}),
    "Distribution": RecordLabel("绩效分配", {"label": "名称"}),
    "DistributionDepartment": RecordLabel("科室绩效", {"distribution_id": "绩效分配", "points": "工作量点数",
                                                      "point_value": "点值", "weight": "权重"}),
    "DistributionShare": RecordLabel("个人绩效", {"distribution_id": "绩效分配", "points": "工作量点数",
                                                 "quality": "质量系数"}),
    "DeanSalary": RecordLabel("院长年薪", {"standard": "年薪标准", "base": "基本年薪", "score": "考核得分",
                                          "annual": "应得年薪", "advanced": "已预发", "settlement": "清算额",
                                          "settled_at": "清算时间"}, {"state": _titles(DEAN_STATE_TITLES)}),
    "DeanAdvance": RecordLabel("院长年薪预发", {"salary_id": "院长年薪", "paid_at": "发放时间"}),
    "PayrollOpening": RecordLabel("个税期初累计数", {
        "employee_id": "职工", "year": "年度", "through_month": "截至月份", "months": "累计月数",
        "income": "累计收入", "special_deduction": "累计专项扣除", "additional_deduction": "累计专项附加扣除",
        "other_deduction": "累计其他扣除", "tax_withheld": "累计已预扣税额", "source": "来源"}),
}, actions={"payroll.compute": "计算工资"})
