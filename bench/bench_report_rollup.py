"""The district roll-up (50 units) against one unit's report of the same total size.

    .venv/bin/python bench/bench_report_rollup.py [--requests N] [--units 50] [--engine sqlite|postgresql|both]
        [--year 2025]

Two databases of the same N requests (bench/gen.py, seed 15): `single` keeps them all in one agency;
`units` is a copy whose requests (and their reviews, registers and NPC/CPPCC items) are spread evenly over
the district (agency 1) and 49 sub-units (request id mod 50). Prints per engine:
- single_report_s: tracker.reports.derive.derive(1, year) on `single` (one unit's whole report);
- rollup_s: tracker.reports.rollup.derive_rollup(1, year) on `units` (the sum, each unit, every check);
- rollup_vs_single_ratio (target ≤ 1.5);
- per_unit_loop_s: 50 × derive(unit, year) on `units` — the one-report-per-unit loop the roll-up avoids;
- rollup_queries / single_queries: statements sent; rollup_units; table3_new_total of both (must agree).
Median of REPEATS (env BENCH_REPEATS, default 7) runs after a warm-up, with min/max.

Measured at N = 200,000, year 2025, 2 vCPU shared (load average 2.0–2.1), median (min–max), with the
covering indexes of migration e16b7c0a4f21: SQLite one unit 0.11 s (0.11–0.13), roll-up 0.18 s
(0.17–0.21), ratio 1.61; PostgreSQL one unit 0.10 s (0.09–0.11), roll-up 0.18 s (0.17–0.25), ratio 1.83
— the 1.5 target is missed on both (docs/district.md, 区级汇总报告 → Speed, has the steps and the before).
At N = 1,000,000 (idle 2-core machine), before migration e16c5d2f8a90: SQLite ratio 2.14, PostgreSQL 2.25;
after it (delivered_on in the covering indexes; PostgreSQL's roll-up by agency_id = ANY), two runs each:
SQLite one unit 0.99–1.04 s, roll-up 0.97–1.27 s, ratio 0.93 and 1.29 (target met); PostgreSQL one unit
0.39–0.46 s, roll-up 0.76–0.78 s, ratio 1.69 and 1.95 (not met). docs/district.md has the spreads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from common import BENCH_DIR, app_for, counted, emit, pg_server, timed, year_argument
from sqlalchemy import text


def _url(engine: str, name: str) -> str:
    if engine == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{BENCH_DIR}/{name}.db"
    return f"{pg_server()}/{name}"


def _copy(engine: str, source: str, target: str) -> None:
    """`target` made a copy of the generated `source` database."""
    if engine == "sqlite":
        shutil.copyfile(BENCH_DIR / f"{source}.db", BENCH_DIR / f"{target}.db")
        return
    import psycopg

    admin = pg_server().replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        # the generator's own pooled connections to `source` (this benchmark's database alone) end first
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (source,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def _spread(app, units: int) -> None:
    """Spread the copy's rows over the district and units−1 sub-units (once; marked in bench_meta)."""
    from tracker.accounts.models import Agency
    from tracker.extensions import db

    with app.app_context():
        # bench/gen.py writes its agency as a raw row, without the materialised path an insert gets
        db.session.execute(text("UPDATE agency SET path = '/' || CAST(id AS VARCHAR(20)) || '/' WHERE path IS NULL"))
        db.session.commit()
        db.session.add_all(Agency(name=f"下属单位{k:02d}", parent_id=1, settings={}) for k in range(2, units + 1))
        db.session.flush()
        ids = [1, *db.session.scalars(text("SELECT id FROM agency WHERE parent_id = 1 ORDER BY id"))]
        assert len(ids) == units, ids
        unit_of = " ".join(f"WHEN {i} THEN {uid}" for i, uid in enumerate(ids))
        for table in ("disclosure_request", "register_entry", "proposal"):
            db.session.execute(text(f"UPDATE {table} SET agency_id = CASE id % {units} {unit_of} END"))
        db.session.execute(
            text(
                "UPDATE review SET agency_id = (SELECT r.agency_id FROM disclosure_request r "
                "WHERE r.id = review.request_id) WHERE request_id IS NOT NULL"
            )
        )
        db.session.execute(
            text(f"UPDATE review SET agency_id = CASE id % {units} {unit_of} END WHERE request_id IS NULL")
        )
        db.session.execute(text("INSERT INTO bench_meta (k, v) VALUES ('rollup_units', :u)"), {"u": str(units)})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # the UPDATEs above rewrote every row: PostgreSQL keeps the dead versions, so the copy's tables
            # were twice the size of `single`'s (174 MB against 87 MB for the requests at 200,000) and every
            # sequential scan read twice the pages. A district whose units entered their own cases has no
            # such dead half; compacted, the two databases differ only in whose rows they are. VACUUM FULL
            # leaves the visibility map empty (index-only scans then visit the table): a plain VACUUM after
            # it sets it, as autovacuum has on `single`.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM FULL"))
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def prepared(engine: str, n: int, units: int):
    from gen import generate

    single, spread = f"bench-rollup-single-{n}", f"bench-rollup-units-{units}-{n}"
    if engine == "postgresql":
        single, spread = single.replace("-", "_"), spread.replace("-", "_")
    meta = generate(_url(engine, single), n)
    spread_app = app_for(_url(engine, spread))
    try:
        with spread_app.app_context():
            from tracker.extensions import db

            have = dict(db.session.execute(text("SELECT k, v FROM bench_meta")).all())
            db.session.remove()
            db.engine.dispose()
    except Exception:  # noqa: BLE001 - no copy yet (missing file/database/table)
        have = {}
    if have.get("rollup_units") != str(units) or have.get("generated_at") != meta.get("generated_at"):
        print(f"bench: spreading {n} requests over {units} units ({engine})", file=sys.stderr, flush=True)
        spread_app = None
        _copy(engine, single, spread)
        spread_app = app_for(_url(engine, spread))
        _spread(spread_app, units)
    return app_for(_url(engine, single)), spread_app


