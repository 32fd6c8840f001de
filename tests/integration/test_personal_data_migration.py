"""Upgrading a database that holds requests of the previous release (issue 14's personal-data migration):
every case keeps its data and is not anonymised, who opened it is recorded from then on, `db check` stays
clean, and the downgrade keeps the search working (the FTS5 triggers of SQLite survive it)."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from .test_migrations import _flask, fresh_db_url  # noqa: F401  (the fixture)

PREVIOUS = "0d80f4252597"

INSERT = (
    "INSERT INTO disclosure_request (agency_id, year, seq, number, applicant_type, applicant_name, id_type, "
    "id_number, phone, channel, received_on, subject, content, status, due_provisional, withdrawn, source, "
    "created_at, updated_at, version) SELECT id, 2025, :seq, :number, 'natural_person', '王五', 'resident_id', "
    "'11010519491231002X', '13812348000', 'online', '2025-03-03', '某项目', '请公开某项目的批复', 'concluded', "
    "FALSE, FALSE, 'manual', '2025-03-03 01:00:00', '2025-03-03 01:00:00', 1 FROM agency"
)


def test_upgrade_with_existing_requests(fresh_db_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", PREVIOUS], env).returncode == 0
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"seq": 1, "number": "依申〔2025〕第0001号"})
        conn.execute(
            text(
                "INSERT INTO user_account (agency_id, username, display_name, password_hash, active, role, "
                "created_at, session_token, must_change_password) SELECT id, 'alpha', 'alpha', 'x', TRUE, "
                "'office', '2025-03-02 01:00:00', :token, FALSE FROM agency"
            ),
            {"token": "t" * 64},
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id_number, phone, anonymised_at FROM disclosure_request")).one()
        assert tuple(row) == ("11010519491231002X", "13812348000", None)
        assert conn.execute(text("SELECT count(*) FROM case_view")).scalar() == 0

    from tracker import create_app, personal
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        rid, aid = db.session.execute(text("SELECT id, agency_id FROM disclosure_request")).one()
        uid = db.session.execute(text("SELECT id FROM user_account WHERE username = 'alpha'")).scalar()
        for _ in range(2):
            personal.upsert_view(uid, aid, "request", rid)
        assert db.session.execute(text("SELECT count, user_id FROM case_view")).one() == (2, uid)
        db.session.remove()
        db.engine.dispose()
    down = _flask(["db", "downgrade", PREVIOUS], env)
    assert down.returncode == 0, down.stderr
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"seq": 2, "number": "依申〔2025〕第0002号"})  # the search triggers still run
        assert conn.execute(text("SELECT count(*) FROM disclosure_request")).scalar() == 2
        if engine.dialect.name == "sqlite":
            found = conn.execute(text("SELECT count(*) FROM request_fts WHERE request_fts MATCH '某项目'")).scalar()
            assert found == 2
    engine.dispose()
