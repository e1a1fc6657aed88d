"""How the auditors' log names the ledger's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.registry import N_
from erp.ledger.services.statement_maps import cash_flow_items

BASIS = {"financial": N_("财务会计"), "budget": N_("预算会计")}
SOURCE = {"source_module": N_("来源模块"), "source_kind": N_("来源单据类型"), "source_key": N_("来源单据"),
          "source_label": N_("来源单据号"), "source_url": N_("来源链接"), "template_version": N_("记账模板版本")}

SIDES = {"debit": N_("借"), "credit": N_("贷")}
CATEGORIES = {"asset": N_("资产"), "liability": N_("负债"), "net_assets": N_("净资产"), "revenue": N_("收入"),
              "expense": N_("费用"), "budget_revenue": N_("预算收入"), "budget_expenditure": N_("预算支出"),
              "budget_balance": N_("预算结余")}
DIMENSIONS = {"department": N_("科室"), "partner": N_("往来单位"), "funding_source": N_("资金来源"), "employee": N_("职工"),
              "project": N_("项目")}

LABELS = AuditLabels(records={
    "Voucher": RecordLabel(N_("记账凭证"), {
        "number": N_("凭证号"), "attachment_count": N_("附件张数"), "reversal_of_id": N_("冲销原凭证"),
        "internal_ref": N_("内部往来编号"), "kind": N_("凭证类别"), "cashier_signed_at": N_("出纳签字时间"), **SOURCE},
        {"state": {"draft": N_("未审核"), "reviewed": N_("已审核"), "posted": N_("已记账")},
         "kind": {"normal": N_("普通凭证"), "reversal": N_("红字冲销"), "closing": N_("结转凭证"), "opening": N_("期初建账")}}),
    "VoucherLine": RecordLabel(N_("凭证分录"), {"debit": N_("借方金额"), "credit": N_("贷方金额"), "basis": N_("核算类型"),
                                            "generated": N_("自动生成（平行记账）"), "cash_flow_item": N_("现金流量项目")},
                               {"basis": BASIS,
                                "cash_flow_item": {code: item.label for code, item in cash_flow_items().items()}}),
    "LedgerSettings": RecordLabel(N_("凭证设置"), {"poster_may_review": N_("审核人可记账"), "cashier_sign": N_("需出纳签字")}),
    "Account": RecordLabel(N_("会计科目"), {"parent_id": N_("上级科目"), "level": N_("级次"), "basis": N_("核算类型"),
                                        "balance_side": N_("余额方向"), "required_dimensions": N_("辅助核算"),
                                        "variant": N_("适用制度"), "has_children": N_("有下级科目")},
                           {"basis": BASIS, "balance_side": SIDES, "category": CATEGORIES,
                            "variant": {"grassroots": N_("基层医疗卫生机构")}, "required_dimensions": DIMENSIONS}),
    "BudgetMapping": RecordLabel(N_("平行记账对照"), {"account_prefix": N_("财务科目"), "side": N_("方向"), "role": N_("用途"),
                                                "budget_account_code": N_("预算科目")},
                                 {"side": {**SIDES, "any": N_("不限")},
                                  "role": {"cash": N_("现金收支"), "fiscal": N_("财政拨款"), "counterpart": N_("对方科目")}}),
    "FiscalYear": RecordLabel(N_("会计年度"), values={"state": {"open": N_("未年结"), "closed": N_("已年结")}}),
    "Period": RecordLabel(N_("会计期间"), {"reopen_reason": N_("反结账原因")},
                          {"state": {"open": N_("未结账"), "closed": N_("已结账")}}),
    "PostingTemplate": RecordLabel(N_("记账模板"), {"current_version": N_("当前版本")}),
    "PostingTemplateVersion": RecordLabel(N_("记账模板版本"), {"template_id": N_("记账模板")}),
    "PostingTemplateLine": RecordLabel(N_("记账模板行"), {
        "version_id": N_("记账模板版本"), "role": N_("科目用途"), "qualifier": N_("细分"), "account_code": N_("科目编码"),
        "description": N_("说明")}),
})
