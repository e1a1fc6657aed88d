"""How the auditors' log names procurement's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.registry import N_
from erp.procurement.models import CATEGORY_LABELS, FLAG_LABELS, KIND_LABELS, PLATFORM_LABELS, ROLE_LABELS
from erp.procurement.models.purchase_order import ORDER_LABELS
from erp.procurement.models.receipt import RECEIPT_LABELS


def _titles(labels: dict) -> dict[str, str]:
    return {getattr(key, "value", key): title for key, title in labels.items()}


PLATFORM = {"platform": _titles(PLATFORM_LABELS)}
PEOPLE = {"preparer_id": N_("经办人"), "poster_id": N_("记账人")}

LABELS = AuditLabels(records={
    "CatalogueItem": RecordLabel(N_("目录品种"), {
        "code": N_("医保编码"), "generic_name": N_("通用名"), "trade_name": N_("商品名"), "dosage_form": N_("剂型"),
        "specification": N_("规格"), "package_unit": N_("包装单位"), "min_unit": N_("最小单位"), "units_per_package": N_("包装数量"),
        "manufacturer": N_("生产企业"), "approval_number": N_("批准文号"), "code_warning": N_("编码提示"), **FLAG_LABELS},
        {"category": _titles(CATEGORY_LABELS), "kind": _titles(KIND_LABELS)}),
    "Formulary": RecordLabel(N_("单位用药目录"), {"min_stock": N_("最低库存（包装）")}),
    "Supplier": RecordLabel(N_("供应商"), {"role": N_("供应链角色"), "licence_number": N_("药品经营许可证号"),
                                        "licence_expires": N_("许可证有效期至"), "bank_name": N_("开户银行"),
                                        "bank_account": N_("银行账号")}, {"role": _titles(ROLE_LABELS)}),
    "PriceAgreement": RecordLabel(N_("价格协议"), {"unit_price": N_("协议单价"), "platform_code": N_("平台产品编码"),
                                               "agreed_volume": N_("约定采购量"), "superseded_by_id": N_("被替代为")}, PLATFORM),
    "ProcurementSettings": RecordLabel(N_("采购参数"), {
        "herbal_markup_cap": N_("饮片加成上限"), "former_markup": N_("原加成率"), "compensation_price": N_("价格调整补偿比例"),
        "compensation_subsidy": N_("财政补助比例"), "compensation_absorbed": N_("医院消化比例"),
        "near_expiry_months": N_("近效期（月）"), "payment_term_days": N_("付款期限（天）"), "match_tolerance": N_("匹配容差"),
        "online_target_drugs": N_("药品网采率目标"), "online_target_high_value": N_("高值耗材网采率目标")}),
    "SellingPrice": RecordLabel(N_("零售价"), {"cost_price": N_("进价"), "price": N_("零售价"), "updated_at": N_("调整时间"),
                                            "updated_by_id": N_("调整人")}),
    "Requisition": RecordLabel(N_("请领单")),
    "RequisitionLine": RecordLabel(N_("请领单行"), {"requisition_id": N_("请领单"), "wanted_date": N_("需求日期"),
                                                "po_line_id": N_("采购订单行")}),
    "PurchaseOrder": RecordLabel(N_("采购订单"), {"order_date": N_("订单日期"), "platform_order_no": N_("平台订单号")},
                                 {"state": ORDER_LABELS, **PLATFORM}),
    "PurchaseOrderLine": RecordLabel(N_("采购订单行"), {"agreement_id": N_("价格协议"), "override_id": N_("非网采授权"),
                                                   "online": N_("网采"), "received": N_("已收数量"), "cancelled": N_("已取消"),
                                                   "cancel_reason": N_("取消原因")}),
    "PurchaseOverride": RecordLabel(N_("非网采授权")),
    "Receipt": RecordLabel(N_("收货单"), {"acceptance_note": N_("验收意见"), "accepted_on": N_("验收日期"), **PEOPLE},
                           {"state": RECEIPT_LABELS}),
    "ReceiptLine": RecordLabel(N_("收货单行"), {"po_line_id": N_("采购订单行"), "stock_batch_id": N_("库存批次"),
                                            "invoiced": N_("已开票数量")}),
    "TraceCode": RecordLabel(N_("药品追溯码"), {"code": N_("追溯码"), "receipt_line_id": N_("收货单行"), "split_pack": N_("拆零"),
                                           "dispensed": N_("已发出")}),
    "StockBatch": RecordLabel(N_("库存批次"), {"unit_cost": N_("进价（包装）")}),
    "StockMove": RecordLabel(N_("库存变动"), {"batch_id": N_("库存批次"), "document_kind": N_("单据类型"), "document_id": N_("单据"),
                                          "document_line_id": N_("单据行")}),
    "Transfer": RecordLabel(N_("配送调拨单"), {"to_institution_id": N_("调入单位"), **PEOPLE}),
    "TransferLine": RecordLabel(N_("调拨单行"), {"transfer_id": N_("调拨单")}),
    "Dispensing": RecordLabel(N_("发药领用单"), {"setting": N_("场景"), "payer": N_("结算方式"), **PEOPLE}),
    "DispensingLine": RecordLabel(N_("发药单行"), {"dispensing_id": N_("发药单"), "trace_code": N_("追溯码"),
                                               "split_pack": N_("拆零"), "no_code": N_("无追溯码")}),
    "Invoice": RecordLabel(N_("供应商发票"), {"number": N_("登记号"), "invoice_date": N_("开票日期")}),
    "InvoiceLine": RecordLabel(N_("发票行"), {"receipt_line_id": N_("收货单行"), "upstream_invoice_no": N_("上游发票号"),
                                           "upstream_seller": N_("上游开票方"), "upstream_seller_role": N_("上游开票方角色"),
                                           "upstream_date": N_("上游开票日期")},
                               {"upstream_seller_role": _titles(ROLE_LABELS)}),
    "Payment": RecordLabel(N_("付款单"), PEOPLE),
    "PaymentAllocation": RecordLabel(N_("付款核销")),
})
