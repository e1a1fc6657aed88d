"""The catalogue import's request (the answer is the background job, :class:`erp.core.schemas.JobSchema`)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ImportIn(Schema):
    file = fields.String(required=True, validate=validate.Length(min=1, max=70_000_000),
                         metadata={"description": "the .xlsx workbook, base64-encoded"})
    filename = fields.String(load_default=None, validate=validate.Length(max=200),
                             metadata={"description": "its name, for the job's title and report"})
