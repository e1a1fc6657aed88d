"""API schemas of the posting templates (记账模板)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class TemplateSummaryOut(Schema):
    kind = fields.String()
    title = fields.String()
    current_version = fields.Integer()
    ref = fields.Function(lambda t: f"{t.kind}@{t.current_version}")


class TemplateLineSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qualifier = fields.String(load_default="", validate=validate.Length(max=64),
                              metadata={"description": "splits a role, e.g. the item class of inventory"})
    account = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(load_default="", validate=validate.Length(max=128))


class TemplateIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=256),
                         metadata={"description": "why this version (shown in the history)"})
    lines = fields.List(fields.Nested(TemplateLineSchema), required=True, validate=validate.Length(min=1, max=200))


class TemplateVersionOut(Schema):
    version = fields.Integer()
    note = fields.String()
    created_at = fields.AwareDateTime()
    created_by = fields.Function(lambda v: v.created_by.username if v.created_by else None)


class TemplateOut(Schema):
    kind = fields.String()
    title = fields.String()
    version = fields.Integer()
    current = fields.Boolean(metadata={"description": "whether this version is the one in force"})
    ref = fields.String(metadata={"description": "kind@version, as recorded on vouchers"})
    lines = fields.List(fields.Nested(TemplateLineSchema))
    versions = fields.List(fields.Nested(TemplateVersionOut))


class TemplateQuery(Schema):
    version = fields.Integer(validate=validate.Range(min=1), metadata={"description": "a past version"})
