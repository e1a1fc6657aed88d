"""API schemas of the ledger: accounting periods and the year-end close."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import PageQuery
from erp.ledger.schemas.vouchers import VoucherOut


class PeriodIn(Schema):
    institution = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})


class PeriodQuery(PageQuery):
    institution = fields.String(required=True)


class ReopenIn(PeriodIn):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PeriodOut(Schema):
    period = fields.Function(lambda p: p.label)
    state = fields.Function(lambda p: p.state.value)
    closed_at = fields.AwareDateTime(allow_none=True)
    reopen_reason = fields.String(allow_none=True)


class YearCloseIn(Schema):
    institution = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=1900, max=2999))


class YearCloseOut(Schema):
    """The year closed; ``voucher`` is the closing voucher, null when no revenue or expense needed carrying."""

    institution = fields.Function(lambda r: r["institution"].code)
    year = fields.Integer()
    state = fields.Constant("closed")
    next_year = fields.Function(lambda r: r["year"] + 1)
    voucher = fields.Nested(VoucherOut, allow_none=True)
