"""The payroll web screens (Chinese), one file per area on the one ``payroll`` blueprint: employees
(:mod:`.employees`), runs, slips and the month's inputs (:mod:`.runs`), rules and parameters (:mod:`.rules`),
the 个税试算 page (:mod:`.tax`), the 两个允许 pool (:mod:`.pools`), 统筹, distributions and the pay-gap report
(:mod:`.pooling`), 院长年薪 (:mod:`.dean`), 期初累计数 (:mod:`.openings`)."""
from erp.payroll.views import employees, rules, runs, tax  # noqa: F401 - each registers its routes on bp
from erp.payroll.views import dean, pooling, pools  # noqa: F401 - the pool, 统筹 and 院长年薪 screens
from erp.payroll.views import index  # noqa: F401 - the module's index page (tiles and menu)
from erp.payroll.views import openings  # noqa: F401 - 期初累计数 (mid-year go-live)
from erp.payroll.views.common import bp

__all__ = ["bp"]
