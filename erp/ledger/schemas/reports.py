"""API schemas of the ledger's reports: the query every report takes (target, period range, format) and
what the trial balance and the ledgers add."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.ledger import reports

PERIOD = {"description": "YYYY-MM"}


class ReportQuery(Schema):
    institution = fields.String(metadata={"description": "one member's code"})
    institutions = fields.String(metadata={"description": "a group: comma-separated member codes"})
    community = fields.String(metadata={"description": "the whole community (needs a whole-community user)"})
    consolidated = fields.Boolean(load_default=None, metadata={
        "description": "eliminate internal transactions (default: true for community, false for a group)"})
    period = fields.String(metadata=PERIOD)
    period_to = fields.String(metadata={"description": "YYYY-MM, same year: movement over the range"})
    format = fields.String(load_default="json", validate=validate.OneOf(reports.FORMATS))


class TrialBalanceQuery(ReportQuery):
    level = fields.Integer(validate=validate.Range(min=1, max=9), metadata={"description": "cut at this level"})
    basis = fields.String(load_default="financial", validate=validate.OneOf(reports.BASES))


class GeneralLedgerQuery(ReportQuery):
    account = fields.String(metadata={"description": "account code (default: every top-level account)"})
    basis = fields.String(load_default="financial", validate=validate.OneOf(reports.BASES))
    period_from = fields.String(data_key="from", metadata=PERIOD)
    period_until = fields.String(data_key="to", metadata=PERIOD)


class DetailLedgerQuery(GeneralLedgerQuery):
    account = fields.String(required=True)
    department = fields.String(metadata={"description": "科室 code"})
    partner = fields.String(metadata={"description": "往来单位 code"})
    funding_source = fields.String(metadata={"description": "资金来源 code"})
    employee = fields.String(metadata={"description": "职工 code"})
    project = fields.String(metadata={"description": "项目 code"})
