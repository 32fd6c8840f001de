"""The migrations build exactly the schema of the models, on the engine under test."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _revision_below(name_part: str) -> str:
    """The down_revision of the migration whose file name contains ``name_part``: the schema of the release
    before it (whatever the migrations are chained onto when branches land)."""
    path = next((ROOT / "migrations" / "versions").glob(f"*{name_part}*.py"))
    return re.search(r"^down_revision = ['\"](\w+)['\"]", path.read_text(encoding="utf-8"), re.M).group(1)


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


def test_upgrade_carries_over_data_of_the_previous_release(fresh_db_url, tmp_path):
    """A database of the release before issue 11 (a delivered answer, a fee notice with its served date in
    details, a consultation, a review, a published report) upgrades to the current schema: the answer gets its
    letter row with the delivery mirrored, served dates are filled, the review is about a request, the frozen
    report keeps layout version 1 — and `db check` is clean."""
    from sqlalchemy import create_engine, text

    env = {**os.environ, "DATABASE_URL": fresh_db_url, "AGENCY_NAME": "某某市某某局", "INSTANCE_PATH": str(tmp_path)}
    up = _flask(["db", "upgrade", _revision_below("issue11_")], env)
    assert up.returncode == 0, up.stderr
    engine = create_engine(fresh_db_url)
    now = "2026-03-01 00:00:00+00:00"
    with engine.begin() as conn:
        agency = conn.execute(text("select id from agency")).scalar()
        common = (
            "agency_id, year, seq, number, applicant_type, applicant_name, id_type, channel, received_on, subject, "
            "content, due_provisional, withdrawn, source, created_at, updated_at, version"
        )
        values = (
            ":a, 2026, :seq, :num, 'natural_person', '张三', 'none', 'online', '2026-03-02', '摘要', '内容', "
            "false, false, 'manual', :now, :now, 1"
        )
        conn.execute(
            text(
                f"insert into disclosure_request ({common}, status, outcome, concluded_on, answer_date, "
                f"delivery_method, delivered_on) values ({values}, 'concluded', 'disclosed', '2026-03-10', "
                "'2026-03-10', 'post', '2026-03-11')"
            ),
            {"a": agency, "seq": 1, "num": "依申〔2026〕1号", "now": now},
        )
        conn.execute(
            text(f"insert into disclosure_request ({common}, status) values ({values}, 'paused')"),
            {"a": agency, "seq": 2, "num": "依申〔2026〕2号", "now": now},
        )
        done, paused = conn.execute(text("select id from disclosure_request order by seq")).scalars().all()
        conn.execute(
            text(
                "insert into clock_action (request_id, kind, state, started_on, window_end, details, created_at) "
                "values (:r, 'fee', 'open', '2026-03-04', '2026-04-02', :d, :now)"
            ),
            {"r": paused, "d": '{"amount": 100, "served_on": "2026-03-05"}', "now": now},
        )
        conn.execute(
            text(
                "insert into clock_action (request_id, kind, state, started_on, window_end, details, created_at) "
                "values (:r, 'consult_third_party', 'closed', '2026-03-03', '2026-03-24', '{}', :now)"
            ),
            {"r": paused, "now": now},
        )
        conn.execute(
            text(
                "insert into review (agency_id, request_id, kind, filed_on, created_at) "
                "values (:a, :r, 'reconsideration', '2026-04-01', :now)"
            ),
            {"a": agency, "r": done, "now": now},
        )
        conn.execute(
            text(
                "insert into report_snapshot (agency_id, year, figures, narrative, published_at) "
                "values (:a, 2025, '{}', '{}', :now)"
            ),
            {"a": agency, "now": now},
        )
    engine.dispose()

    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        letters = conn.execute(
            text("select request_id, key, kind, version, delivery_method, delivered_on, recipient from letter")
        ).all()
        served = dict(conn.execute(text("select kind, served_on from clock_action")).all())
        subject = conn.execute(text("select subject, request_id from review")).one()
        layout = conn.execute(text("select layout_version from report_snapshot")).scalar()
    engine.dispose()
    assert [(r[0], r[1], r[2], r[3], r[4], str(r[5]), r[6]) for r in letters] == [
        (done, "answer", "answer", 0, "post", "2026-03-11", "张三")
    ]
    assert str(served["fee"]) == "2026-03-05" and str(served["consult_third_party"]) == "2026-03-03"
    assert subject == ("request", done) and layout == 1
