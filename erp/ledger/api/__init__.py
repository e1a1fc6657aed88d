"""The ledger's JSON API (thin: parse, call a service, render), one blueprint per area: vouchers, periods,
chart, reports, posting templates."""
