"""The catalogue import's request and answer."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ImportIn(Schema):
    file = fields.String(required=True, validate=validate.Length(min=1, max=70_000_000),
                         metadata={"description": "the .xlsx workbook, base64-encoded"})


class RowErrorOut(Schema):
    row = fields.Integer()
    column = fields.String()
    value = fields.String()
    message = fields.String()


class ImportOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    warnings = fields.List(fields.Nested(RowErrorOut), metadata={"description": "codes of the loose form only"})
