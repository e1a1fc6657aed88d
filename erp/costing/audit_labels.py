"""How the auditors' log names cost accounting's records and fields (the manifest's ``audit_labels``)."""
from erp.core.audit_labels import AuditLabels, RecordLabel
from erp.core.registry import N_
from erp.core.models import COST_CLASS_TITLES

LABELS = AuditLabels(records={
    "CostDriver": RecordLabel(N_("成本动因"), {"kind": N_("动因类型"), "value": N_("动因值")}),
    "CostAllocationRule": RecordLabel(N_("成本分摊参数"), {"from_class": N_("分摊科室类别"), "base_kind": N_("分摊依据")},
                                      {"from_class": {k.value: v for k, v in COST_CLASS_TITLES.items()}}),
})
