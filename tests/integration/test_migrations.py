"""The migrations build exactly the schema of the models, on the engine under test."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _flask(args, env):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture()
def fresh_db_url(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        import psycopg

        base = database_url.rpartition("/")[0]
        name = f"tracker_mig_{uuid.uuid4().hex[:8]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{base}/{name}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


def test_upgrade_builds_complete_schema_with_one_agency(fresh_db_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "AGENCY_NAME": "某某市某某局", "INSTANCE_PATH": str(tmp_path)}
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr

    from sqlalchemy import create_engine, text

    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("select name from agency"))]
    engine.dispose()
    assert names == ["某某市某某局"]
