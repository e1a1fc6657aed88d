"""How the auditors' log (审计日志) names records, fields, actions and values in Chinese.

Each module declares its records in the manifest's ``audit_labels`` ("package.module:NAME" of an
:class:`AuditLabels`); core adds its own and the fields most records share (单号, 日期, 状态, 成员单位 …).
:class:`Describer` turns an entry's before/after snapshots into the changed fields only, each with its Chinese
label and readable values (a user's and an institution's name instead of an id, 是/否, state titles).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from erp.core.models import COST_CLASS_TITLES, INSTITUTION_KIND_TITLES, LEVEL_TITLES
from erp.core.registry import N_, ModuleRegistry, import_object
from erp.core.security import ROLES
from erp.core.timeutil import to_local


@dataclass(frozen=True)
class RecordLabel:
    """A record type's Chinese name, its fields' labels and, per field, the titles of its coded values."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditLabels:
    records: dict[str, RecordLabel] = field(default_factory=dict)  # model class name -> label
    actions: dict[str, str] = field(default_factory=dict)  # non-row events' actions (audit.log_event)


# N_: the log shows them through the catalogue (English UI)
ACTIONS = {"create": N_("新增"), "update": N_("修改"), "transition": N_("状态变更"), "delete": N_("删除"),
           "lock": N_("锁定账户")}

# fields most records share; a record's own labels come first
COMMON_FIELDS = {
    "id": "编号", "code": "编码", "name": "名称", "number": "单号", "date": "日期", "year": "年度", "month": "月份",
    "state": "状态", "kind": "类型", "category": "类别", "memo": "摘要", "note": "备注", "reason": "原因",
    "amount": "金额", "quantity": "数量", "unit_price": "单价", "value": "金额", "total": "合计", "active": "启用",
    "title": "标题", "ok": "是否通过", "limit": "限额", "version": "版本", "line_no": "行号", "community_id": "医共体",
    "institution_id": "成员单位",
    "department_id": "科室", "partner_id": "往来单位", "funding_source_id": "资金来源", "project_id": "项目",
    "employee_id": "职工", "account_id": "会计科目", "supplier_id": "供应商", "item_id": "品种", "batch": "批号",
    "expiry": "有效期至", "production_date": "生产日期", "preparer_id": "制单人", "reviewer_id": "审核人",
    "poster_id": "记账人", "cashier_id": "出纳", "approver_id": "审批人", "requester_id": "申请人",
    "acceptor_id": "验收人", "created_by_id": "创建人", "approved_by_id": "审批人", "computed_by_id": "计算人",
    "closed_by_id": "结账人", "user_id": "经办人", "created_at": "创建时间", "posted_at": "记账时间",
    "reviewed_at": "审核时间", "approved_at": "审批时间", "submitted_at": "提交时间", "accepted_at": "验收时间",
    "computed_at": "计算时间", "closed_at": "结账时间", "voucher_id": "凭证", "voucher_number": "凭证号",
    "uscc": "统一社会信用代码", "parent_id": "上级单位", "due_date": "付款到期日", "paid": "已付金额",
    "valid_from": "生效日期", "valid_to": "失效日期", "effective_from": "生效日期", "order_id": "采购订单",
    "receipt_id": "收货单", "invoice_id": "发票", "payment_id": "付款单", "line_id": "预算行", "budget_id": "预算",
    "fiscal": "财政拨款", "platform": "交易平台", "invoice_no": "发票号码", "source_label": "来源单据",
    "hash": "哈希值", "prev_hash": "前一哈希值", "chain_seq": "链序号",
}

# state values most documents share; a record's own titles come first
COMMON_VALUES = {"state": {
    "draft": "草稿", "submitted": "已提交", "reviewed": "已审核", "approved": "已审批", "rejected": "已退回",
    "posted": "已记账", "cancelled": "已作废", "accepted": "已验收", "computed": "已计算", "paid": "已发放",
    "open": "未结账", "closed": "已关闭", "executing": "执行中", "released": "已释放", "consumed": "已执行"}}

USER_FIELDS = frozenset({"preparer_id", "reviewer_id", "poster_id", "cashier_id", "approver_id", "requester_id",
                         "acceptor_id", "created_by_id", "approved_by_id", "computed_by_id", "closed_by_id",
                         "user_id", "posted_by_id", "reviewed_by_id", "accepted_by_id"})

