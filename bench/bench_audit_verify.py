"""`flask --app tracker audit verify` over a log of N events (default 100,000) in 10 agencies and the
no-agency chain, on a throwaway database of its own per engine.

    .venv/bin/python bench/bench_audit_verify.py [--events N] [--engine sqlite|postgresql|both]

Prints per engine:
- audit_write_s: writing the N chained events set-based (record_many, 10,000 per INSERT), once;
- audit_verify_s (median, _min, _max over REPEATS runs after a warm-up): verifying every chain;
- audit_verify_per_100k_s: the median scaled to 100,000 events;
- audit_verify_queries: statements one verify sends (the same whatever N: the events are streamed).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid

from common import REPEATS, app_for, counted, emit, pg_server, timed

CHUNK = 10_000


def _database(engine: str):
    """(url, drop): a fresh database and how to drop it."""
    if engine == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="tracker-bench-audit-"), "audit.db")
        return f"sqlite:///{path}", lambda: os.remove(path)
    import psycopg

    base = pg_server()
    name = f"tracker_bench_audit_{uuid.uuid4().hex[:6]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def run(engine: str, events: int) -> None:
    from tracker import audit
    from tracker.accounts.models import Agency
    from tracker.audit_cli import verify
    from tracker.extensions import db

    url, drop = _database(engine)
    try:
        app = app_for(url)
        with app.app_context():
            db.create_all()
            agencies = [Agency(name=f"机关{i}", settings={}) for i in range(10)]
            db.session.add_all(agencies)
            db.session.commit()
            ids = [a.id for a in agencies] + [None]
            t0 = time.perf_counter()
            for start in range(0, events, CHUNK):
                entries = [
                    {"subject_id": i, "agency_id": ids[i % len(ids)], "data": {"due_on": ["2026-03-02", "2026-03-03"]}}
                    for i in range(start, min(start + CHUNK, events))
                ]
                audit.record_many("request.deadline_recomputed", "request", entries, note="日历调整")
                db.session.commit()
            emit(engine, "audit_write_s", time.perf_counter() - t0)

            def once():
                v = verify()
                assert not v.breaks and sum(v.checked().values()) == events

            median, low, high = timed(once, REPEATS)
            emit(engine, "audit_verify_s", median, (low, high))
            emit(engine, "audit_verify_per_100k_s", median * 100_000 / events)
            with counted(db.engine) as sent:
                once()
            emit(engine, "audit_verify_queries", len(sent))
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = p.parse_args()
    for eng in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run(eng, args.events)
