"""Upgrading a database that holds events of the previous release (issue 14's event-chain migration): the
events are chained in id order per agency (more than one batch), verify passes, `db check` stays clean, the
database then refuses UPDATE and DELETE of events, new events continue the chains; then back down."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from .test_migrations import _flask, _revision_below, fresh_db_url  # noqa: F401  (the fixture)

N = 5003  # the migration chains in batches of 5000


def test_upgrade_chains_the_events_of_the_previous_release(fresh_db_url, tmp_path):  # noqa: F811
    previous = _revision_below("issue14_event_hash_chain")
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", previous], env).returncode == 0
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO agency (name, settings, created_at) VALUES ('第二个局', '{}', '2025-01-01 00:00:00')")
        )
        conn.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "
                "INSERT INTO event (agency_id, subject_type, subject_id, kind, created_at, data, note) "
                "SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE (SELECT min(id) FROM agency) + i % 2 END, "
                "'request', i, 'request.registered', '2025-03-02 01:00:00', '{\"i\": [1, \"二\"]}', "
                "CASE WHEN i % 5 = 0 THEN '备注' END FROM n"
            ),
            {"n": N},
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    verify = _flask(["audit", "verify"], env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"共校验 {N} 条事件，3 条链" in verify.stdout
    assert f"不属于任何机关的事件：{N // 3} 条" in verify.stdout

    for sql in ("UPDATE event SET note = 'FORGED'", "DELETE FROM event"):
        with engine.connect() as conn:
            try:
                conn.execute(text(sql))
                raise AssertionError(f"{sql} was not refused")
            except Exception as e:  # noqa: BLE001 - the driver's error class differs per engine
                assert "append-only" in str(e)

    from tracker import audit, create_app
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        for agency_id in (None, 1, 2):
            audit.record("auth.login", subject_type="security", subject_id=None, agency_id=agency_id)
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and f"共校验 {N + 3} 条事件" in result.output, result.output
        db.session.remove()
        db.engine.dispose()
    down = _flask(["db", "downgrade", previous], env)
    assert down.returncode == 0, down.stderr
    with engine.connect() as conn:  # back down: the previous release's schema, its events still there
        assert conn.execute(text("SELECT count(*) FROM event")).scalar() == N + 3
    engine.dispose()
