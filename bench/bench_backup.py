"""Backup, verify and restore (issue 14): time and archive size, on two databases per engine.

    .venv/bin/python bench/bench_backup.py [--n N] [--engine sqlite|postgresql|both]

- demo_*: a database of its own built by the migrations and `demo-data`, plus ATTACHMENTS attachment files of
  100 KB of random bytes each (incompressible, like scans and PDFs);
- gen_*: the generated database of N requests (bench/gen.py; no attachment files).

The operations run in-process (tracker.backup.service, as the commands call them; the command adds the app's
start, about 2 s). Each restore goes into a new empty database and folder, made outside the timing. Prints per
engine and database: <db>_backup_s, <db>_verify_s, <db>_restore_s (median of REPEATS runs after a warm-up,
with min and max), <db>_archive_mb and <db>_rows.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from common import REPEATS, ROOT, arguments, database_url, emit, engines, pg_server

ATTACHMENTS = int(os.environ.get("BENCH_BACKUP_ATTACHMENTS", "200"))


def _new_database(engine: str, tmp: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"
    import psycopg

    base = pg_server()
    name = f"tracker_bench_bk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin(base), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _admin(base: str) -> str:
    return base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(_admin(base), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def _app(url: str, folder: Path):
    from tracker import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(folder),
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "",
        }
    )


def _demo(engine: str, tmp: Path):
    import flask_migrate

    from tracker.attachments import Upload, new_attachment
    from tracker.demo import load_demo
    from tracker.disclosure.models import DisclosureRequest
    from tracker.extensions import db

    app = _app(_new_database(engine, tmp), tmp / "demo_uploads")
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        load_demo(seed=2026, env_name="testing")
        ids = db.session.scalars(db.select(DisclosureRequest.id).order_by(DisclosureRequest.id)).all()
        agency_id = db.session.scalar(db.select(DisclosureRequest.agency_id).limit(1))
        for i in range(ATTACHMENTS):
            data = b"%PDF-1.7\n" + os.urandom(100 * 1024)
            new_attachment(
                None,
                Upload(f"扫描件{i}.pdf", data),
                agency_id=agency_id,
                subject_type="request",
                subject_id=ids[i % len(ids)],
                kind="application",
            )
        db.session.commit()
        db.session.remove()
    return app


def _median(times: list[float]) -> tuple[float, tuple[float, float]]:
    return statistics.median(times), (min(times), max(times))


def measure(engine: str, label: str, app, tmp: Path) -> None:
    from tracker.backup import service

    quiet = lambda _m: None  # noqa: E731
    archive = tmp / f"{label}.tar.gz"
    backups, verifies, restores = [], [], []
    for i in range(REPEATS + 1):
        with app.app_context():
            t0 = time.perf_counter()
            manifest = service.backup(archive, force=True, say=quiet)
            t1 = time.perf_counter()
            service.check(archive, say=quiet)
            t2 = time.perf_counter()
        target_url, target_folder = _new_database(engine, tmp), tmp / f"restore_{uuid.uuid4().hex[:6]}"
        target = _app(target_url, target_folder)
        with target.app_context():
            t3 = time.perf_counter()
            service.restore(archive, say=quiet)
            t4 = time.perf_counter()
            from tracker.extensions import db

            db.session.remove()
            db.engine.dispose()
        _drop(target_url)
        shutil.rmtree(target_folder, ignore_errors=True)
        if i:  # the first round is the warm-up
            backups.append(t1 - t0)
            verifies.append(t2 - t1)
            restores.append(t4 - t3)
    for name, times in (("backup_s", backups), ("verify_s", verifies), ("restore_s", restores)):
        value, spread = _median(times)
        emit(engine, f"{label}_{name}", value, spread)
    emit(engine, f"{label}_archive_mb", round(archive.stat().st_size / 1024 / 1024, 2))
    emit(engine, f"{label}_rows", manifest["rows"])
    emit(engine, f"{label}_attachments", manifest["attachments"]["count"])


if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    for engine in engines(args):
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp_name:
            tmp = Path(tmp_name)
            demo = _demo(engine, tmp)
            try:
                measure(engine, "demo", demo, tmp)
            finally:
                with demo.app_context():
                    from tracker.extensions import db

                    db.engine.dispose()
                _drop(demo.config["SQLALCHEMY_DATABASE_URI"])
            from gen import generate

            url = database_url(engine, args.n)
            generate(url, args.n, quiet=True)
            measure(engine, "gen", _app(url, tmp / "gen_uploads"), tmp)
