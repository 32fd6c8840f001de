"""Upgrading a database of the previous release to the report indexes that carry the delivery date
(e16c5d2f8a90): its requests keep every value, both covering indexes end with delivered_on, `db check`
is clean, the roll-up counts the old cases answered late from them; then back down to the indexes
without it."""

from __future__ import annotations

import os
from datetime import date

from sqlalchemy import create_engine, inspect, text

from .test_migrations import _flask, _revision_below, fresh_db_url  # noqa: F401  (the fixture)

INDEXES = ("ix_request_agency_received", "ix_request_agency_concluded")


def _columns(engine) -> dict[str, list[str]]:
    found = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("disclosure_request")}
    return {name: found[name] for name in INDEXES}


def test_upgrade_adds_the_delivery_date_to_the_report_indexes(fresh_db_url, tmp_path):  # noqa: F811
    previous = _revision_below("report_indexes_delivered_on")
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "INSTANCE_PATH": str(tmp_path)}
    assert _flask(["db", "upgrade", previous], env).returncode == 0
    engine = create_engine(fresh_db_url)
    before = _columns(engine)
    assert all("delivered_on" not in cols for cols in before.values())
    now = "2026-03-01 00:00:00+00:00"
    with engine.begin() as conn:
        for seq, delivered in ((1, "2026-04-10"), (2, "2026-03-20")):  # due 2026-03-30: the first is late
            conn.execute(
                text(
                    "insert into disclosure_request (agency_id, year, seq, number, applicant_type, applicant_name, "
                    "id_type, channel, received_on, subject, content, due_provisional, withdrawn, source, status, "
                    "due_date, concluded_on, delivered_on, outcome, created_at, updated_at, version) "
                    "select id, 2026, :seq, :num, 'natural_person', '张三', 'none', 'online', '2026-03-02', '摘要', "
                    "'内容', false, false, 'manual', 'concluded', '2026-03-30', :delivered, :delivered, 'disclosed', "
                    ":now, :now, 1 from agency"
                ),
                {"seq": seq, "num": f"依申〔2026〕第000{seq}号", "now": now, "delivered": delivered},
            )
    up = _flask(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    check = _flask(["db", "check"], env)
    assert "No new upgrade operations detected" in check.stdout + check.stderr, check.stdout + check.stderr
    after = _columns(engine)
    assert after == {name: [*cols, "delivered_on"] for name, cols in before.items()}

    from tracker import create_app
    from tracker.accounts.models import Agency
    from tracker.extensions import db
    from tracker.reports.rollup import derive_rollup

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_db_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        agency_id = db.session.scalars(db.select(Agency.id)).first()
        rollup = derive_rollup(agency_id, 2026, today=date(2026, 12, 1))
        unit = rollup.unit(agency_id)
        assert unit.report["table3"]["total"]["total"] == 2 and unit.late == 1
        db.session.remove()
        db.engine.dispose()
    down = _flask(["db", "downgrade", previous], env)
    assert down.returncode == 0, down.stderr
    assert _columns(engine) == before
    engine.dispose()
