"""The ledger's JSON API, one blueprint per area (thin: parse, call a service, render)."""
