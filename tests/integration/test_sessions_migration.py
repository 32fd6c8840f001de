"""Upgrading a database that holds users of the previous release (issue 14's migration): every user gets
a session token of their own, nobody is forced to change a password, the old password still signs in,
and `db check` stays clean; then back down."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from .test_migrations import _flask, fresh_db_url  # noqa: F401  (the fixture)

PREVIOUS = "f15a0c3d2b71"


def test_upgrade_with_existing_users(fresh_db_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", PREVIOUS], env).returncode == 0
    engine = create_engine(fresh_db_url)
    pw = generate_password_hash("old-password", method="pbkdf2:sha256:1")
    with engine.begin() as conn:
        for name in ("alpha", "beta"):
            conn.execute(
                text(
                    "INSERT INTO user_account (agency_id, username, display_name, password_hash, active, role, "
                    "created_at) SELECT id, :n, :n, :pw, TRUE, 'office', '2025-03-02 01:00:00' FROM agency"
                ),
                {"n": name, "pw": pw},
            )
        conn.execute(
            text(
                "INSERT INTO event (agency_id, subject_type, subject_id, kind, created_at, data) "
                "SELECT id, 'user', 1, 'user.created', '2025-03-02 01:00:00', '{}' FROM agency"
            )
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT session_token, must_change_password FROM user_account")).all()
    assert len(rows) == 2 and len({r[0] for r in rows}) == 2 and all(len(r[0]) == 64 for r in rows)
    assert not any(r[1] for r in rows)

    from tracker import create_app
    from tracker.accounts.auth import Client, sign_in
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        assert sign_in("alpha", "old-password", Client("127.0.0.1")).user is not None
        db.session.remove()
        db.engine.dispose()
    down = _flask(["db", "downgrade", PREVIOUS], env)
    assert down.returncode == 0, down.stderr
    engine.dispose()