CORE_LABELS = AuditLabels(records={
    "Community": RecordLabel("医共体", {"separation_of_duties": "不相容职务分离"}),
    "Institution": RecordLabel("成员单位", {"level": "层级"},
                               {"kind": {k.value: v for k, v in INSTITUTION_KIND_TITLES.items()},
                                "level": {k.value: v for k, v in LEVEL_TITLES.items()}}),
    "Department": RecordLabel("科室", {"cost_class": "成本类别"},
                              {"cost_class": {k.value: v for k, v in COST_CLASS_TITLES.items()}}),
    "Partner": RecordLabel("往来单位", {"member_institution_id": "对应成员单位"},
                           {"kind": {"supplier": "供应商", "insurer": "医保经办机构", "member": "成员单位",
                                     "other": "其他"}}),
    "FundingSource": RecordLabel("资金来源"),
    "Project": RecordLabel("项目"),
    "Employee": RecordLabel("职工"),
    "User": RecordLabel("用户", {"username": "用户名", "display_name": "姓名", "role": "角色",
                                 "institutions": "单位范围", "locked_until": "锁定至"},
                        {"role": dict(ROLES)}),
})


def collect(registry: ModuleRegistry) -> AuditLabels:
    """Every loaded module's labels (core's included, through its manifest), merged."""
    records, actions = {}, dict(ACTIONS)
    for manifest in registry:
        if manifest.audit_labels:
            labels: AuditLabels = import_object(manifest.audit_labels)
            records.update(labels.records)
            actions.update(labels.actions)
    return AuditLabels(records, actions)


def _beijing(value) -> str:
    """A snapshot's UTC timestamp (ISO text) in Beijing time."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:  # snapshots of naive UTC values (none today), read as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{to_local(moment):%Y-%m-%d %H:%M:%S}"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


EMPTY = (None, "", [], {})  # read alike as "—": a change between two of them is none


class Describer:
    """Readable entries for one page: ``users`` and ``institutions`` map ids to names."""

    def __init__(self, labels: AuditLabels, users: dict[int, str], institutions: dict[int, str]):
        self.labels, self.users, self.institutions = labels, users, institutions

    def record_name(self, model: str) -> str:
        record = self.labels.records.get(model)
        return record.name if record else model

    def action_name(self, action: str) -> str:
        return self.labels.actions.get(action, action)

    def field_label(self, model: str, name: str) -> str:
        record = self.labels.records.get(model)
        return (record.fields.get(name) if record else None) or COMMON_FIELDS.get(name, name)

    def value(self, model: str, name: str, value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if name in USER_FIELDS and isinstance(value, int):
            return self.users.get(value, f"#{value}")
        if name in ("institution_id", "member_institution_id", "parent_id") and isinstance(value, int):
            return self.institutions.get(value, f"#{value}")
        if isinstance(value, list):
            return "、".join(self._part(model, name, item) for item in value) or "—"
        if isinstance(value, dict):  # a snapshot's nested record (a payroll check, a figure): its keys labelled too
            return "，".join(f"{self.field_label(model, key)}：{self._part(model, key, item)}"
                            for key, item in value.items()) or "—"
        if name.endswith("_at") or name.endswith("_until"):
            return _beijing(value)
        record = self.labels.records.get(model)
        titles = (record.values.get(name) if record else None) or COMMON_VALUES.get(name, {})
        if titles and "," in str(value):  # a list kept as text, e.g. an account's required dimensions
            return "、".join(titles.get(part, part) for part in str(value).split(","))
        return titles.get(str(value), str(value))

    def _part(self, model: str, name: str, value) -> str:
        """A value inside a list or a dict, bracketed when it is a list or a dict itself (read as one item)."""
        text = self.value(model, name, value)
        return f"（{text}）" if isinstance(value, (list, dict)) and value else text

    def changes(self, entry) -> list[Change]:
        """The fields the entry changed (a new record: its filled fields; a deleted one: what it held)."""
        before, after = entry.before or {}, entry.after or {}
        shown = []
        for name in dict.fromkeys([*after, *before]):
            old, new = before.get(name), after.get(name)
            if old == new or (new in EMPTY and (entry.action == "create" or old in EMPTY)):
                continue
            if name in ("id", "hash", "prev_hash") and entry.action in ("create", "delete"):
                continue  # the record's key is in its own column; the chain fields say nothing to a reader
            shown.append(Change(name, self.field_label(entry.model, name), self.value(entry.model, name, old),
                                self.value(entry.model, name, new)))
        return shown

    def record_title(self, entry) -> str:
        """"记账凭证 记-2026-03-0001": the record's name with its number, code or name when the entry has one."""
        values = {**(entry.before or {}), **(entry.after or {})}
        for key in ("number", "code", "username", "name"):
            if values.get(key):
                return f"{self.record_name(entry.model)} {values[key]}"
        return self.record_name(entry.model)
