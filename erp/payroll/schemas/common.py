"""What the payroll schemas share: the year and month ranges."""
from __future__ import annotations

from marshmallow import validate

from erp.payroll.services.years import FIRST_YEAR, LAST_YEAR

YEAR = validate.Range(min=FIRST_YEAR, max=LAST_YEAR)
MONTH = validate.Range(min=1, max=12)
