"""Payroll reports: the run review (differences from last month), pay slips (JSON, PDF), bank file."""
