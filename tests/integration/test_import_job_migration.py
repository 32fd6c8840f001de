"""Upgrading a database of the previous release that holds imported cases (issue 14's import_job
migration): the cases stay, `db check` is clean, the lock's partial unique index works on the upgraded
database (a second importing job of the agency is refused), an import of the same ledger changes
nothing; then back down."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from .test_migrations import _flask, fresh_db_url  # noqa: F401  (the fixture)

PREVIOUS = "0d80f4252597"


def test_upgrade_with_imported_cases(fresh_db_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", PREVIOUS], env).returncode == 0
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO disclosure_request (agency_id, year, seq, number, received_on, applicant_type, "
                "applicant_name, id_type, channel, subject, content, status, due_provisional, withdrawn, "
                "source, created_at, updated_at, version) SELECT id, 2023, 1, 'C-0', '2023-03-01', "
                "'natural_person', '申请人0', 'none', 'in_person', '内容0', '内容0', 'registered', FALSE, FALSE, "
                "'import', '2023-03-02 01:00:00', '2023-03-02 01:00:00', 1 FROM agency"
            )
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT number FROM disclosure_request")).scalars().all() == ["C-0"]

    row = (
        "INSERT INTO import_job (token, agency_id, kind, filename, state, progress, result, created_at) "
        "SELECT :t, id, 'ledger', 'a.csv', :s, '{}', '{}', '2026-01-01 00:00:00' FROM agency"
    )
    with engine.begin() as conn:
        conn.execute(text(row), {"t": "a", "s": "importing"})
        conn.execute(text(row), {"t": "b", "s": "checked"})  # only importing jobs are exclusive
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(row), {"t": "c", "s": "importing"})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM import_job"))
    engine.dispose()

    from datetime import date

    from tracker import create_app
    from tracker.accounts.models import Agency
    from tracker.extensions import db
    from tracker.ledger.service import import_ledger

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)}
    )
    with app.app_context():
        agency = db.session.scalars(db.select(Agency)).first()
        data = (
            "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注\n"
            "C-0,2023-03-01,自然人,申请人0,当面,内容0,,,,\n"
        ).encode()
        summary = import_ledger(None, "t.csv", data, agency=agency, today=date(2024, 6, 30), who="测试")
        assert vars(summary.counts["requests"]) == {"created": 0, "updated": 0, "unchanged": 1}
        db.session.remove()
        db.engine.dispose()
    down = _flask(["db", "downgrade", PREVIOUS], env)
    assert down.returncode == 0, down.stderr
