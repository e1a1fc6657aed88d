"""Suppliers in and out of the API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import PageQuery
from erp.procurement.models import SupplierRole

ROLES = [r.value for r in SupplierRole]


class SupplierIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    uscc = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "统一社会信用代码 (18 characters, check character verified)"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    licence_number = fields.String(load_default="", validate=validate.Length(max=64))
    licence_expires = fields.Date(required=True, metadata={"description": "药品经营许可证 expiry (inclusive)"})
    bank_name = fields.String(load_default="", validate=validate.Length(max=128))
    bank_account = fields.String(load_default="", validate=validate.Length(max=64))
    active = fields.Boolean(load_default=True)


class SupplierPatch(SupplierIn):
    """The same fields, each optional (PATCH changes only those given)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class SupplierOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    uscc = fields.String(allow_none=True)
    role = fields.Function(lambda s: s.role.value)
    licence_number = fields.String()
    licence_expires = fields.Date()
    licence_valid = fields.Boolean(metadata={"description": "the licence is valid today"})
    bank_name = fields.String()
    bank_account = fields.String()
    active = fields.Boolean()


class SupplierQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "code or name contains"})
    role = fields.String(validate=validate.OneOf(ROLES))
    licence = fields.String(validate=validate.OneOf(["valid", "expired"]),
                            metadata={"description": "valid / expired today"})
