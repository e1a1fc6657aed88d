"""How the auditors' log (审计日志) names records, fields, actions and values, in the reader's language.

Each module declares its records in the manifest's ``audit_labels`` ("package.module:NAME" of an
:class:`AuditLabels`); core adds its own and the fields most records share (单号, 日期, 状态, 成员单位 …).
:class:`Describer` turns an entry's before/after snapshots into the changed fields only, each with its
label and readable values (a user's and an institution's name instead of an id, 是/否, state titles).

Every name and title here is a Chinese msgid marked with ``N_`` (extracted by ``make translations``); the
describer translates it with gettext when the page or the API answer is built, in the user's language — the
tables are read at import, before any request has a language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import gettext as _

from erp.core.models import COST_CLASS_TITLES, INSTITUTION_KIND_TITLES, LEVEL_TITLES
from erp.core.registry import N_, ModuleRegistry, import_object
from erp.core.security import ROLES
from erp.core.timeutil import to_local


@dataclass(frozen=True)
class RecordLabel:
    """A record type's Chinese name, its fields' labels and, per field, the titles of its coded values: msgids
    marked with ``N_``, translated by the :class:`Describer`."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditLabels:
    records: dict[str, RecordLabel] = field(default_factory=dict)  # model class name -> label
    actions: dict[str, str] = field(default_factory=dict)  # non-row events' actions (audit.log_event)


ACTIONS = {"create": N_("新增"), "update": N_("修改"), "transition": N_("状态变更"), "delete": N_("删除"),
           "lock": N_("锁定账户")}

# fields most records share; a record's own labels come first
COMMON_FIELDS = {
    "id": N_("编号"), "code": N_("编码"), "name": N_("名称"), "number": N_("单号"), "date": N_("日期"), "year": N_("年度"),
    "month": N_("月份"), "state": N_("状态"), "kind": N_("类型"), "category": N_("类别"), "memo": N_("摘要"), "note": N_("备注"),
    "reason": N_("原因"), "amount": N_("金额"), "quantity": N_("数量"), "unit_price": N_("单价"), "value": N_("金额"),
    "total": N_("合计"), "active": N_("启用"), "title": N_("标题"), "ok": N_("是否通过"), "limit": N_("限额"),
    "version": N_("版本"), "line_no": N_("行号"), "community_id": N_("医共体"), "institution_id": N_("成员单位"),
    "department_id": N_("科室"), "partner_id": N_("往来单位"), "funding_source_id": N_("资金来源"), "project_id": N_("项目"),
    "employee_id": N_("职工"), "account_id": N_("会计科目"), "supplier_id": N_("供应商"), "item_id": N_("品种"),
    "batch": N_("批号"), "expiry": N_("有效期至"), "production_date": N_("生产日期"), "preparer_id": N_("制单人"),
    "reviewer_id": N_("审核人"), "poster_id": N_("记账人"), "cashier_id": N_("出纳"), "approver_id": N_("审批人"),
    "requester_id": N_("申请人"), "acceptor_id": N_("验收人"), "created_by_id": N_("创建人"), "approved_by_id": N_("审批人"),
    "computed_by_id": N_("计算人"), "closed_by_id": N_("结账人"), "user_id": N_("经办人"), "created_at": N_("创建时间"),
    "posted_at": N_("记账时间"), "reviewed_at": N_("审核时间"), "approved_at": N_("审批时间"), "submitted_at": N_("提交时间"),
    "accepted_at": N_("验收时间"), "computed_at": N_("计算时间"), "closed_at": N_("结账时间"), "voucher_id": N_("凭证"),
    "voucher_number": N_("凭证号"), "uscc": N_("统一社会信用代码"), "parent_id": N_("上级单位"), "due_date": N_("付款到期日"),
    "paid": N_("已付金额"), "valid_from": N_("生效日期"), "valid_to": N_("失效日期"), "effective_from": N_("生效日期"),
    "order_id": N_("采购订单"), "receipt_id": N_("收货单"), "invoice_id": N_("发票"), "payment_id": N_("付款单"),
    "line_id": N_("预算行"), "budget_id": N_("预算"), "fiscal": N_("财政拨款"), "platform": N_("交易平台"),
    "invoice_no": N_("发票号码"), "source_label": N_("来源单据"), "hash": N_("哈希值"), "prev_hash": N_("前一哈希值"),
    "chain_seq": N_("链序号"),
}

