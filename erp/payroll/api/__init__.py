"""The payroll REST API under /api/v1/ (thin: parse with the schemas, call the services, dump)."""
