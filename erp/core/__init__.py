"""The framework every module builds on (odoo-style on Flask)."""

from erp.core import validation_messages

# before any schema of any module is defined: its fields and validators take the defaults when created
validation_messages.install()
