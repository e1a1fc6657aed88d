"""The auditors' log reads payroll records in Chinese: every audited column of a payslip has a Chinese label."""
from __future__ import annotations

import re

from flask import current_app

from erp.core.audit_labels import Describer, collect
from erp.payroll.models import Payslip


def test_every_payslip_field_reads_in_chinese_in_the_audit_log(ctx):
    describer = Describer(collect(current_app.extensions["erp"].registry), {}, {})
    labels = {column.key: describer.field_label("Payslip", column.key) for column in Payslip.__table__.columns}
    assert not {name: label for name, label in labels.items() if re.search(r"[A-Za-z]", label)}
