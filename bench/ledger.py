"""Ledger benchmark (PostgreSQL): post N lines through Ledger.post_many, then time the trial balance.

    python bench/ledger.py                    # 1,000,000 lines (several minutes)
    python bench/ledger.py --lines 50000      # a quick check
    python bench/ledger.py --lines 50000 --profile   # cProfile of the posting, top functions

The database named by ERP_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench)
is DROPPED and recreated, migrated with the app's Alembic migrations, and loaded with the demo community
(plus member institutions up to 30). The vouchers are generated over 30 institutions × 12 months of the
current year, entered by the finance officer (scope active) and posted by the chief accountant: every
check, the 平行记账 budget lines, the kept balances, the hash chain, the gapless numbers and the audit log.
See bench/README.md for what is measured and the targets.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import multiprocessing
import os
import pstats
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench"
INSTITUTIONS = 30
TARGETS = {"posting_lines_per_s": 10_000, "tb_institution_month_ms": 50, "tb_community_year_ms": 300}

OUTPATIENT = ["4101010101", "4101010102", "4101010103", "4101010104", "4101010105", "410101010801",
              "410101010802"]
INPATIENT = ["4101010201", "4101010203", "4101010205", "4101010207", "410101020901"]
SUPPLIERS = ["S001", "S002", "S003", "S004"]


# ------------------------------------------------------------------------------------------ the database


def recreate_database(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        sys.exit("bench/ledger.py needs PostgreSQL (ERP_BENCH_DATABASE_URL)")
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    maintenance.dispose()


def load_community(db):
    """The demo community and ledger, plus member institutions (with open years) up to 30."""
    from erp.core.demo import load_demo as load_core_demo
    from erp.core.models import Community, Institution, InstitutionKind
    from erp.core.services import create_institution
    from erp.core.session_context import system_actor
    from erp.core.timeutil import local_today
    from erp.ledger.demo import load_demo as load_ledger_demo
    from erp.ledger.services.periods import open_year

    system_actor(db.session, "bench")
    community = load_core_demo(db.session)
    load_ledger_demo(db.session)
    year = local_today().year
    count = db.session.scalar(select(func.count(Institution.id)).where(Institution.community_id == community.id))
    for serial in range(count + 1, INSTITUTIONS + 1):
        institution = create_institution(db.session, community, code=f"QH9{serial:02d}", name=f"基准测试卫生院{serial}",
                                         kind=InstitutionKind.TOWNSHIP_CENTRE)
        for fiscal_year in (year - 1, year):
            open_year(db.session, institution, fiscal_year)
    db.session.commit()
    return db.session.get(Community, community.id), year


# ------------------------------------------------------------------------------------------ the vouchers


def _amount(rng: random.Random, low: int = 100, high: int = 5_000_000) -> Decimal:
    return Decimal(rng.randrange(low, high)) / 100


class Generator:
    """Realistic vouchers of a medical institution's month; each knows how many lines it posts
    (its own lines plus the 平行记账 budget lines the service generates)."""

    def __init__(self, departments: dict[str, list[str]], seed: int = 2026):
        self.rng = random.Random(seed)
        self.departments = departments

    def voucher(self, institution: str, day: date):
        from erp.ledger.services.posting import LineInput, VoucherInput

        rng, departments = self.rng, self.departments[institution]
        choice = rng.random()
        if choice < 0.30:  # 门诊收费: cash in, 2-4 revenue lines → + 61010101 + 8001
            accounts = rng.sample(OUTPATIENT, rng.randint(2, 4))
            amounts = [_amount(rng) for _ in accounts]
            lines = [LineInput("1001", debit=sum(amounts))] + [LineInput(a, credit=x) for a, x in zip(accounts, amounts)]
            memo, count = "门诊收费", len(lines) + 2
        elif choice < 0.45:  # 住院结算 into the bank → + 61010102 + 8001
            accounts = rng.sample(INPATIENT, rng.randint(2, 3))
            amounts = [_amount(rng) for _ in accounts]
            lines = [LineInput("1002", debit=sum(amounts))] + [LineInput(a, credit=x) for a, x in zip(accounts, amounts)]
            memo, count = "住院结算", len(lines) + 2
        elif choice < 0.57:  # 支付货款 → + 7201 + 8001
            x = _amount(rng)
            lines = [LineInput("2302", debit=x, partner=rng.choice(SUPPLIERS)), LineInput("1002", credit=x)]
            memo, count = "支付货款", 4
        elif choice < 0.69:  # 购入药品 on credit: no budget lines
            x = _amount(rng)
            lines = [LineInput("130201", debit=x), LineInput("2302", credit=x, partner=rng.choice(SUPPLIERS))]
            memo, count = "购入药品", 2
        elif choice < 0.81:  # 领用药品: no budget lines
            x = _amount(rng)
            lines = [LineInput("5001", debit=x, department=rng.choice(departments)), LineInput("130201", credit=x)]
            memo, count = "领用药品", 2
        elif choice < 0.87:  # 财政直接支付工资 → + 6001 + 7201
            x = _amount(rng, 1_000_000, 50_000_000)
            lines = [LineInput("2201", debit=x), LineInput("4001", credit=x, funding_source="F01")]
            memo, count = "财政直接支付工资", 4
        elif choice < 0.95 and len(departments) > 1:  # 费用 by department from the bank → 7201 per department + 8001
            chosen = rng.sample(departments, 2)
            amounts = [_amount(rng) for _ in chosen]
            lines = [LineInput("5001", debit=x, department=d) for d, x in zip(chosen, amounts)]
            lines.append(LineInput("1002", credit=sum(amounts)))
            memo, count = "支付科室费用", len(lines) + 3
        else:  # 计提折旧: no budget lines
            x = _amount(rng)
            lines = [LineInput("5001", debit=x, department=rng.choice(departments)), LineInput("1602", credit=x)]
            memo, count = "计提折旧", 2
        return VoucherInput(institution=institution, date=day, lines=lines, memo=memo, attachment_count=1), count

    def stream(self, institutions: list[str], year: int, total_lines: int):
        """Vouchers month by month, institution by institution, ~equal lines per institution-month."""
        cells = [(month, code) for month in range(1, 13) for code in institutions]
        produced = 0
        for index, (month, code) in enumerate(cells):
            quota = total_lines * (index + 1) // len(cells)
            while produced < quota:
                voucher, count = self.voucher(code, date(year, month, self.rng.randint(1, 28)))
                produced += count
                yield voucher, count


# ------------------------------------------------------------------------------------------ posting


def post_all(db, year: int, institutions: list[str], total_lines: int, batch_size: int, profile: bool = False,
             seed: int = 2026, progress: bool = True) -> dict:
    """Post the generated vouchers of these institutions, ``batch_size`` per post_many call and commit."""
    from erp.core.models import Department, Institution, User
    from erp.core.session_context import activate_user
    from erp.ledger.services.posting import Ledger

    departments: dict[str, list[str]] = {}
    for code, department in db.session.execute(select(Institution.code, Department.code).join(
            Department, Department.institution_id == Institution.id).order_by(Department.code)):
        departments.setdefault(code, []).append(department)
    finance = db.session.scalar(select(User).where(User.username == "finance"))
    chief = db.session.scalar(select(User).where(User.username == "chief"))
    activate_user(db.session, finance)  # the preparer's scope is enforced, the audit log names them
    profiler = cProfile.Profile() if profile else None
    gc.collect()
    gc.freeze()  # as a long-running worker would: the app's objects out of the cyclic GC's way
    totals = {"vouchers": 0, "lines": 0, "posting": 0.0}
    started = last_report = time.perf_counter()

    def post(batch: list, lines: int) -> None:
        begun = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        Ledger(db.session, finance).post_many(batch, poster=chief)  # one Ledger per unit of work
        db.session.commit()
        if profiler is not None:
            profiler.disable()
        totals["posting"] += time.perf_counter() - begun
        totals["vouchers"] += len(batch)
        totals["lines"] += lines

    batch, batch_lines = [], 0
    for voucher, count in Generator(departments, seed).stream(institutions, year, total_lines):
        batch.append(voucher)
        batch_lines += count
        if len(batch) == batch_size:
            post(batch, batch_lines)
            batch, batch_lines = [], 0
            if progress and time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                print(f"  … {totals['lines']:,} lines posted, {totals['lines'] / totals['posting']:,.0f} lines/s "
                      f"so far", flush=True)
    if batch:
        post(batch, batch_lines)
    totals["elapsed"] = time.perf_counter() - started
    db.session.info["scope"] = None
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
            int(os.environ.get("BENCH_TOP", "30")))
        print(out.getvalue())
    return totals


def _worker(url: str, year: int, institutions: list[str], total_lines: int, batch_size: int, seed: int,
            barrier, results) -> None:
    from erp import create_app
    from erp.core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connected before the clock starts
        db.session.rollback()
        barrier.wait()
        results.put(post_all(db, year, institutions, total_lines, batch_size, seed=seed, progress=False))


def post_parallel(url: str, year: int, institutions: list[str], total_lines: int, batch_size: int,
                  workers: int) -> dict:
    """``workers`` processes, each with its own connection, posting disjoint institutions at the same time
    (their vouchers share the audit log head, which every batch locks from its audit append to its commit)."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    shares = [institutions[index::workers] for index in range(workers)]
    processes = [context.Process(target=_worker, args=(url, year, share, total_lines * len(share) // len(institutions),
                                                       batch_size, 2026 + index, barrier, results))
                 for index, share in enumerate(shares)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    parts = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return {"vouchers": sum(p["vouchers"] for p in parts), "lines": sum(p["lines"] for p in parts),
            "posting": elapsed, "elapsed": elapsed}


def calibrate(db, rows: int = 100_000) -> dict:
    """This machine, now: plain COPY and batched INSERT rates into a scratch table shaped like voucher_line
    (primary key only, no foreign keys or triggers), for scale."""
    connection = db.session.connection().connection.driver_connection
    data = [(i // 4, i % 30, i % 4, i % 150, "financial", i * 100, 0, None, None, None, None, None, "", False)
            for i in range(rows)]
    columns = "voucher_id, institution_id, line_no, account_id, basis, debit, credit, department_id, " \
              "partner_id, funding_source_id, employee_id, project_id, memo, generated"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_scratch (id serial PRIMARY KEY, voucher_id int, institution_id int, "
                       "line_no smallint, account_id int, basis varchar(16), debit bigint, credit bigint, "
                       "department_id int, partner_id int, funding_source_id int, employee_id int, project_id int, "
                       "memo varchar(256), generated boolean)")
        started = time.perf_counter()
        with cursor.copy(f"COPY bench_scratch ({columns}) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        copy_rate = rows / (time.perf_counter() - started)
        started = time.perf_counter()
        cursor.executemany(f"INSERT INTO bench_scratch ({columns}) VALUES ({', '.join(['%s'] * 14)})", data)
        insert_rate = rows / (time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_scratch")
    db.session.commit()
    return {"copy": copy_rate, "insert": insert_rate}


# ------------------------------------------------------------------------------------------ reports


def timed(function, repeat: int) -> tuple[float, float, object]:
    """(median ms, best ms, last result) over ``repeat`` runs after one warm-up run."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), result


GROUP_BY_LINES = """
SELECT vl.account_id,
       sum(vl.debit) FILTER (WHERE v.month < :start), sum(vl.credit) FILTER (WHERE v.month < :start),
       sum(vl.debit) FILTER (WHERE v.month >= :start), sum(vl.credit) FILTER (WHERE v.month >= :start)
FROM voucher_line vl JOIN voucher v ON v.id = vl.voucher_id
WHERE v.institution_id = ANY(:ids) AND v.year = :year AND v.month <= :month AND v.state = 'posted'
GROUP BY vl.account_id
"""
GROUP_BY_BALANCE = """
SELECT account_id,
       sum(debit) FILTER (WHERE month < :start), sum(credit) FILTER (WHERE month < :start),
       sum(debit) FILTER (WHERE month >= :start), sum(credit) FILTER (WHERE month >= :start)
FROM balance
WHERE institution_id = ANY(:ids) AND year = :year AND month <= :month
GROUP BY account_id
"""


def time_reports(db, community, year: int, institution_code: str, month: int, repeat: int) -> dict:
    from erp.core.models import Institution
    from erp.ledger import reports

    session = db.session
    members = tuple(session.scalars(select(Institution).where(Institution.community_id == community.id)
                                    .order_by(Institution.code)))
    one = next(i for i in members if i.code == institution_code)
    cases = {
        "institution-month": (reports.Target((one,)), reports.PeriodRange(year, month, month), [one.id], month),
        "community-year": (reports.Target(members, community=community, consolidated=False),
                           reports.PeriodRange(year, 1, 12), [i.id for i in members], 1),
    }
    figures = {}
    for name, (target, rng, ids, start) in cases.items():
        params = {"ids": ids, "year": year, "month": rng.end, "start": start}
        tb_median, tb_best, tb = timed(lambda: reports.trial_balance(session, target, rng, basis="all"), repeat)
        bal_median, bal_best, bal_rows = timed(lambda: session.execute(text(GROUP_BY_BALANCE), params).all(), repeat)
        line_median, line_best, line_rows = timed(lambda: session.execute(text(GROUP_BY_LINES), params).all(), repeat)
        # the same figures three ways: the kept balances agree with the lines
        from_lines = {row[0]: tuple(v or 0 for v in row[1:]) for row in line_rows}
        from_balance = {row[0]: tuple(v or 0 for v in row[1:]) for row in bal_rows}
        totals = tb.totals
        figures[name] = {"trial_balance": (tb_median, tb_best), "group_by_balance": (bal_median, bal_best),
                         "group_by_lines": (line_median, line_best), "accounts": len(from_lines),
                         "rows": len(tb.rows), "agree": from_lines == from_balance,
                         "period_debit": totals["period_debit"]}
        if name == "community-year":
            cons_median, cons_best, _ = timed(lambda: reports.trial_balance(
                session, reports.Target(members, community=community, consolidated=True), rng, basis="all"), repeat)
            figures[name]["consolidated"] = (cons_median, cons_best)
        session.rollback()
    return figures


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000, help="posted lines to generate (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=2000, help="vouchers per post_many call and commit (2000)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes posting disjoint institutions at the same time (default 1)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per report (after one warm-up)")
    parser.add_argument("--profile", action="store_true", help="cProfile the posting (one worker) and print hot spots")
    parser.add_argument("--no-verify", action="store_true", help="skip verify_chains / check_balances at the end")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_DATABASE_URL", DEFAULT_URL)

    from erp import create_app
    from erp.core.extensions import db
    from erp.ledger.services.integrity import check_balances, verify_chains

    print(f"database: {make_url(url).render_as_string(hide_password=True)} (recreated); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from erp.core.schema_migrations import upgrade_database

        upgrade_database()
        community, year = load_community(db)
        from erp.core.models import Institution

        codes = list(db.session.scalars(select(Institution.code).where(Institution.community_id == community.id)
                                        .order_by(Institution.code)))[:INSTITUTIONS]
        scale = calibrate(db)
        print(f"calibration (this machine, now; scratch table, no FKs/triggers): COPY {scale['copy']:,.0f} rows/s, "
              f"batched INSERT {scale['insert']:,.0f} rows/s")
        print(f"community {community.code}: posting {args.lines:,} lines into {len(codes)} institutions × 12 months "
              f"of {year}, {args.batch} vouchers per post_many call (one transaction each), {args.workers} worker(s)")
        if args.workers > 1:
            db.session.remove()
            totals = post_parallel(url, year, codes, args.lines, args.batch, args.workers)
        else:
            totals = post_all(db, year, codes, args.lines, args.batch, args.profile)
        vouchers, lines, posting, elapsed = totals["vouchers"], totals["lines"], totals["posting"], totals["elapsed"]
        stored = db.session.scalar(text("SELECT count(*) FROM voucher_line"))
        print(f"posted {vouchers:,} vouchers, {lines:,} lines (voucher_line rows: {stored:,}"
              f"{'' if stored == lines else ' — MISMATCH'}) in {posting:.1f} s of post_many+commit "
              f"({elapsed:.1f} s with generating the inputs); load average now {os.getloadavg()[0]:.1f}")
        print(f"POSTING: {lines / posting:,.0f} lines/s ({vouchers / posting:,.0f} vouchers/s); "
              f"{lines / elapsed:,.0f} lines/s including input generation")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE voucher, voucher_line, balance"))
        figures = time_reports(db, community, year, codes[min(10, len(codes) - 1)], 12, args.repeat)
        for name, f in figures.items():
            print(f"TRIAL BALANCE {name}: reports.trial_balance {f['trial_balance'][0]:.1f} ms "
                  f"(best {f['trial_balance'][1]:.1f}); its GROUP BY over balance {f['group_by_balance'][0]:.1f} ms "
                  f"(best {f['group_by_balance'][1]:.1f}); plain GROUP BY over voucher_line ⋈ voucher "
                  f"{f['group_by_lines'][0]:.1f} ms (best {f['group_by_lines'][1]:.1f}); "
                  f"{f['accounts']} leaf accounts, {f['rows']} report rows, balance = lines: {f['agree']}, "
                  f"period debit {f['period_debit']}")
            if "consolidated" in f:
                print(f"  (合并 consolidated community-year: {f['consolidated'][0]:.1f} ms, "
                      f"best {f['consolidated'][1]:.1f})")
        if not args.no_verify:
            started = time.perf_counter()
            chains, balances = verify_chains(db.session), check_balances(db.session)
            print(f"integrity: verify_chains {chains[:3] or 'ok'}, check_balances {balances[:3] or 'ok'} "
                  f"({time.perf_counter() - started:.1f} s)")
        inst_month, community_year = figures["institution-month"], figures["community-year"]

        def verdict(ok: bool) -> str:
            return "met" if ok else "MISSED"

        print(f"targets: posting ≥ {TARGETS['posting_lines_per_s']:,} lines/s: "
              f"{verdict(lines / posting >= TARGETS['posting_lines_per_s'])}; institution-month ≤ "
              f"{TARGETS['tb_institution_month_ms']} ms and faster than the GROUP BY over lines: "
              f"{verdict(inst_month['trial_balance'][0] <= TARGETS['tb_institution_month_ms'] and inst_month['trial_balance'][0] < inst_month['group_by_lines'][0])}; "
              f"community-year ≤ {TARGETS['tb_community_year_ms']} ms and faster than the GROUP BY over lines: "
              f"{verdict(community_year['trial_balance'][0] <= TARGETS['tb_community_year_ms'] and community_year['trial_balance'][0] < community_year['group_by_lines'][0])}")


if __name__ == "__main__":
    main()
