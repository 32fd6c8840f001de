"""Upgrading a database that holds requests from the previous release builds the search objects and
fills them (FTS5 'rebuild' / the GIN index over existing rows); `db check` stays clean on both engines."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from .test_migrations import _flask, fresh_db_url  # noqa: F401  (the fixture)

PREVIOUS = "acd1b6db095c"
ROW = (
    "INSERT INTO disclosure_request (agency_id, year, seq, number, applicant_type, applicant_name, id_type, channel, "
    "received_on, subject, content, status, due_provisional, withdrawn, source, created_at, updated_at, version) "
    "SELECT id, 2025, 1, '依申〔2025〕第0001号', 'natural_person', '张三丰', 'none', 'online', '2025-03-02', "
    "'棚户区改造', '申请公开棚户区改造项目的立项批复', 'concluded', FALSE, FALSE, 'manual', "
    "'2025-03-02 01:00:00', '2025-03-02 01:00:00', 1 FROM agency"
)


def test_upgrade_with_existing_requests_makes_them_searchable(fresh_db_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", PREVIOUS], env).returncode == 0
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text(ROW))
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr

    from tracker import create_app
    from tracker.disclosure.models import DisclosureRequest as R
    from tracker.disclosure.search import search_predicate
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        dialect = db.engine.dialect.name
        agency_id = db.session.scalar(text("SELECT id FROM agency"))
        for q in ("立项批复", "张三", "依申〔2025〕第0001号"):
            assert db.session.scalars(db.select(R.number).where(search_predicate(q, agency_id, dialect))).all() == [
                "依申〔2025〕第0001号"
            ], q
        # a request registered after the upgrade is found too: the search objects are kept up to date
        # (on SQLite by triggers, which a later migration recreating the table must not lose)
        db.session.execute(
            text(
                ROW.replace("2025, 1,", "2025, 2,")
                .replace("第0001号", "第0002号")
                .replace("棚户区改造项目", "老旧小区改造项目")
            )
        )
        db.session.commit()
        found = db.select(R.number).where(search_predicate("老旧小区改造", agency_id, dialect))
        assert db.session.scalars(found).all() == ["依申〔2025〕第0002号"]
        db.session.remove()
        db.engine.dispose()
    # and back down: the previous release's schema, still clean for its own check
    down = _flask(["db", "downgrade", PREVIOUS], env)
    assert down.returncode == 0, down.stderr
    engine.dispose()
