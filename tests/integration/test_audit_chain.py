"""The tamper-evident event log (issue 14): every event is chained per agency as it is written (one at a
time, set-based, by concurrent transactions); the database refuses UPDATE and DELETE of events, bulk ORM
statements and raw SQL included; with the triggers dropped (a DBA with owner rights), `flask audit verify`
names the changed event, or the one after a deleted event."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tracker import audit
from tracker.accounts.models import Agency
from tracker.audit import Event, EventChain
from tracker.extensions import db
from tracker.rules import event_chain

from .session_helpers import Tab

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _events(n: int, agency_id: int | None, kind: str = "auth.login") -> list[int]:
    evs = [
        audit.record(kind, subject_type="security", subject_id=None, agency_id=agency_id, data={"i": i})
        for i in range(n)
    ]
    db.session.commit()
    return [e.id for e in evs]


@pytest.fixture()
def two_agencies(agency):
    other = Agency(name="别的局", settings={})
    db.session.add(other)
    db.session.commit()
    return agency, other


def test_events_written_by_the_services_verify_per_agency(app_ctx, make_user, make_section, two_agencies):
    a, b = two_agencies
    make_user("admin", username="boss")
    make_section("投资科")
    make_user("office", ag=b, username="li")
    Tab(app_ctx).login("boss")
    Tab(app_ctx).login("nobody-has-this-name", "x")  # an event of no agency
    _events(3, b.id)
    result = _verify(app_ctx)
    assert result.exit_code == 0, result.output
    assert "测试区发展和改革局（机关编号" in result.output and "别的局（机关编号" in result.output
    assert "不属于任何机关的事件：1 条" in result.output and "每条链完整" in result.output
    total = db.session.scalar(select(func.count()).select_from(Event))
    assert f"共校验 {total} 条事件" in result.output
    # each chain begins at the genesis value and links every event to the one before it in id order
    for chain in (a.id, b.id):
        rows = db.session.execute(
            select(Event.prev_hash, Event.hash).where(Event.agency_id == chain).order_by(Event.id)
        )
        prev = event_chain.GENESIS
        for p, h in rows:
            assert p == prev
            prev = h
        assert db.session.get(EventChain, chain).last_hash == prev


def test_set_based_events_are_chained_in_one_insert_with_events_of_the_session(app_ctx, two_agencies):
    a, b = two_agencies
    audit.record("auth.login", subject_type="security", subject_id=None, agency_id=a.id)  # pending in the session
    audit.record_many(
        "request.deadline_recomputed",
        "request",
        [{"subject_id": i, "agency_id": (a.id, b.id, None)[i % 3], "data": {"due": [1, i]}} for i in range(30)],
        note="日历调整",
    )
    audit.record("auth.login", subject_type="security", subject_id=None, agency_id=a.id)
    db.session.commit()
    first = db.session.scalar(select(func.min(Event.id)).where(Event.agency_id == a.id))
    assert db.session.get(Event, first).kind == "auth.login"  # the pending event came first, as chained
    result = _verify(app_ctx)
    assert result.exit_code == 0, result.output
    assert db.session.get(EventChain, 0).seq == 10 and db.session.get(EventChain, a.id).seq == 12


def test_concurrent_transactions_of_one_agency_never_follow_the_same_event(app_ctx, agency):
    app, agency_id = app_ctx, agency.id
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(w: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(15):
                    audit.record(
                        "auth.login", subject_type="security", subject_id=w, agency_id=agency_id, data={"i": i}
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    prevs = db.session.scalars(select(Event.prev_hash).where(Event.agency_id == agency_id)).all()
    assert len(prevs) == 60 and len(set(prevs)) == 60
    assert _verify(app).exit_code == 0


def _forge(sql: str, **params) -> None:
    db.session.execute(text(sql), params)


@pytest.mark.parametrize(
    "attempt",
    [
        "orm_query_update",
        "orm_update_statement",
        "orm_query_delete",
        "orm_delete_statement",
        "orm_object",
        "core_update",
        "raw_update",
        "raw_delete",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(app_ctx, agency, attempt):
    ids = _events(2, agency.id)
    before = db.session.execute(select(Event.id, Event.note, Event.hash).order_by(Event.id)).all()
    with pytest.raises((DBAPIError, RuntimeError)) as refused:
        if attempt == "orm_query_update":
            db.session.query(Event).filter(Event.id == ids[0]).update({"note": "FORGED"})
        elif attempt == "orm_update_statement":
            db.session.execute(update(Event).where(Event.id == ids[0]).values(note="FORGED"))
        elif attempt == "orm_query_delete":
            db.session.query(Event).filter(Event.id == ids[0]).delete()
        elif attempt == "orm_delete_statement":
            db.session.execute(delete(Event).where(Event.id == ids[0]))
        elif attempt == "orm_object":
            db.session.get(Event, ids[0]).note = "FORGED"
            db.session.flush()
        elif attempt == "core_update":  # below the ORM: only the database's trigger stands in the way
            db.session.connection().execute(update(Event.__table__).values(note="FORGED"))
        elif attempt == "raw_update":
            _forge("UPDATE event SET note = 'FORGED'")
        else:
            _forge("DELETE FROM event WHERE id = :i", i=ids[0])
        db.session.commit()
    assert "append-only" in str(refused.value)
    db.session.rollback()
    assert db.session.execute(select(Event.id, Event.note, Event.hash).order_by(Event.id)).all() == before


def test_the_trigger_refuses_raw_sql_even_with_the_orm_guards_out_of_the_way(app_ctx, agency):
    """The same raw statements on a connection of its own (no session, no ORM listener)."""
    _events(1, agency.id)
    db.session.rollback()  # the session's read of the ids would make TRUNCATE wait for it
    for sql in ("UPDATE event SET note = 'FORGED'", "DELETE FROM event"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("TRUNCATE event"))
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.note == "FORGED")) == 0


@pytest.fixture()
def dba(app_ctx):
    """The triggers dropped, as the table's owner could: what verify must still catch."""
    with db.engine.begin() as conn:
        audit.drop_guard(conn)
    yield
    db.session.rollback()  # DROP TRIGGER waits for every transaction that read the table
    with db.engine.begin() as conn:
        audit.drop_guard(conn)
        audit.create_guard(conn)


