"""Budget control under load (PostgreSQL): N concurrent clients making commitments against shared budget lines.

The database named by ERP_BENCH_BUDGET_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/
erp_bench_budget) is DROPPED and recreated, migrated, and loaded with the demo community, the ledger's demo and
the budget demo (approved budgets in execution for QH001, QH101, QH102). Then ``--clients`` processes (default
20; ``--clients-as threads``: threads of this one process, which share its GIL), each with its own connection,
call ``erp.budget.services.reserve`` in a transaction of its own and commit, against the demo's Stop lines (a few
shared lines: every client hits every line). Each reserve is a locked check (the line's row locked, available =
approved − committed − actual); once a line is used up the reserves are refused (409 budget_exceeded) — still a
check. Then the same clients call the unlocked, read-only ``check``.

Each mode runs once per offered load in ``--rates`` (total requests per second over all clients, each client's
requests arriving at random — Poisson — at its share of the rate), for ``--seconds`` each; ``max`` is the
closed loop: every client sends its next request as soon as the last one is answered (the throughput). A
paced request's latency counts from the moment it was due, so a request held up behind a slow one counts its
wait. Before every reserve phase the Stop lines get back the room they had at the start (the demo's lines are
used up within seconds), so every phase meets the same lines with the same room and runs them out again.
Printed for each phase: requests per second, latency p50 / p95 / p99 (target p95 ≤ 50 ms), commitments made and
refused, and at the end the overspend confirmation: for every Stop line, committed + actual ≤ approved, and the
line's running total equals the sum of its open commitments.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_budget"
TARGET_P95_MS = 50


class Source:
    def __init__(self, key: str):
        self.module, self.kind, self.key, self.label, self.url = "bench", "order", key, f"BENCH-{key}", None


def recreate_database(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        sys.exit("bench/budget.py needs PostgreSQL (ERP_BENCH_BUDGET_DATABASE_URL)")
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    maintenance.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--rates", default="50,100,200,max",
                        help="offered loads, total requests per second over all clients (max: closed loop)")
    parser.add_argument("--clients-as", choices=["processes", "threads"], default="processes",
                        help="separate processes, as a deployment's workers are (default), or threads of one process "
                             "(they share its GIL)")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_BUDGET_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)

    from erp import create_app
    from erp.core.errors import Conflict
    from erp.core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.clients + 2, "max_overflow": 2}})
    with app.app_context():
        from erp.core.schema_migrations import upgrade_database

        upgrade_database()
        from erp.budget.demo import load_demo as load_budget_demo
        from erp.budget.models import BudgetEntry, BudgetLine, Control, EntryState
        from erp.core.demo import load_demo as load_core_demo
        from erp.core.models import Institution
        from erp.core.session_context import system_actor
        from erp.ledger.demo import load_demo as load_ledger_demo

        system_actor(db.session, "bench")
        load_core_demo(db.session)
        load_ledger_demo(db.session)
        load_budget_demo(db.session)
        db.session.commit()
        targets = [(line.institution_id, line.account_code, line.department.code if line.department else None,
                    line.funding_source.code if line.funding_source else None)
                   for line in db.session.scalars(select(BudgetLine).where(BudgetLine.control == Control.STOP))]
        db.session.remove()
    print(f"{args.clients} clients × {args.seconds:.0f} s per phase against {len(targets)} shared Stop lines, "
          f"{os.cpu_count()} CPUs "
          f"(load average {os.getloadavg()[0]:.2f})")

    from erp.budget import services as budget

    today = date.today()

    def client(number: int, mode: str, rate: float | None, barrier) -> tuple[list[float], int, int, int]:
        """One client's requests: as fast as answered (``rate`` None), else arriving at random at ``rate``/s."""
        rng = random.Random(number)
        mine, made, refused, errors = [], 0, 0, 0
        with app.app_context():
            session = db.session
            # warm up, as a deployment's long-running worker is: this process's first reserve and check compile
            # their statements; rolled back, so the lines keep their room
            warm = Source(f"{os.getpid()}-{number}-warm-up")
            for institution_id, account, department, funding_source in targets:
                system_actor(session, f"bench-{number}")
                institution = session.get(Institution, institution_id)
                budget.check(session, institution, account, department, funding_source, Decimal("0.01"), today)
                try:
                    budget.reserve(session, institution, account, department, funding_source, Decimal("0.01"),
                                   warm, on=today)
                    session.flush()
                except Conflict:
                    pass
                session.rollback()
            barrier.wait()
            due = time.perf_counter()
            end = due + args.seconds
            serial = 0
            while True:
                if rate is not None:
                    due += rng.expovariate(rate)
                    if due >= end:
                        break
                    time.sleep(max(0.0, due - time.perf_counter()))
                elif time.perf_counter() >= end:
                    break
                institution_id, account, department, funding_source = rng.choice(targets)
                serial += 1
                amount = Decimal(rng.randrange(10_000, 2_000_000)) / 100
                started = due if rate is not None else time.perf_counter()  # paced: the wait behind the last counts
                try:
                    system_actor(session, f"bench-{number}")
                    institution = session.get(Institution, institution_id)
                    if mode == "check":  # what reserving would meet: no lock, nothing written
                        result = budget.check(session, institution, account, department, funding_source, amount,
                                              today)
                        session.rollback()
                        made, refused = made + result.allowed, refused + (not result.allowed)
                    else:
                        budget.reserve(session, institution, account, department, funding_source, amount,
                                       Source(f"{os.getpid()}-{number}-{serial}"), on=today)
                        session.commit()
                        made += 1
                except Conflict:
                    session.rollback()
                    refused += 1
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    session.rollback()
                    errors += 1
                    if errors == 1:
                        print(f"client {number}: {exc!r}")
                mine.append(time.perf_counter() - started)
            db.session.remove()
        return mine, made, refused, errors

    def give_back_room() -> None:
        """Release the bench's open commitments (the app's own release, as a cancelled order does): the Stop
        lines have their starting room again."""
        with app.app_context():
            system_actor(db.session, "bench")
            keys = db.session.scalars(select(BudgetEntry.source_key).distinct().where(
                BudgetEntry.source_module == "bench", BudgetEntry.state == EntryState.OPEN)).all()
            for key in keys:
                budget.release(db.session, Source(key))
            db.session.commit()
            db.session.remove()

    def in_process(number: int, mode: str, rate: float | None, barrier, results) -> None:
        with app.app_context():
            db.engine.dispose(close=False)  # a forked child opens connections of its own; the parent's stay its own
        results.put(client(number, mode, rate, barrier))

    def run(mode: str, label: str, processes: bool, rate: float | None) -> None:
        results: list = []
        if processes:
            context = multiprocessing.get_context("fork")
            barrier, queue = context.Barrier(args.clients), context.Queue()
            workers = [context.Process(target=in_process, args=(n, mode, rate and rate / args.clients, barrier, queue))
                       for n in range(args.clients)]
            for worker in workers:
                worker.start()
            results = [queue.get(timeout=args.seconds + 120) for _ in workers]
        else:
            barrier, lock = threading.Barrier(args.clients), threading.Lock()

            def in_thread(number: int) -> None:
                outcome = client(number, mode, rate and rate / args.clients, barrier)
                with lock:
                    results.append(outcome)
            workers = [threading.Thread(target=in_thread, args=(n,)) for n in range(args.clients)]
            for worker in workers:
                worker.start()
        for worker in workers:
            worker.join()
        latencies = sorted(latency for mine, *_ in results for latency in mine)
        made, refused, errors = (sum(outcome[i] for outcome in results) for i in (1, 2, 3))
        failures["errors"] += errors

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        total, p95 = len(latencies), pct(0.95)
        offered = "closed loop" if rate is None else f"offered {rate:.0f}/s"
        label = f"{label} [{args.clients} {'processes' if processes else 'threads in one process'}, {offered}]"
        print(f"{label}: {total} in {args.seconds:.0f} s = {total / args.seconds:.0f} requests/s (allowed / made "
              f"{made}, refused budget_exceeded {refused}, errors {errors}; load average {os.getloadavg()[0]:.2f})")
        print(f"{label} LATENCY: p50 {pct(0.50):.1f} ms, p95 {p95:.1f} ms, p99 {pct(0.99):.1f} ms, "
              f"mean {statistics.fmean(latencies) * 1000:.1f} ms (target p95 ≤ {TARGET_P95_MS} ms: "
              f"{'met' if p95 <= TARGET_P95_MS else 'NOT met'})")

    failures = {"errors": 0}
    processes = args.clients_as == "processes"
    rates = [None if rate.strip() == "max" else float(rate) for rate in args.rates.split(",")]
    for rate in rates:
        give_back_room()
        run("reserve", "RESERVE (locked check + commitment + commit)", processes, rate)
    for rate in rates:
        run("check", "CHECK (unlocked, read-only)", processes, rate)
    with app.app_context():
        overspent, drift = [], []
        for line in db.session.scalars(select(BudgetLine)):
            held = db.session.scalar(select(func.coalesce(func.sum(BudgetEntry.open_amount), 0)).where(
                BudgetEntry.line_id == line.id, BudgetEntry.state == EntryState.OPEN)) or Decimal(0)
            if line.control is Control.STOP and line.committed + line.actual > line.amount:
                overspent.append(line.id)
            if Decimal(held) != line.committed:
                drift.append(line.id)
        print(f"OVERSPEND: {'none' if not overspent else overspent} — every Stop line within its approved amount; "
              f"running totals equal the open commitments: {not drift}")
    sys.exit(1 if overspent or drift or failures["errors"] else 0)


if __name__ == "__main__":
    main()
