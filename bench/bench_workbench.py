"""The workbench (the landing page /, issue 13) of each role at size N, on a copy of the generated database
brought to the current schema by the migrations (bench/gen.py builds its databases with create_all at the
schema of its time; the copy is stamped there and upgraded, so the benchmark also times the upgrade).

Prints ``<engine>_workbench_<role>_ms`` (median, min, max of REPEATS) and the statements per page.
PostgreSQL only: the copy is CREATE DATABASE … TEMPLATE, which SQLite has no equivalent of at this size.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import ROOT, app_for, arguments, counted, emit, login, pg_server, timed

ROLES = {"office": "office1", "leader": "leader1", "section_head": "head3", "staff": "staff3_1"}
GENERATED_AT = "f15a0c3d2b71"  # the schema bench/gen.py's databases were built at (issue 15)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    import psycopg

    base = pg_server()
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    src, copy = f"tracker_bench_{args.n}", f"tracker_bench_{args.n}_current"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (src,)).fetchone():
            raise SystemExit(f"bench: generate {src} first (make bench N={args.n})")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (copy,)).fetchone():
            t0 = time.perf_counter()
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{src}"')
            emit("postgresql", "copy_s", time.perf_counter() - t0)
    url = f"{base}/{copy}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    flask = [sys.executable, "-m", "flask", "--app", "tracker", "db"]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        versioned = conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is not None
    if not versioned:
        subprocess.run([*flask, "stamp", GENERATED_AT], cwd=ROOT, env=env, check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run([*flask, "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    emit("postgresql", "upgrade_s", time.perf_counter() - t0)
    app = app_for(url)
    from flask import url_for

    with app.test_request_context():
        path = url_for("index")
    for role, username in ROLES.items():
        c = app.test_client()
        login(c, username)
        med, lo, hi = timed(lambda c=c: c.get(path))
        emit("postgresql", f"workbench_{role}_ms", med, (lo, hi), unit_scale=1000)
        with app.app_context():
            from tracker.extensions import db

            with counted(db.engine) as statements:
                c.get(path)
        emit("postgresql", f"workbench_{role}_statements", len(statements))


if __name__ == "__main__":
    main()
