"""Statements benchmark (PostgreSQL): post N lines as bench/ledger.py does, then time every statement for an
institution-month and the community year (汇总 and 合并).

    python bench/statements.py --lines 50000      # a quick check
    python bench/statements.py                    # 300,000 lines

The statements built from the kept balances read one GROUP BY over ``balance``; the 现金流量表, the 净资产变动表
(专用基金) and the 医疗活动收入费用明细表 also read the voucher lines of the vouchers touching cash, 专用基金 or
expense (their counter-accounts are in no balance). The database named by ERP_BENCH_DATABASE_URL (default
.../erp_bench_statements) is DROPPED and recreated. See bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import make_url, select, text  # noqa: E402

from bench.ledger import INSTITUTIONS, load_community, post_all, recreate_database, timed  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_statements"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=300_000, help="posted lines to generate (default 300,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per statement (after one warm-up)")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_DATABASE_URL", DEFAULT_URL)

    from erp import create_app
    from erp.core.extensions import db

    print(f"database: {make_url(url).render_as_string(hide_password=True)} (recreated); "
          f"load average {os.getloadavg()[0]:.1f}")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from erp.core.models import Institution
        from erp.core.schema_migrations import upgrade_database
        from erp.ledger import reports

        upgrade_database()
        community, year = load_community(db)
        members = tuple(db.session.scalars(select(Institution).where(Institution.community_id == community.id)
                                           .order_by(Institution.code)))
        codes = [i.code for i in members][:INSTITUTIONS]
        totals = post_all(db, year, codes, args.lines, 2000)
        print(f"posted {totals['vouchers']:,} vouchers, {totals['lines']:,} lines")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE voucher, voucher_line, balance"))
        one = next(i for i in members if i.code == codes[min(10, len(codes) - 1)])
        cases = {"institution-month": (reports.Target((one,)), reports.PeriodRange(year, 12, 12)),
                 "community-year": (reports.Target(members, community=community, consolidated=False),
                                    reports.PeriodRange(year, 1, 12)),
                 "community-year 合并": (reports.Target(members, community=community, consolidated=True),
                                       reports.PeriodRange(year, 1, 12))}
        for case, (target, rng) in cases.items():
            for name, build in reports.STATEMENTS.items():
                median, best, statement = timed(lambda: build(db.session, target, rng), args.repeat)
                ties = {k: v for k, v in statement.checks.items() if isinstance(v, bool)}
                print(f"STATEMENT {case} {name}: {median:.1f} ms (best {best:.1f}); {len(statement.rows)} rows; {ties}")
                db.session.rollback()


if __name__ == "__main__":
    main()
