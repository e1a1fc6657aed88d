"""Marshmallow schemas of the payroll API: every input and output."""