def run(engine: str, n: int, units: int, year: int) -> None:
    from tracker.extensions import db
    from tracker.reports.derive import derive
    from tracker.reports.rollup import derive_rollup

    single_app, units_app = prepared(engine, n, units)
    with single_app.app_context():
        single = timed(lambda: derive(1, year))
        with counted(db.engine) as s_single:
            one = derive(1, year)
    with units_app.app_context():
        roll = timed(lambda: derive_rollup(1, year))
        with counted(db.engine) as s_roll:
            r = derive_rollup(1, year)
        ids = r.ids
        loop = timed(lambda: [derive(i, year) for i in ids], repeats=3)
    emit(engine, "requests", n)
    emit(engine, "rollup_units", len(r.units))
    emit(engine, "single_report_s", single[0], single[1:])
    emit(engine, "rollup_s", roll[0], roll[1:])
    emit(engine, "rollup_vs_single_ratio", round(roll[0] / single[0], 2))
    emit(engine, "per_unit_loop_s", loop[0], loop[1:])
    emit(engine, "single_queries", len(s_single))
    emit(engine, "rollup_queries", len(s_roll))
    emit(engine, "single_table3_new_total", one["table3"]["new"]["total"])
    emit(engine, "rollup_table3_new_total", r.report["table3"]["new"]["total"])
    emit(engine, "rollup_checks_failed", sum(not c["ok"] for c in r.report["checks"]))


def main() -> None:
    year = year_argument()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_N", "1000000")))
    p.add_argument("--units", type=int, default=50)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default=os.environ.get("BENCH_ENGINE", "both"))
    args = p.parse_args()
    for engine in ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]:
        run(engine, args.requests, args.units, year)


if __name__ == "__main__":
    main()
