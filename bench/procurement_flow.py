"""Procurement document-flow benchmark (PostgreSQL): consolidation and the receive → distribute → dispense cycle.

    python bench/procurement_flow.py                       # 300 requisitions × 50 lines, a 1,000-line cycle
    python bench/procurement_flow.py --requisitions 30     # a quick check

The database named by ERP_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_flow)
is DROPPED and recreated, migrated, and loaded with the demo community, a catalogue of 500 drugs, 10 suppliers
with one or two agreements per item, and every member's formulary. Then:

1. **consolidation** — N approved requisitions (default 300) of 50 lines each, spread over the members
   (written with bulk statements: setting up is not what is measured), consolidated by the procurement clerk
   (scope active) with ``consolidate`` + commit: the time, the orders and order lines made. Run ``--repeat``
   times, each rolled back, median and best. Target ≤ 1 s for 300 × 50.
2. **cycle** — 1,000 order lines (``--cycle``) received into the central pharmacy (registered and accepted:
   stock, prices, voucher), transferred to a member (内部往来 vouchers on both sides) and dispensed there (cost
   and revenue voucher), through the services, one document per 50 lines, committed per document: lines per
   second of each step with the ledger postings; and the 1302 reconciliation at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, make_url, select, text  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_flow"
ITEMS, SUPPLIERS, LINES_PER_REQUISITION = 500, 10, 50


def recreate_database(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        sys.exit("bench/procurement_flow.py needs PostgreSQL (ERP_BENCH_DATABASE_URL)")
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    maintenance.dispose()


def item_code(n: int) -> str:
    return f"XA01AB{chr(65 + n // 1000)}{n % 1000:03d}A0020101{n:05d}"


def set_up(db, rng: random.Random):
    """The demo, the catalogue, suppliers, agreements and formularies (through the services)."""
    from stdnum.cn import uscc

    from erp.core.demo import load_demo
    from erp.core.models import Institution
    from erp.core.session_context import system_actor
    from erp.core.timeutil import local_today
    from erp.procurement.models import Formulary
    from erp.procurement.services import create_agreement, create_item, create_supplier

    system_actor(db.session, "bench")
    community = load_demo(db.session)
    today = local_today()
    items = [create_item(db.session, community.id, {
        "code": item_code(n), "category": "drug", "generic_name": f"基准药品{n}", "package_unit": "盒",
        "min_unit": "片", "units_per_package": rng.choice([10, 12, 24, 30, 100])}) for n in range(ITEMS)]
    suppliers = []
    for n in range(SUPPLIERS):
        body = f"91130522{n + 1:09d}"
        suppliers.append(create_supplier(db.session, community.id, {
            "code": f"SB{n:02d}", "name": f"基准医药公司{n}", "uscc": body + uscc.calc_check_digit(body),
            "role": "distributor", "licence_expires": today + timedelta(days=800)}))
    for item in items:
        for supplier in rng.sample(suppliers, rng.choice([1, 2])):
            create_agreement(db.session, item, supplier, {
                "unit_price": f"{rng.randint(100, 500_000) / 10_000:.4f}", "valid_from": today - timedelta(days=30),
                "platform": rng.choice(["provincial", "guangzhou"])})
    members = list(db.session.scalars(select(Institution).where(Institution.community_id == community.id)))
    db.session.execute(insert(Formulary), [{"institution_id": m.id, "item_id": i.id, "active": True}
                                           for m in members for i in items])
    db.session.commit()
    return community, members, items


def write_requisitions(db, members, items, count: int, rng: random.Random) -> None:
    """``count`` approved requisitions of 50 lines this month, with bulk statements."""
    from erp.core.timeutil import local_today, utcnow
    from erp.procurement.models import Requisition, RequisitionLine

    today = local_today()
    table = Requisition.__table__
    heads = db.session.execute(insert(table).returning(table.c.id, table.c.institution_id, sort_by_parameter_order=True), [
        {"institution_id": members[n % len(members)].id, "number": f"QL-B-{n:05d}", "date": today, "year": today.year,
         "month": today.month, "state": "approved", "memo": "", "created_at": utcnow(), "approved_at": utcnow()}
        for n in range(count)]).all()
    rows = []
    for requisition_id, institution_id in heads:
        for line_no, item in enumerate(rng.sample(items, LINES_PER_REQUISITION), start=1):
            rows.append({"requisition_id": requisition_id, "institution_id": institution_id, "line_no": line_no,
                         "item_id": item.id, "quantity": rng.randint(1, 40), "wanted_date": today})
    db.session.execute(insert(RequisitionLine.__table__), rows)
    db.session.commit()


def time_consolidation(db, user_name: str, repeat: int) -> dict:
    from erp.core.models import User
    from erp.core.session_context import activate_user
    from erp.core.timeutil import local_today
    from erp.procurement.services.orders import consolidate

    period = f"{local_today():%Y-%m}"
    times, made = [], None
    for run in range(repeat):
        user = db.session.scalar(select(User).where(User.username == user_name))
        activate_user(db.session, user)
        if os.environ.get("BENCH_SQL") and run == 0:
            from sqlalchemy import event

            spent = []

            def before(conn, cursor, statement, params, context, many):
                conn.info["t0"] = time.perf_counter()

            def after(conn, cursor, statement, params, context, many):
                spent.append((time.perf_counter() - conn.info["t0"], " ".join(statement.split())[:90]))

            engine = db.engine
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            start = time.perf_counter()
            consolidate(db.session, user, period)
            db.session.flush()
            total = time.perf_counter() - start
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            for seconds, sql in sorted(spent, reverse=True)[:6]:
                print(f"  {seconds * 1000:7.1f} ms  {sql}")
            print(f"  total {total * 1000:.0f} ms, SQL {sum(s for s, _ in spent) * 1000:.0f} ms in {len(spent)} statements")
            db.session.rollback()
            db.session.remove()
            user = db.session.scalar(select(User).where(User.username == user_name))
            activate_user(db.session, user)
        if os.environ.get("BENCH_PROFILE") and run == 0:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            consolidate(db.session, user, period)
            db.session.flush()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            db.session.rollback()
            db.session.remove()
            user = db.session.scalar(select(User).where(User.username == user_name))
            activate_user(db.session, user)
        start = time.perf_counter()
        orders = consolidate(db.session, user, period)
        db.session.flush()
        made = (len(orders), sum(len(o.lines) for o in orders))
        if run == repeat - 1:
            db.session.commit()
        else:
            db.session.rollback()
        times.append(time.perf_counter() - start)
        db.session.remove()
    return {"median": statistics.median(times), "best": min(times), "orders": made[0], "order_lines": made[1]}


def run_cycle(db, lines: int, rng: random.Random) -> dict:
    """Receive (pharmacy registers, procurement accepts), transfer (pharmacy, procurement posts), dispense
    (clerk, finance posts) ``lines`` order lines in documents of 50 lines; lines per second of each step."""
    from erp.core.models import Institution, User
    from erp.core.session_context import activate_user
    from erp.core.timeutil import local_today
    from erp.procurement.models import OrderState, PurchaseOrder, PurchaseOrderLine
    from erp.procurement.services import dispensing, receipts, reconciliation, transfers
    from erp.procurement.services.flow_common import central_pharmacy, member_by_code

    today = local_today()
    users = {name: db.session.scalar(select(User.id).where(User.username == name))
             for name in ("pharmacy", "procurement", "clerk", "finance", "chief")}
    db.session.execute(PurchaseOrder.__table__.update().values(state=OrderState.APPROVED.value,
                                                               approved_by_id=users["chief"]))
    db.session.commit()
    po_lines = list(db.session.scalars(select(PurchaseOrderLine).order_by(PurchaseOrderLine.id).limit(lines)))
    by_order: dict[int, list] = {}
    for line in po_lines:
        by_order.setdefault(line.order_id, []).append(line)
    chunks = [(order_id, group[i:i + 50]) for order_id, group in by_order.items() for i in range(0, len(group), 50)]
    member_code = "QH102"
    member = db.session.scalar(select(Institution).where(Institution.code == member_code))
    timing = {}

    def as_user(name):
        db.session.remove()
        user = db.session.get(User, users[name])
        activate_user(db.session, user)
        return user

    start = time.perf_counter()
    for order_id, group in chunks:
        user = as_user("pharmacy")
        order = db.session.get(PurchaseOrder, order_id)
        receipt = receipts.create_receipt(db.session, user, order, {"lines": [
            {"po_line": l.id, "quantity": l.quantity, "batch": f"B{l.id}", "expiry": today + timedelta(days=400)}
            for l in group]})
        db.session.commit()
        receipt_id = receipt.id
        user = as_user("procurement")
        receipts.accept_receipt(db.session, receipts.receipt_by_id(db.session, receipt_id), user)
        db.session.commit()
    timing["receive"] = time.perf_counter() - start
    from erp.procurement.models import CatalogueItem

    start = time.perf_counter()
    for _, group in chunks:
        user = as_user("pharmacy")
        source = central_pharmacy(db.session, user.community_id)
        items = [db.session.get(CatalogueItem, l.item_id) for l in group]
        seen, wanted = set(), []
        for item in items:
            if item.id not in seen:
                seen.add(item.id)
                wanted.append({"item": item.code, "quantity": item.units_per_package})
        target = member_by_code(db.session, user.community_id, member_code, "to_institution")
        transfer = transfers.create_transfer(db.session, user, source, target, {"lines": wanted})
        db.session.commit()
        transfer_id = transfer.id
        user = as_user("procurement")
        transfers.post_transfer(db.session, transfers.transfer_by_id(db.session, transfer_id), user)
        db.session.commit()
    timing["transfer"] = time.perf_counter() - start
    start = time.perf_counter()
    for _, group in chunks:
        user = as_user("clerk")
        seen, wanted = set(), []
        for l in group:
            item = db.session.get(CatalogueItem, l.item_id)
            if item.id not in seen:
                seen.add(item.id)
                wanted.append({"item": item.code, "quantity": max(1, item.units_per_package // 2)})
        record = dispensing.create_dispensing(db.session, user, db.session.get(Institution, member.id),
                                              {"department": "21", "lines": wanted, "payer": "I001"})
        db.session.commit()
        record_id = record.id
        user = as_user("finance")
        dispensing.post_dispensing(db.session, dispensing.dispensing_by_id(db.session, record_id), user)
        db.session.commit()
    timing["dispense"] = time.perf_counter() - start
    as_user("finance")
    result = reconciliation.reconcile(db.session, member.community_id)
    return {"lines": len(po_lines), "timing": timing, "reconciled": result.reconciled,
            "ledger_total": result.ledger_total, "stock_total": result.stock_total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requisitions", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="consolidation runs (all but the last rolled back)")
    parser.add_argument("--cycle", type=int, default=1000, help="order lines through the cycle (0: skip)")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_DATABASE_URL", DEFAULT_URL)
    from erp import create_app
    from erp.core.extensions import db
    from erp.core.models import Partner

    print(f"database: {make_url(url).render_as_string(hide_password=True)} (recreated); {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(2026)
    with app.app_context():
        from erp.core.schema_migrations import upgrade_database

        upgrade_database()
        community, members, items = set_up(db, rng)
        db.session.add(Partner(community_id=community.id, code="I001", name="医疗保障局", kind="insurer"))
        db.session.commit()
        write_requisitions(db, members, items, args.requisitions, rng)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        result = time_consolidation(db, "procurement", args.repeat)
        lines = args.requisitions * LINES_PER_REQUISITION
        print(f"CONSOLIDATION: {args.requisitions} requisitions × {LINES_PER_REQUISITION} = {lines:,} lines → "
              f"{result['orders']} orders, {result['order_lines']} order lines: median {result['median'] * 1000:.0f} ms, "
              f"best {result['best'] * 1000:.0f} ms (target ≤ 1000 ms for 300 × 50) "
              f"{'OK' if result['median'] <= 1 or args.requisitions != 300 else 'SLOW'}")
        if args.cycle:
            if os.environ.get("BENCH_PROFILE_CYCLE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                cycle = profiler.runcall(run_cycle, db, args.cycle, rng)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            else:
                cycle = run_cycle(db, args.cycle, rng)
            for step, seconds in cycle["timing"].items():
                print(f"CYCLE {step}: {cycle['lines']} lines in {seconds:.1f} s = {cycle['lines'] / seconds:,.0f} "
                      f"lines/s (with the ledger postings)")
            print(f"1302 reconciliation: ledger {cycle['ledger_total']} = stock {cycle['stock_total']}: "
                  f"{cycle['reconciled']}")


if __name__ == "__main__":
    main()
