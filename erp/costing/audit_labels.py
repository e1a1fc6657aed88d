"""How the auditors' log names cost accounting's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.models import COST_CLASS_TITLES

LABELS = AuditLabels(records={
    "CostDriver": RecordLabel("成本动因", {"kind": "动因类型", "value": "动因值"}),
    "CostAllocationRule": RecordLabel("成本分摊参数", {"from_class": "分摊科室类别", "base_kind": "分摊依据"},
                                      {"from_class": {k.value: v for k, v in COST_CLASS_TITLES.items()}}),
})