# state values most documents share; a record's own titles come first
COMMON_VALUES = {"state": {
    "draft": N_("草稿"), "submitted": N_("已提交"), "reviewed": N_("已审核"), "approved": N_("已审批"),
    "rejected": N_("已退回"), "posted": N_("已记账"), "cancelled": N_("已作废"), "accepted": N_("已验收"),
    "computed": N_("已计算"), "paid": N_("已发放"), "open": N_("未结账"), "closed": N_("已关闭"), "executing": N_("执行中"),
    "released": N_("已释放"), "consumed": N_("已执行")}}

USER_FIELDS = frozenset({"preparer_id", "reviewer_id", "poster_id", "cashier_id", "approver_id", "requester_id",
                         "acceptor_id", "created_by_id", "approved_by_id", "computed_by_id", "closed_by_id",
                         "user_id", "posted_by_id", "reviewed_by_id", "accepted_by_id"})

CORE_LABELS = AuditLabels(records={
    "Community": RecordLabel(N_("医共体"), {"separation_of_duties": N_("不相容职务分离")}),
    "Institution": RecordLabel(N_("成员单位"), {"level": N_("层级")},
                               {"kind": {k.value: v for k, v in INSTITUTION_KIND_TITLES.items()},
                                "level": {k.value: v for k, v in LEVEL_TITLES.items()}}),
    "Department": RecordLabel(N_("科室"), {"cost_class": N_("成本类别")},
                              {"cost_class": {k.value: v for k, v in COST_CLASS_TITLES.items()}}),
    "Partner": RecordLabel(N_("往来单位"), {"member_institution_id": N_("对应成员单位")},
                           {"kind": {"supplier": N_("供应商"), "insurer": N_("医保经办机构"), "member": N_("成员单位"),
                                     "other": N_("其他")}}),
    "FundingSource": RecordLabel(N_("资金来源")),
    "Project": RecordLabel(N_("项目")),
    "Employee": RecordLabel(N_("职工")),
    "User": RecordLabel(N_("用户"), {"username": N_("用户名"), "display_name": N_("姓名"), "role": N_("角色"),
                                   "institutions": N_("单位范围"), "locked_until": N_("锁定至")},
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


def _title(titles: dict[str, str], code: str) -> str:
    """A coded value's title in the user's language; a code without one as it is (no msgid to look up)."""
    return _(titles[code]) if code in titles else code


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


EMPTY = (None, "", [], {})  # read alike as "—": a change between two of them is none


class Describer:
    """Readable entries for one page or API answer, in the user's language (gettext at call time): ``users``
    and ``institutions`` map ids to names."""

    def __init__(self, labels: AuditLabels, users: dict[int, str], institutions: dict[int, str]):
        self.labels, self.users, self.institutions = labels, users, institutions

    def record_name(self, model: str) -> str:
        record = self.labels.records.get(model)
        return _(record.name) if record else model

    def action_name(self, action: str) -> str:
        name = self.labels.actions.get(action)
        return _(name) if name else action

    def field_label(self, model: str, name: str) -> str:
        record = self.labels.records.get(model)
        label = (record.fields.get(name) if record else None) or COMMON_FIELDS.get(name)
        return _(label) if label else name

    def value(self, model: str, name: str, value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if name in USER_FIELDS and isinstance(value, int):
            return self.users.get(value, f"#{value}")
        # an institution's parent is an institution; another record's (an account's 上级科目) is not
        if (name in ("institution_id", "member_institution_id") or (name, model) == ("parent_id", "Institution")) \
                and isinstance(value, int):
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
            return "、".join(_title(titles, part) for part in str(value).split(","))
        return _title(titles, str(value))

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
