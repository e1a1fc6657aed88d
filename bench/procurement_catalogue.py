"""Procurement benchmark (PostgreSQL): import a catalogue of the national list's size from Excel.

    python bench/procurement_catalogue.py                 # 50,000 rows: build the workbook, import, re-import
    python bench/procurement_catalogue.py --rows 5000     # a quick check

The database named by ERP_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_procurement)
is DROPPED and recreated, migrated, and loaded with the demo community. A workbook of N rows (西药, 中成药,
耗材 and 饮片 codes in the national forms, every column filled) is built in memory, then imported through
``import_catalogue`` as the clerk's upload is — every row checked, bulk insert, one audit entry per row, commit
(the hash chain included) — and imported again with 10% of the rows changed (the yearly update: re-import
updates by code). Target (the issue): the 50,000-row import under one minute.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, make_url, select  # noqa: E402

from ledger import recreate_database  # noqa: E402  (bench/ledger.py: drop and create the database)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench_procurement"
TARGET_SECONDS = 60
FORMS = ["片剂", "胶囊剂", "注射剂", "颗粒剂", "口服溶液剂", "软膏剂", "滴丸剂"]
NAMES = ["阿莫西林", "头孢克肟", "二甲双胍", "氨氯地平", "阿托伐他汀", "奥美拉唑", "布洛芬", "复方丹参", "连花清瘟",
         "黄芪", "当归", "输液器", "注射器", "导尿管", "冠脉支架"]


def code(serial: int, rng: random.Random) -> tuple[str, str]:
    """A code of the national forms and its category, one kind in four."""
    letters = "ABCDGHJLMNPRSV"
    kind = serial % 4
    if kind == 0:
        return (f"X{rng.choice(letters)}{serial % 100:02d}AB{rng.choice(letters)}{serial % 1000:03d}"
                f"A{serial % 1000:03d}{serial:09d}", "drug")
    if kind == 1:
        return f"Z{rng.choice(letters)}{serial % 100:02d}AA{rng.choice(letters)}{serial % 10000:04d}{serial:09d}", "drug"
    if kind == 2:
        return f"C{serial % 10 ** 7:07d}{serial:019d}", "consumable"
    return f"T{serial:09d}", "herbal"


def build_workbook(rows: int, changed_every: int = 0, seed: int = 2026) -> bytes:
    from openpyxl import Workbook

    from erp.procurement.services import CATALOGUE_COLUMNS

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("统一用药目录")
    sheet.append([header for _, header in CATALOGUE_COLUMNS])
    for serial in range(1, rows + 1):
        item_code, category = code(serial, rng)
        name = NAMES[serial % len(NAMES)]
        spec = f"{(serial % 50 + 1) * 5}mg" + ("（新规格）" if changed_every and serial % changed_every == 0 else "")
        flags = ["是" if rng.random() < 0.1 else "否" for _ in range(8)]
        flags[3], flags[4] = ("是", "否") if serial % 2 else ("否", "是")
        sheet.append([item_code, category, f"{name}{serial}", f"商品{serial}", FORMS[serial % len(FORMS)], spec,
                      "盒", "片", rng.choice([1, 10, 12, 24, 30, 100]), f"第{serial % 800}制药有限公司",
                      f"国药准字H{serial:08d}", *flags, "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="catalogue rows (default 50,000)")
    args = parser.parse_args()
    url = os.environ.get("ERP_BENCH_DATABASE_URL", DEFAULT_URL)

    from erp import create_app
    from erp.core.extensions import db

    print(f"database: {make_url(url).render_as_string(hide_password=True)} (recreated); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from erp.core.demo import load_demo
        from erp.core.schema_migrations import upgrade_database
        from erp.core.session_context import system_actor
        from erp.procurement.models import CatalogueItem
        from erp.procurement.services import import_catalogue

        upgrade_database()
        system_actor(db.session, "bench")
        community = load_demo(db.session)
        db.session.commit()
        community_id = community.id

        started = time.perf_counter()
        first = build_workbook(args.rows)
        print(f"workbook: {args.rows:,} rows, {len(first) / 1e6:.1f} MB, built in {time.perf_counter() - started:.1f} s")

        def run(label: str, data: bytes):
            system_actor(db.session, "bench")
            last = {"at": 0.0}

            def progress(stage: str, done: int, total: int) -> None:
                now = time.perf_counter()
                if now - last["at"] > 2 or done == total:
                    last["at"] = now
                    print(f"  {stage}: {done:,}/{total:,}", flush=True)

            started, cpu = time.perf_counter(), time.process_time()
            result = import_catalogue(db.session, community_id, data, progress)
            db.session.commit()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"{label}: {result.rows:,} rows (created {result.created:,}, updated {result.updated:,}, "
                  f"unchanged {result.unchanged:,}) in {seconds:.1f} s = {result.rows / seconds:,.0f} rows/s "
                  f"(this process's CPU {cpu:.1f} s: the rest is the database and the machine's other load)")
            return seconds

        seconds = run("IMPORT (new catalogue)", first)
        again = run("RE-IMPORT (10% changed)", build_workbook(args.rows, changed_every=10))
        total = db.session.scalar(select(func.count()).select_from(CatalogueItem))
        verdict = "OK" if seconds < TARGET_SECONDS * args.rows / 50_000 else "SLOWER THAN TARGET"
        print(f"catalogue rows in the database: {total:,}; target: 50,000 rows < {TARGET_SECONDS} s → {verdict} "
              f"(import {seconds:.1f} s, re-import {again:.1f} s); load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
