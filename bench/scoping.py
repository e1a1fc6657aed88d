"""Per-query cost of the institution scope: N simple ORM queries in a session with the clerk's scope active
(4 of the demo's 32 members), then the same unscoped, on a new SQLite file with the core demo loaded.
Usage: .venv/bin/python bench/scoping.py [N]   (default 2000)"""
from __future__ import annotations

import os
import sys
import tempfile
import time


def main(n: int) -> None:
    directory = tempfile.mkdtemp(prefix="erp_scoping_bench_")
    os.environ["ERP_INSTANCE_DIR"] = directory  # the database, chain key and anchors of this run only
    from flask_migrate import upgrade
    from sqlalchemy import select

    from erp.core.app import create_app
    from erp.core.demo import load_demo
    from erp.core.extensions import db
    from erp.core.models import Department, User
    from erp.core.scoping import activate
    from erp.core.session_context import activate_user, system_actor

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite3"})
    with app.app_context():
        upgrade(revision="heads")
        system_actor(db.session, "bench")
        load_demo(db.session)
        db.session.commit()
        clerk = db.session.scalar(select(User).where(User.username == "clerk"))
        ids = db.session.scalars(select(Department.id)).all()
        print(f"load average {os.getloadavg()[0]:.1f} (the machine may be shared)")
        for label, scoped in (("scoped (clerk)", True), ("unscoped", False)):
            if scoped:
                activate_user(db.session, clerk)
            else:
                activate(db.session, None)
            queries = {
                "session.get": lambda i: db.session.get(Department, ids[i % len(ids)], populate_existing=True),
                "select(...)": lambda i: db.session.scalars(
                    select(Department).where(Department.code == str(i % 7))).all(),
            }
            for name, query in queries.items():
                for i in range(50):  # warm up: the compiled statements are cached
                    query(i)
                start = time.perf_counter()
                for i in range(n):
                    query(i)
                elapsed = time.perf_counter() - start
                print(f"{label:<15} {name:<12} {n} queries {elapsed:6.2f} s  {elapsed / n * 1000:6.3f} ms/query")
    sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
