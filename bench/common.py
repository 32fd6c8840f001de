"""What every benchmark shares: the databases (generated once by bench/gen.py), the app, timing.

Each benchmark takes ``--n N`` (default BENCH_N, else 20,000) and ``--engine sqlite|postgresql|both``;
the SQLite file is /var/tmp/tracker-bench/bench-N.db and the PostgreSQL database tracker_bench_N on the
server of BENCH_PG_URL (default: the test cluster of scripts/pg-ensure.sh). Times are the median of
REPEATS runs after a warm-up, with min and max printed beside it (the spread).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/var/tmp/tracker-bench"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def arguments(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", "20000")))
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default=os.environ.get("BENCH_ENGINE", "both"))
    return p.parse_args()


def pg_server() -> str:
    url = os.environ.get("BENCH_PG_URL")
    if not url:
        url = subprocess.run(
            [str(ROOT / "scripts/pg-ensure.sh")], capture_output=True, text=True, check=True
        ).stdout.strip()
    return url.rpartition("/")[0]


def database_url(engine: str, n: int, kind: str = "bench") -> str:
    """The benchmark database of size n; ``kind`` names a data set other than gen.py's (its own file)."""
    if engine == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{BENCH_DIR}/{kind}-{n}.db"
    import psycopg

    base = pg_server()
    name = f"tracker_{kind}_{n}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def year_argument(default: int = 2025) -> int:
    """``--year Y`` taken off sys.argv (before ``arguments`` parses the rest), else `default`."""
    if "--year" not in sys.argv:
        return default
    i = sys.argv.index("--year")
    year = int(sys.argv[i + 1])
    del sys.argv[i : i + 2]
    return year


def engines(args) -> list[str]:
    return ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]


def app_for(url: str):
    from tracker import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "",
            "WTF_CSRF_ENABLED": False,
        }
    )


def prepared(engine: str, n: int):
    """The app on the generated database of size n (generated now if missing)."""
    from gen import generate

    url = database_url(engine, n)
    generate(url, n)
    return app_for(url)


def timed(fn, repeats: int = REPEATS) -> tuple[float, float, float]:
    """(median, min, max) seconds of fn() over `repeats` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def emit(engine: str, name: str, value, spread: tuple[float, float] | None = None, unit_scale: float = 1.0) -> None:
    """One `name=value` line, prefixed with the engine; a spread adds name_min / name_max lines."""
    if isinstance(value, float):
        print(f"{engine}_{name}={value * unit_scale:.4g}")
    else:
        print(f"{engine}_{name}={value}")
    if spread:
        print(f"{engine}_{name}_min={spread[0] * unit_scale:.4g}")
        print(f"{engine}_{name}_max={spread[1] * unit_scale:.4g}")
    sys.stdout.flush()


@contextmanager
def counted(engine_obj):
    """Count the statements sent to the database inside the block (executemany counts once)."""
    from sqlalchemy import event

    statements: list[str] = []

    def listener(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(engine_obj, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine_obj, "before_cursor_execute", listener)


def login(client, username: str, password: str = "bench-pass") -> None:
    resp = client.post("/login", data={"username": username, "password": password})
    if resp.status_code != 302:
        raise SystemExit(f"bench: login as {username} failed ({resp.status_code})")
