"""The framework every module builds on (odoo-style on Flask)."""
