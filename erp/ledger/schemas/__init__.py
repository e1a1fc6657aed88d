"""The ledger's marshmallow schemas (API input and output), one file per area: vouchers, periods, chart,
reports, posting templates."""
