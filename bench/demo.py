"""`erp load-demo` on a new SQLite file: wall time and CPU time per module's demo loader and in total (target:
under 30 s), then the time of a second load (idempotent: nothing to do). Usage: .venv/bin/python bench/demo.py"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    directory = tempfile.mkdtemp(prefix="erp_demo_bench_")
    os.environ["ERP_INSTANCE_DIR"] = directory  # the database, chain key and anchors of this run only
    from flask_migrate import upgrade

    from erp.core.app import create_app
    from erp.core.extensions import db
    from erp.core.registry import import_object
    from erp.core.session_context import system_actor

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/demo.sqlite3"})
    with app.app_context():
        upgrade(revision="heads")
        print(f"load average {os.getloadavg()[0]:.1f} (the machine may be shared)")
        for run in ("first load", "second load"):
            system_actor(db.session, "load-demo")
            start_wall, start_cpu = time.perf_counter(), cpu()
            for manifest in app.extensions["erp"].registry:
                if not manifest.demo_loader:
                    continue
                wall, used = time.perf_counter(), cpu()
                import_object(manifest.demo_loader)(db.session)
                db.session.commit()
                print(f"  {manifest.name:<12} {time.perf_counter() - wall:6.2f} s wall {cpu() - used:6.2f} s CPU")
            print(f"{run}: {time.perf_counter() - start_wall:.2f} s wall, {cpu() - start_cpu:.2f} s CPU (target < 30 s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
