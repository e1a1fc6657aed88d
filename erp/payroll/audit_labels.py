"""How the auditors' log names payroll's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.registry import N_
from erp.payroll.models import (ESTABLISHMENT_TITLES, RULE_CATEGORY_TITLES, RUN_KIND_TITLES, RUN_STATE_TITLES,
                                STAFF_CATEGORY_TITLES)
from erp.payroll.models.dean_salary import DEAN_STATE_TITLES
from erp.payroll.models.performance_pool import POOL_ITEM_TITLES, POOL_STATE_TITLES


def _titles(labels: dict) -> dict[str, str]:
    return {getattr(key, "value", key): title for key, title in labels.items()}


RUN = RecordLabel(N_("工资发放批次"), {
    "number": N_("批次号"), "community_wide": N_("全医共体发放"), "adjusts_run_id": N_("更正的批次"), "versions": N_("规则与参数版本"),
    "employee_ids": N_("补发职工"), "slip_count": N_("人数"), "gross_total": N_("应发合计"), "deduction_total": N_("个人扣款合计"),
    "tax_total": N_("个税合计"), "net_total": N_("实发合计"), "employer_total": N_("单位缴费合计"), "paid_at": N_("发放时间")},
    {"state": _titles(RUN_STATE_TITLES), "kind": _titles(RUN_KIND_TITLES)})

LABELS = AuditLabels(records={
    "PayrollProfile": RecordLabel(N_("职工薪酬档案"), {
        "post": N_("岗位"), "grade": N_("薪级"), "staff_category": N_("人员类别"), "general_practitioner": N_("全科医生"),
        "public_health": N_("公共卫生医师"), "establishment": N_("用人方式"), "id_number": N_("身份证号"), "bank_name": N_("开户银行"),
        "bank_account": N_("银行账号"), "insurance_base": N_("社保缴费基数"), "housing_fund_base": N_("公积金缴费基数"),
        "hire_date": N_("入职日期"), "leave_date": N_("离职日期"), "is_head": N_("主要负责人")},
        {"staff_category": _titles(STAFF_CATEGORY_TITLES), "establishment": _titles(ESTABLISHMENT_TITLES)}),
    "SpecialDeduction": RecordLabel(N_("专项附加扣除"), {"profile_id": N_("薪酬档案"), "start": N_("起始月份"), "end": N_("截止月份")}),
    "PayrollParameter": RecordLabel(N_("薪酬参数"), {"value": N_("参数值")}),
    "SalaryRule": RecordLabel(N_("工资项目规则"), {"sequence": N_("计算顺序"), "condition": N_("条件"), "amount": N_("金额公式")},
                              {"category": _titles(RULE_CATEGORY_TITLES)}),
    "PayrollRun": RUN,
    "payroll_run": RUN,  # the compute event (audit.log_event) names the table
    "Payslip": RecordLabel(N_("工资条"), {"run_id": N_("发放批次"), "gross": N_("应发"), "personal_deductions": N_("个人扣款"),
                                       "income_tax": N_("个税"), "net": N_("实发"), "employer_contributions": N_("单位缴费"),
                                       "annual_bonus": N_("年终奖"), "bonus_separate": N_("年终奖单独计税"),
                                       "regular_period": N_("正常发放月份"), "taxable_wages": N_("应税工资"),
                                       "special_deduction": N_("专项扣除"), "additional_deduction": N_("专项附加扣除"),
                                       "other_deduction": N_("其他扣除"), "wage_tax": N_("本月工资薪金预扣税"),
                                       "tax_months": N_("本年任职月数"), "bonus_tax_separate": N_("年终奖单独计税税额"),
                                       "bonus_tax_merged": N_("年终奖并入综合所得增加税额"), "lines": N_("工资项目")}),
    "PayrollInput": RecordLabel(N_("当月变动"), {"value": N_("数值"), "source": N_("来源")}),
    "PoolAccountMapping": RecordLabel(N_("绩效总量核算口径"), {"item": N_("项目"), "account_prefix": N_("会计科目")},
                                      {"item": _titles(POOL_ITEM_TITLES)}),
    "PerformancePool": RecordLabel(N_("绩效工资总量"), {
        "service_revenue": N_("医疗服务收入 S"), "cost": N_("成本 C"), "surplus": N_("结余 U"), "funds": N_("提取基金 F"),
        "reward_room": N_("奖励空间 R"), "increases_total": N_("核增合计"), "total": N_("绩效工资总量 P"), "basic": N_("基础性"),
        "incentive": N_("奖励性"), "previous_pool": N_("上年总量"), "staff_count": N_("人数")},
        {"state": _titles(POOL_STATE_TITLES)}),
    "PoolIncrease": RecordLabel(N_("绩效总量核增"), {"pool_id": N_("绩效工资总量")}),
    "PoolingPlan": RecordLabel(N_("医共体绩效统筹"), {"share": N_("统筹比例"), "floor": N_("基层保底"), "coefficients": N_("倾斜系数")}),
    "PoolingLine": RecordLabel(N_("统筹分配行"), {"plan_id": N_("统筹方案"), "member_id": N_("成员单位"), "allocation": N_("分配额")}),
    "Distribution": RecordLabel(N_("绩效分配"), {"label": N_("名称")}),
    "DistributionDepartment": RecordLabel(N_("科室绩效"), {"distribution_id": N_("绩效分配"), "points": N_("工作量点数"),
                                                       "point_value": N_("点值"), "weight": N_("权重")}),
    "DistributionShare": RecordLabel(N_("个人绩效"), {"distribution_id": N_("绩效分配"), "points": N_("工作量点数"),
                                                  "quality": N_("质量系数")}),
    "DeanSalary": RecordLabel(N_("院长年薪"), {"standard": N_("年薪标准"), "base": N_("基本年薪"), "score": N_("考核得分"),
                                           "annual": N_("应得年薪"), "advanced": N_("已预发"), "settlement": N_("清算额"),
                                           "settled_at": N_("清算时间")}, {"state": _titles(DEAN_STATE_TITLES)}),
    "DeanAdvance": RecordLabel(N_("院长年薪预发"), {"salary_id": N_("院长年薪"), "paid_at": N_("发放时间")}),
    "PayrollOpening": RecordLabel(N_("个税期初累计数"), {
        "employee_id": N_("职工"), "year": N_("年度"), "through_month": N_("截至月份"), "months": N_("累计月数"),
        "income": N_("累计收入"), "special_deduction": N_("累计专项扣除"), "additional_deduction": N_("累计专项附加扣除"),
        "other_deduction": N_("累计其他扣除"), "tax_withheld": N_("累计已预扣税额"), "source": N_("来源")}),
}, actions={"payroll.compute": N_("计算工资")})