def test_a_forged_note_is_named_by_verify(app_ctx, two_agencies, dba):
    a, b = two_agencies
    ids = _events(5, a.id, kind="auth.logout")
    _events(2, b.id)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE event SET note = 'FORGED' WHERE id = :i"), {"i": ids[2]})
    result = _verify(app_ctx)
    assert result.exit_code == 1
    assert (
        f"第一处断裂：测试区发展和改革局（机关编号 {a.id}）：事件 #{ids[2]}（退出登录 auth.logout，北京时间"
        in result.output
    )
    assert "内容与哈希不符" in result.output and "别的局（机关编号" in result.output  # its 2 events were checked
    assert "另：" not in result.output  # the other agency's chain is intact


def test_a_deleted_event_is_named_by_the_next_one(app_ctx, agency, dba):
    ids = _events(5, agency.id)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": ids[1]})
    result = _verify(app_ctx)
    assert result.exit_code == 1 and f"事件 #{ids[2]}（登录 auth.login" in result.output
    assert "不衔接" in result.output


def test_a_deleted_last_event_is_found_by_the_chain_head(app_ctx, agency, dba):
    ids = _events(3, agency.id)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": ids[-1]})
    result = _verify(app_ctx)
    assert result.exit_code == 1 and "末尾的事件被删除" in result.output


def test_a_changed_time_or_swapped_hash_is_named(app_ctx, agency, dba):
    ids = _events(4, agency.id)
    with db.engine.begin() as conn:  # the forger copies the stored hash of an untouched event: still caught
        conn.execute(
            text("UPDATE event SET created_at = (SELECT created_at FROM event WHERE id = :j) WHERE id = :i"),
            {"i": ids[3], "j": ids[0]},
        )
    result = _verify(app_ctx)
    assert result.exit_code == 1 and f"事件 #{ids[3]}" in result.output


def test_the_security_log_tells_admins_how_to_verify_the_chain(app_ctx, make_user):
    make_user("admin", username="boss")
    tab = Tab(app_ctx)
    tab.login("boss")
    page = tab.get("/admin/security-log").get_data(as_text=True)
    assert 'id="chain-hint"' in page and "flask --app tracker audit verify" in page


def test_the_migration_creates_the_same_triggers_as_create_all():
    """The migration writes its triggers out (so that it never changes); they are the application's."""
    import importlib.util
    from pathlib import Path

    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*issue14_event_hash_chain.py"))
    spec = importlib.util.spec_from_file_location("event_chain_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.GUARD_DDL == audit.GUARD_DDL and migration.GUARD_DROP == audit.GUARD_DROP
