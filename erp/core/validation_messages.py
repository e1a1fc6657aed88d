"""marshmallow's default validation messages (校验提示) in Chinese, for every schema of every module.

The modules' schemas use marshmallow's own ``Schema``, fields and validators, so the defaults are set once
on those classes, when :mod:`erp.core` is first imported — before any schema class (and its fields and
validators) exists. Each message is a Chinese msgid of the catalogue (English in ``translations/en``),
turned into the user's language when marshmallow formats it; an API error names the field by its key
(``{"fields": {"lines[0].debit": ["应为数字"]}}``), so the message does not repeat it. ``validate.Range``
composes its message when the schema is defined, outside any request: it stays Chinese.
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext
from marshmallow import Schema, fields, validate


class Message(str):
    """A Chinese msgid that turns into the user's language when marshmallow formats it (every field
    message and most validators' are formatted as they are raised; a schema's own are not, see
    :func:`in_user_language`)."""

    def format(self, *args, **kwargs) -> str:
        return _translated(self).format(*args, **kwargs)


def _translated(message: str) -> str:
    # the user's language is the request's (its session's); outside one (a command, a schema being defined)
    # the msgid, Chinese
    return gettext(str(message)) if has_request_context() else str(message)


def N_(message: str) -> Message:
    """Mark ``message`` for the catalogue (``pybabel extract -k N_``) as a :class:`Message`."""
    return Message(message)


def in_user_language(message):
    """A message as the user reads it: a :class:`Message` marshmallow stored unformatted, translated."""
    return _translated(message) if isinstance(message, Message) else message


FIELD_MESSAGES = {
    fields.Field: {"required": N_("缺少必填字段"), "null": N_("不能为空值（null）"), "validator_failed": N_("值无效")},
    fields.Nested: {"type": N_("类型无效")},
    fields.List: {"invalid": N_("应为列表")},
    fields.Tuple: {"invalid": N_("应为列表（元组）")},
    fields.String: {"invalid": N_("应为字符串"), "invalid_utf8": N_("不是有效的 UTF-8 字符串")},
    fields.UUID: {"invalid_uuid": N_("不是有效的 UUID")},
    fields.Number: {"invalid": N_("应为数字"), "too_large": N_("数值过大")},
    fields.Integer: {"invalid": N_("应为整数")},
    fields.Float: {"special": N_("不允许特殊数值（NaN 或无穷大）")},
    fields.Decimal: {"special": N_("不允许特殊数值（NaN 或无穷大）")},
    fields.Boolean: {"invalid": N_("应为布尔值（true 或 false）")},
    fields.DateTime: {"invalid": N_("不是有效的日期时间"), "invalid_awareness": N_("不是有效的日期时间"),
                      "format": N_("“{input}”无法格式化为日期时间")},
    fields.AwareDateTime: {"invalid_awareness": N_("应为带时区的日期时间")},
    fields.NaiveDateTime: {"invalid_awareness": N_("应为不带时区的日期时间")},
    fields.Date: {"invalid": N_("不是有效的日期（应为 YYYY-MM-DD）"), "format": N_("“{input}”无法格式化为日期")},
    fields.Time: {"invalid": N_("不是有效的时间"), "format": N_("“{input}”无法格式化为时间")},
    fields.TimeDelta: {"invalid": N_("不是有效的时间长度"), "format": N_("{input!r} 无法格式化为时间长度")},
    fields.Mapping: {"invalid": N_("应为对象")},
    fields.Url: {"invalid": N_("不是有效的网址")},
    fields.Email: {"invalid": N_("不是有效的电子邮件地址")},
    fields.IP: {"invalid_ip": N_("不是有效的 IP 地址")},
    fields.IPv4: {"invalid_ip": N_("不是有效的 IPv4 地址")},
    fields.IPv6: {"invalid_ip": N_("不是有效的 IPv6 地址")},
    fields.IPInterface: {"invalid_ip_interface": N_("不是有效的 IP 接口")},
    fields.IPv4Interface: {"invalid_ip_interface": N_("不是有效的 IPv4 接口")},
    fields.IPv6Interface: {"invalid_ip_interface": N_("不是有效的 IPv6 接口")},
    fields.Enum: {"unknown": N_("应为以下之一：{choices}")},
}

SCHEMA_MESSAGES = {"type": N_("输入类型无效，应为对象"), "unknown": N_("未知字段")}

VALIDATOR_MESSAGES = {
    validate.Length: {"message_min": N_("长度不能少于 {min}"), "message_max": N_("长度不能超过 {max}"),
                      "message_all": N_("长度应在 {min} 到 {max} 之间"), "message_equal": N_("长度应为 {equal}")},
    validate.Range: {"message_min": N_("应{min_op} {{min}}"), "message_max": N_("应{max_op} {{max}}"),
                     "message_all": N_("应{min_op} {{min}}，且{max_op} {{max}}"), "message_gte": N_("大于或等于"),
                     "message_gt": N_("大于"), "message_lte": N_("小于或等于"), "message_lt": N_("小于")},
    validate.OneOf: {"default_message": N_("应为以下之一：{choices}")},
    validate.ContainsOnly: {"default_message": N_("所选的值须在以下之中：{choices}")},
    validate.NoneOf: {"default_message": N_("值无效")},
    validate.ContainsNoneOf: {"default_message": N_("所选的值不能是：{values}")},
    validate.Equal: {"default_message": N_("应等于 {other}")},
    validate.Regexp: {"default_message": N_("格式不正确")},
    validate.Predicate: {"default_message": N_("值无效")},
    validate.Email: {"default_message": N_("不是有效的电子邮件地址")},
    validate.URL: {"default_message": N_("不是有效的网址")},
}


def install() -> None:
    """Make the Chinese messages marshmallow's defaults (idempotent)."""
    for field_class, messages in FIELD_MESSAGES.items():
        # each class gets its own dict: fields without one share their parent's, which must stay the parent's
        field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
    for validator, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator, name, message)
