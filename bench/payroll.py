"""Payroll benchmark (PostgreSQL): monthly runs for 5,000 employees over 30 institutions, January to December
with cumulative IIT, and the batch PDF of pay slips.

The database named by ``ERP_BENCH_DATABASE_URL`` (default ``…/erp_bench_payroll``) is DROPPED and recreated,
migrated, loaded with the demo community (its install data: tax tables, contribution rates, pay tables) and the
standard rule set, then ``--employees`` staff with payroll profiles spread over the first 30 institutions and a
奖励性绩效 and 夜班 input per employee and month (set-up, not timed). For each month one community-wide run is
created, computed (timed: the rules in force, contributions, 累计预扣法 over the year's earlier slips, one slip
with its lines per employee, committed), approved and posted through the ledger's door (timed separately: one
工资计提 voucher per institution). Prints time per run and per employee; the target is ≤ 5 s for a month of
5,000. Finally renders ``--pdf-slips`` slips of December as one PDF and prints pages per second.

    .venv/bin/python bench/payroll.py                       # 5,000 × 12 months, 500 slips to PDF
    .venv/bin/python bench/payroll.py --employees 1000 --months 3 --pdf-slips 100   # a quick check
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_payroll"
INSTITUTIONS = 30
POSTS = [("doctor", "pro_7"), ("doctor", "pro_10"), ("nurse", "pro_11"), ("nurse", "pro_12"),
         ("technician", "pro_10"), ("pharmacist", "pro_11"), ("management", "mgmt_8"), ("worker", "work_3")]


def recreate_database(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        sys.exit("bench/payroll.py needs PostgreSQL (ERP_BENCH_DATABASE_URL)")
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    maintenance.dispose()


def id_number(serial: int) -> str:
    """A distinct valid 身份证号 per serial (清河县, born in the 1990s)."""
    from stdnum.cn import ric

    born = date(1993, 1, 1) + timedelta(days=serial // 1000 * 37)
    body = f"130534{born:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def load(db, employees: int, months: int, year: int):
    """The community, rules and staff (bulk inserted: set-up is not what is measured)."""
    from erp.core.demo import load_demo
    from erp.core.models import Department, Employee, Institution
    from erp.core.session_context import system_actor
    from erp.payroll.models import PayrollInput, PayrollProfile
    from erp.payroll.services import load_standard_rules

    system_actor(db.session, "bench")
    community = load_demo(db.session)
    load_standard_rules(db.session, community.id)
    institutions = list(db.session.scalars(select(Institution).where(Institution.community_id == community.id)
                                           .order_by(Institution.code)))[:INSTITUTIONS]
    departments = {}
    for department in db.session.scalars(select(Department)):
        departments.setdefault(department.institution_id, []).append(department.id)
    rng = random.Random(2026)
    people, profiles = [], []
    for serial in range(1, employees + 1):
        institution = institutions[serial % len(institutions)]
        people.append({"institution_id": institution.id, "code": f"{serial:05d}", "name": f"职工{serial:05d}"})
    ids = db.session.execute(insert(Employee).returning(Employee.id, Employee.institution_id), people).all()
    for serial, (employee_id, institution_id) in enumerate(ids, start=1):
        category, post = POSTS[serial % len(POSTS)]
        base = Decimal(rng.randrange(5000, 16000, 100))
        profiles.append({"employee_id": employee_id, "institution_id": institution_id, "community_id": community.id,
                         "department_id": rng.choice(departments[institution_id]), "post": post,
                         "grade": rng.randint(5, 30), "staff_category": category, "establishment": "bianzhi",
                         "general_practitioner": False, "public_health": False, "id_number": id_number(serial),
                         "bank_name": "清河农信", "bank_account": f"6228{serial:015d}", "insurance_base": base,
                         "housing_fund_base": base, "hire_date": date(2015, 1, 1), "is_head": False})
    db.session.execute(insert(PayrollProfile), profiles)
    inputs = [{"institution_id": institution_id, "employee_id": employee_id, "year": year, "month": month,
               "code": code, "value": value, "source": "bench"}
              for employee_id, institution_id in ids for month in range(1, months + 1)
              for code, value in (("reward_performance", Decimal(rng.randrange(1500, 9000, 10))),
                                  ("night_shifts", Decimal(rng.randint(0, 6))))]
    for start in range(0, len(inputs), 20000):
        db.session.execute(insert(PayrollInput), inputs[start:start + 20000])
    db.session.commit()
    return community, institutions[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--pdf-slips", type=int, default=500, help="slips rendered into one PDF (0: skip)")
    parser.add_argument("--no-post", action="store_true", help="skip posting the runs to the ledger")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_DATABASE_URL", DEFAULT_URL)

    from erp import create_app
    from erp.core.extensions import db
    from erp.core.models import User
    from erp.core.timeutil import local_today

    print(f"database: {make_url(url).render_as_string(hide_password=True)} (recreated); {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    year = local_today().year
    with app.app_context():
        from erp.core.schema_migrations import upgrade_database
        from erp.payroll.models import PayrollRun, Payslip
        from erp.payroll.reports.slips import slips_pdf
        from erp.payroll.services import approve_run, compute_run, create_run, post_run, slips_of

        upgrade_database()
        started = time.perf_counter()
        community, lead = load(db, args.employees, args.months, year)
        print(f"set-up: {args.employees:,} employees over {INSTITUTIONS} institutions, {args.months} months of "
              f"inputs in {time.perf_counter() - started:.1f} s")
        users = {u.username: u for u in db.session.scalars(select(User))}
        computes, posts = [], []
        for month in range(1, args.months + 1):
            run = create_run(db.session, users["hr"], institution=lead.code, year=year, month=month,
                             community_wide=True)
            db.session.commit()
            run_id = run.id
            t0 = time.perf_counter()
            run = compute_run(db.session, db.session.get(PayrollRun, run_id), users["hr"])
            db.session.commit()
            compute = time.perf_counter() - t0
            computes.append(compute)
            approve_run(db.session, run, users["chief"])
            db.session.commit()
            line = (f"{year}-{month:02d}: {run.slip_count:,} slips computed in {compute:.2f} s "
                    f"({compute / max(run.slip_count, 1) * 1000:.2f} ms per employee); net {run.net_total:,}, "
                    f"IIT {run.tax_total:,}")
            if not args.no_post:
                t0 = time.perf_counter()
                vouchers = post_run(db.session, run, users["finance"])
                db.session.commit()
                posts.append(time.perf_counter() - t0)
                line += f"; posted {len(vouchers)} vouchers in {posts[-1]:.2f} s"
            print(line, flush=True)
        worst = max(computes)
        print(f"COMPUTE: median {sorted(computes)[len(computes) // 2]:.2f} s, worst {worst:.2f} s per run of "
              f"{args.employees:,} — target ≤ 5 s for 5,000: {'OK' if worst <= 5 * args.employees / 5000 else 'MISSED'}")
        if args.pdf_slips:
            slips = list(db.session.scalars(slips_of(db.session, run).limit(args.pdf_slips)).unique())
            t0 = time.perf_counter()
            with app.test_request_context():  # the page layout's context wants a request
                pdf = slips_pdf(db.session, slips, "bench")
            elapsed = time.perf_counter() - t0
            print(f"PDF: {len(slips)} slips ({len(pdf) / 1024:.0f} KiB) in {elapsed:.1f} s — "
                  f"{len(slips) / elapsed:.1f} pages/s")
        total = db.session.scalar(select(Payslip.id).order_by(Payslip.id.desc()).limit(1))
        print(f"{total:,} slips in the database")


if __name__ == "__main__":
    main()
