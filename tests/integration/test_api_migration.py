"""Upgrading a database that holds requests of the previous release (issue 17's migration): they keep
every value and get no submission id, confirmation or status code (NULL repeats under the unique
(agency, submission_id)), `db check` is clean, a platform request can be added next to them; then back down."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from .api_helpers import body
from .test_migrations import _flask, fresh_db_url  # noqa: F401  (the fixture)

PREVIOUS = "0d80f4252597"


def test_upgrade_with_requests_of_the_previous_release(fresh_db_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", PREVIOUS], env).returncode == 0
    engine = create_engine(fresh_db_url)
    now = "2026-03-01 00:00:00+00:00"
    with engine.begin() as conn:
        for seq in (1, 2):
            conn.execute(
                text(
                    "insert into disclosure_request (agency_id, year, seq, number, applicant_type, applicant_name, "
                    "id_type, channel, received_on, subject, content, due_provisional, withdrawn, source, status, "
                    "created_at, updated_at, version) select id, 2026, :seq, :num, 'natural_person', '张三', 'none', "
                    "'online', '2026-03-02', '摘要', '内容', false, false, 'manual', 'registered', :now, :now, 1 "
                    "from agency"
                ),
                {"seq": seq, "num": f"依申〔2026〕第000{seq}号", "now": now},
            )
        conn.execute(
            text("insert into case_counter (agency_id, kind, year, last_seq) select id, 'request', :y, 2 from agency"),
            {"y": int(body()["confirmed_at"][:4])},
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    with engine.connect() as conn:
        rows = conn.execute(
            text("select number, submission_id, confirmed_at, status_code_hash from disclosure_request order by seq")
        ).all()
        assert [tuple(r) for r in rows] == [
            ("依申〔2026〕第0001号", None, None, None),
            ("依申〔2026〕第0002号", None, None, None),
        ]
        assert conn.execute(text("select count(*) from api_token")).scalar() == 0

    from tracker import create_app
    from tracker.accounts.models import Agency
    from tracker.api import tokens
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        _, secret = tokens.create_token(None, db.session.scalars(db.select(Agency)).first(), "平台")
        resp = app.test_client().post("/api/v1/requests", json=body(), headers={"Authorization": f"Bearer {secret}"})
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["number"].endswith("第0003号")  # numbering goes on after the old cases
        db.session.remove()
        db.engine.dispose()
    engine.dispose()
    down = _flask(["db", "downgrade", PREVIOUS], env)
    assert down.returncode == 0, down.stderr
