"""The payroll web screens (Chinese), one file per area on the one ``payroll`` blueprint: employees
(:mod:`.employees`), runs, slips and the month's inputs (:mod:`.runs`), rules and parameters (:mod:`.rules`),
the 个税试算 page (:mod:`.tax`)."""
from erp.payroll.views import employees, rules, runs, tax  # noqa: F401 - each registers its routes on bp
from erp.payroll.views.common import bp

__all__ = ["bp"]
