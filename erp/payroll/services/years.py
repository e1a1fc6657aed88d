"""The years payroll accepts (runs, pools, plans, the dean's salary): one range for the API, the pages and the
services."""
from __future__ import annotations

from erp.core.errors import BusinessError

FIRST_YEAR, LAST_YEAR = 2000, 9999


def check_year(year: int, field: str = "year") -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BusinessError.for_field(field, f"年度应为 {FIRST_YEAR}–{LAST_YEAR} (year must be {FIRST_YEAR}–{LAST_YEAR})")
    return year


def clamp_year(year: int) -> int:
    return min(max(year, FIRST_YEAR), LAST_YEAR)
