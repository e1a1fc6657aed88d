"""The ledger's marshmallow schemas (API input and output), one file per area."""
