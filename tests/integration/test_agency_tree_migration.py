"""Upgrading a database of the previous release to the agency tree (issue 16's migration): every agency
becomes a root unit with path /<id>/, every published report keeps its figures as scope 'unit', `db check`
is clean, a sub-unit created afterwards gets its parent's path, a roll-up snapshot may sit beside the
unit's own of the same year, and the migration goes back down."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from .test_migrations import _flask, _revision_below, fresh_db_url  # noqa: F401  (the fixture)


def test_upgrade_makes_every_agency_a_root_and_keeps_snapshots(fresh_db_url, tmp_path):  # noqa: F811
    previous = _revision_below("issue16_agency_tree")
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", previous], env).returncode == 0
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO agency (name, settings, created_at) VALUES ('第二个局', '{}', '2025-01-01 00:00:00')")
        )
        conn.execute(
            text(
                "INSERT INTO report_snapshot (agency_id, year, figures, narrative, layout_version, published_at) "
                "SELECT id, 2025, '{\"year\": 2025}', '{}', 2, '2026-01-20 00:00:00' FROM agency"
            )
        )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, parent_id, path, population FROM agency ORDER BY id")).all()
        assert len(rows) == 2
        assert [tuple(r) for r in rows] == [(r.id, None, f"/{r.id}/", None) for r in rows]
        scopes = conn.execute(text("SELECT scope, unit_snapshots FROM report_snapshot ORDER BY id")).all()
        assert [tuple(s) for s in scopes] == [("unit", None), ("unit", None)]

    from tracker import create_app
    from tracker.accounts.models import Agency, subtree_ids
    from tracker.extensions import db
    from tracker.reports.models import ReportSnapshot

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        root = db.session.scalars(db.select(Agency).order_by(Agency.id)).first()
        child = Agency(name="某街道办事处", settings={}, parent_id=root.id)
        db.session.add(child)
        db.session.flush()
        grandchild = Agency(name="某社区", settings={}, parent_id=child.id)
        db.session.add(grandchild)
        db.session.commit()
        assert child.path == f"/{root.id}/{child.id}/"
        assert grandchild.path == f"/{root.id}/{child.id}/{grandchild.id}/"
        assert set(db.session.scalars(subtree_ids(root.id))) == {root.id, child.id, grandchild.id}
        assert set(db.session.scalars(subtree_ids(child.id))) == {child.id, grandchild.id}
        db.session.add(ReportSnapshot(agency_id=root.id, year=2025, scope="with_units", figures={}, narrative={}))
        db.session.commit()  # beside the unit's own 2025 snapshot
        db.session.add(ReportSnapshot(agency_id=root.id, year=2025, scope="with_units", figures={}, narrative={}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    engine.dispose()
    down = _flask(["db", "downgrade", previous], env)
    assert down.returncode == 0, down.stderr
