"""The security log's first page under each filter, over 200,000 events (a third of them security events),
on PostgreSQL: the plan's index and the time.

    .venv/bin/python bench/bench_security_log.py [--events N]

A throwaway database of its own (dropped at the end). Prints per filter (all, kind, user, date):
- seclog_<filter>_index: the index the plan reads (an Index Scan Backward, no sort);
- seclog_<filter>_ms: median time of the page query (EXPLAIN ANALYZE execution time, REPEATS runs).
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from datetime import timedelta

from common import REPEATS, pg_server


def main(events: int) -> None:
    import psycopg
    from sqlalchemy import text

    from tracker import create_app
    from tracker.accounts import security_log
    from tracker.extensions import db
    from tracker.paging import order_by
    from tracker.rules.clock import today_cn

    base = pg_server()
    name = f"tracker_bench_seclog_{uuid.uuid4().hex[:6]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"{base}/{name}", "TESTING": True, "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            db.session.execute(text("INSERT INTO agency (id, name, settings, created_at) VALUES (1, 'a', '{}', now())"))
            db.session.execute(
                text(
                    "INSERT INTO event (agency_id, subject_type, subject_id, kind, created_at, data, prev_hash, hash) "
                    "SELECT 1, CASE WHEN g % 3 = 0 THEN 'security' ELSE 'request' END, g % 50, "
                    "CASE WHEN g % 3 = 0 THEN 'auth.login' ELSE 'request.registered' END, "
                    "now() - (g || ' minutes')::interval, '{}', '', '' FROM generate_series(1, :n) g"  # not chained: pages only
                ),
                {"n": events},
            )
            db.session.commit()
            db.session.execute(text("ANALYZE event"))
            week_ago = today_cn() - timedelta(days=7)
            filters = {
                "all": {},
                "kind": {"kind": "auth.login"},
                "user": {"user": "3"},
                "date": {"day_from": week_ago, "day_to": week_ago + timedelta(days=1)},
            }
            for label, kw in filters.items():
                q = security_log.query(1, **kw).order_by(*order_by(security_log.ORDER)).limit(security_log.PER_PAGE + 1)
                sql = "EXPLAIN ANALYZE " + str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
                times, index = [], "none"
                for _ in range(REPEATS):
                    plan = db.session.execute(text(sql)).scalars().all()
                    times.append(float(plan[-1].split(":")[1].split()[0]))
                    index = next((line.split(" using ")[1].split()[0] for line in plan if " using " in line), "none")
                print(f"postgresql_seclog_{label}_index={index}")
                print(f"postgresql_seclog_{label}_ms={statistics.median(times):.3g}")
                print(f"postgresql_seclog_{label}_ms_min={min(times):.3g}")
                print(f"postgresql_seclog_{label}_ms_max={max(times):.3g}")
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--n", type=int, default=None)  # `make bench` passes BENCH_N to every benchmark
    p.add_argument("--engine", default=None)
    main(p.parse_args().events)
