"""How the auditors' log names procurement's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.procurement.models import CATEGORY_LABELS, FLAG_LABELS, KIND_LABELS, PLATFORM_LABELS, ROLE_LABELS
from erp.procurement.models.purchase_order import ORDER_LABELS
from erp.procurement.models.receipt import RECEIPT_LABELS


def _titles(labels: dict) -> dict[str, str]:
    return {getattr(key, "value", key): title for key, title in labels.items()}


PLATFORM = {"platform": _titles(PLATFORM_LABELS)}
PEOPLE = {"preparer_id": "经办人", "poster_id": "记账人"}

LABELS = AuditLabels(records={
    "CatalogueItem": RecordLabel("目录品种", {
        "code": "医保编码", "generic_name": "通用名", "trade_name": "商品名", "dosage_form": "剂型",
        "specification": "规格", "package_unit": "包装单位", "min_unit": "最小单位", "units_per_package": "包装数量",
        "manufacturer": "生产企业", "approval_number": "批准文号", "code_warning": "编码提示", **FLAG_LABELS},
        {"category": _titles(CATEGORY_LABELS), "kind": _titles(KIND_LABELS)}),
    "Formulary": RecordLabel("单位用药目录", {"min_stock": "最低库存（包装）"}),
    "Supplier": RecordLabel("供应商", {"role": "供应链角色", "licence_number": "药品经营许可证号",
                                       "licence_expires": "许可证有效期至", "bank_name": "开户银行",
                                       "bank_account": "银行账号"}, {"role": _titles(ROLE_LABELS)}),
    "PriceAgreement": RecordLabel("价格协议", {"unit_price": "协议单价", "platform_code": "平台产品编码",
                                              "agreed_volume": "约定采购量", "superseded_by_id": "被替代为"}, PLATFORM),
    "ProcurementSettings": RecordLabel("采购参数", {
        "herbal_markup_cap": "饮片加成上限", "former_markup": "原加成率", "compensation_price": "价格调整补偿比例",
        "compensation_subsidy": "财政补助比例", "compensation_absorbed": "医院消化比例",
        "near_expiry_months": "近效期（月）", "payment_term_days": "付款期限（天）", "match_tolerance": "匹配容差",
        "online_target_drugs": "药品网采率目标", "online_target_high_value": "高值耗材网采率目标"}),
    "SellingPrice": RecordLabel("零售价", {"cost_price": "进价", "price": "零售价", "updated_at": "调整时间",
                                          "updated_by_id": "调整人"}),
    "Requisition": RecordLabel("请领单"),
    "RequisitionLine": RecordLabel("请领单行", {"requisition_id": "请领单", "wanted_date": "需求日期",
                                              "po_line_id": "采购订单行"}),
    "PurchaseOrder": RecordLabel("采购订单", {"order_date": "订单日期", "platform_order_no": "平台订单号"},
                                 {"state": ORDER_LABELS, **PLATFORM}),
    "PurchaseOrderLine": RecordLabel("采购订单行", {"agreement_id": "价格协议", "override_id": "非网采授权",
                                                  "online": "网采", "received": "已收数量", "cancelled": "已取消",
                                                  "cancel_reason": "取消原因"}),
    "PurchaseOverride": RecordLabel("非网采授权"),
    "Receipt": RecordLabel("收货单", {"acceptance_note": "验收意见", "accepted_on": "验收日期", **PEOPLE},
                           {"state": RECEIPT_LABELS}),
    "ReceiptLine": RecordLabel("收货单行", {"po_line_id": "采购订单行", "stock_batch_id": "库存批次",
                                          "invoiced": "已开票数量"}),
    "TraceCode": RecordLabel("药品追溯码", {"code": "追溯码", "receipt_line_id": "收货单行", "split_pack": "拆零",
                                           "dispensed": "已发出"}),
    "StockBatch": RecordLabel("库存批次", {"unit_cost": "进价（包装）"}),
    "StockMove": RecordLabel("库存变动", {"batch_id": "库存批次", "document_kind": "单据类型", "document_id": "单据",
                                         "document_line_id": "单据行"}),
    "Transfer": RecordLabel("配送调拨单", {"to_institution_id": "调入单位", **PEOPLE}),
    "TransferLine": RecordLabel("调拨单行", {"transfer_id": "调拨单"}),
    "Dispensing": RecordLabel("发药领用单", {"setting": "场景", "payer": "结算方式", **PEOPLE}),
    "DispensingLine": RecordLabel("发药单行", {"dispensing_id": "发药单", "trace_code": "追溯码", "split_pack": "拆零",
                                             "no_code": "无追溯码"}),
    "Invoice": RecordLabel("供应商发票", {"number": "登记号", "invoice_date": "开票日期"}),
    "InvoiceLine": RecordLabel("发票行", {"receipt_line_id": "收货单行", "upstream_invoice_no": "上游发票号",
                                        "upstream_seller": "上游开票方", "upstream_seller_role": "上游开票方角色",
                                        "upstream_date": "上游开票日期"},
                               {"upstream_seller_role": _titles(ROLE_LABELS)}),
    "Payment": RecordLabel("付款单", PEOPLE),
    "PaymentAllocation": RecordLabel("付款核销"),
})
