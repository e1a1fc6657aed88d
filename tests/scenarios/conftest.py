"""Scenarios reuse the ledger fixtures."""
from tests.ledger.conftest import books  # noqa: F401  (fixture)
