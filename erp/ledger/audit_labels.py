"""How the auditors' log names the ledger's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.ledger.services.statement_maps import cash_flow_items

BASIS = {"financial": "财务会计", "budget": "预算会计"}
SOURCE = {"source_module": "来源模块", "source_kind": "来源单据类型", "source_key": "来源单据",
          "source_label": "来源单据号", "source_url": "来源链接", "template_version": "记账模板版本"}

SIDES = {"debit": "借", "credit": "贷"}
CATEGORIES = {"asset": "资产", "liability": "负债", "net_assets": "净资产", "revenue": "收入", "expense": "费用",
              "budget_revenue": "预算收入", "budget_expenditure": "预算支出", "budget_balance": "预算结余"}
DIMENSIONS = {"department": "科室", "partner": "往来单位", "funding_source": "资金来源", "employee": "职工",
              "project": "项目"}

LABELS = AuditLabels(records={
    "Voucher": RecordLabel("记账凭证", {
        "number": "凭证号", "attachment_count": "附件张数", "reversal_of_id": "冲销原凭证", "internal_ref": "内部往来编号",
        "kind": "凭证类别", "cashier_signed_at": "出纳签字时间", **SOURCE},
        {"state": {"draft": "未审核", "reviewed": "已审核", "posted": "已记账"},
         "kind": {"normal": "普通凭证", "reversal": "红字冲销", "closing": "结转凭证", "opening": "期初建账"}}),
    "VoucherLine": RecordLabel("凭证分录", {"debit": "借方金额", "credit": "贷方金额", "basis": "核算类型",
                                           "generated": "自动生成（平行记账）", "cash_flow_item": "现金流量项目"},
                               {"basis": BASIS,
                                "cash_flow_item": {code: item.label for code, item in cash_flow_items().items()}}),
    "LedgerSettings": RecordLabel("凭证设置", {"poster_may_review": "审核人可记账", "cashier_sign": "需出纳签字"}),
    "Account": RecordLabel("会计科目", {"parent_id": "上级科目", "level": "级次", "basis": "核算类型",
                                       "balance_side": "余额方向", "required_dimensions": "辅助核算",
                                       "variant": "适用制度", "has_children": "有下级科目"},
                           {"basis": BASIS, "balance_side": SIDES, "category": CATEGORIES,
                            "variant": {"grassroots": "基层医疗卫生机构"}, "required_dimensions": DIMENSIONS}),
    "BudgetMapping": RecordLabel("平行记账对照", {"account_prefix": "财务科目", "side": "方向", "role": "用途",
                                               "budget_account_code": "预算科目"},
                                 {"side": {**SIDES, "any": "不限"},
                                  "role": {"cash": "现金收支", "fiscal": "财政拨款", "counterpart": "对方科目"}}),
    "FiscalYear": RecordLabel("会计年度", values={"state": {"open": "未年结", "closed": "已年结"}}),
    "Period": RecordLabel("会计期间", {"reopen_reason": "反结账原因"},
                          {"state": {"open": "未结账", "closed": "已结账"}}),
    "PostingTemplate": RecordLabel("记账模板", {"current_version": "当前版本"}),
    "PostingTemplateVersion": RecordLabel("记账模板版本", {"template_id": "记账模板"}),
    "PostingTemplateLine": RecordLabel("记账模板行", {"version_id": "记账模板版本", "role": "科目用途", "qualifier": "细分",
                                                    "account_code": "科目编码", "description": "说明"}),
})
