"""The ledger's web pages (thin: parse, call a service, render)."""
