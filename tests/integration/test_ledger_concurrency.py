"""Imports are serialised per agency and the database keeps 编号 unique per agency (issue 14): two imports of
the same file at the same moment never create a case twice, on SQLite and on PostgreSQL; the command line
obeys the same lock and bounds."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import csrf_token
from tracker.disclosure.models import DisclosureRequest
from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.ledger import jobs, runs
from tracker.ledger.models import ImportJob
from tracker.ledger.parse import LedgerInvalid
from tracker.ledger.service import TAKEN, import_ledger

TODAY = date(2024, 6, 30)
HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"


def ledger(n: int, numbered: bool = True) -> bytes:
    rows = [
        f"{f'C-{i}' if numbered else ''},2023-03-{1 + i % 28:02d},自然人,申请人{i},,内容{i},综合科,2023-04-01,予以公开,"
        for i in range(n)
    ]
    return (HEADER + "\n" + "\n".join(rows) + "\n").encode()


def requests_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(DisclosureRequest))


def duplicates() -> list:
    """Cases that exist twice: by number, and by what an unnumbered row is matched on."""
    R = DisclosureRequest
    by_number = db.session.execute(select(R.number).group_by(R.agency_id, R.number).having(func.count() > 1)).all()
    by_content = db.session.execute(
        select(R.received_on, R.applicant_name, R.content)
        .group_by(R.agency_id, R.received_on, R.applicant_name, R.content)
        .having(func.count() > 1)
    ).all()
    return by_number + by_content


def in_thread(app, fn):
    """Run ``fn`` in a thread with its own app context (its own session); the thread and a dict that
    receives ``result`` or ``error``."""
    out: dict = {}

    def target():
        with app.app_context():
            try:
                out["result"] = fn()
            except Exception as e:  # noqa: BLE001 - the test inspects it
                out["error"] = e
            finally:
                db.session.remove()

    t = threading.Thread(target=target)
    t.start()
    return t, out


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_a_second_import_while_the_first_runs_is_refused_and_nothing_is_doubled(app_ctx, agency, numbered):
    """The first import is held inside its lock (between reading the database and writing); the second
    import of the same agency is refused with a Chinese message; afterwards the cases exist once."""
    data = ledger(200, numbered)
    inside, go_on = threading.Event(), threading.Event()
    agency_id = agency.id

    def holding(stage: str, done: int, total: int) -> None:
        if stage == "核对系统中已有的记录":
            inside.set()
            assert go_on.wait(30)

    def first():
        from tracker.accounts.models import Agency

        a = db.session.get(Agency, agency_id)
        return import_ledger(None, "台账.csv", data, agency=a, today=TODAY, who="甲", progress=holding)

    t, out = in_thread(app_ctx, first)
    assert inside.wait(30)
    with pytest.raises(runs.ImportBusy) as busy:
        import_ledger(None, "台账.csv", data, agency=agency, today=TODAY, who="乙")
    assert busy.value.message.startswith("另一个导入正在进行（命令行于") and "“台账.csv”" in busy.value.message
    go_on.set()
    t.join(60)
    assert "error" not in out, out
    assert out["result"].counts["requests"].created == 200
    assert requests_count() == 200 and duplicates() == []
    # the loser tries again once the first has finished: everything is already there
    again = import_ledger(None, "台账.csv", data, agency=agency, today=TODAY, who="乙")
    assert vars(again.counts["requests"]) == {"created": 0, "updated": 0, "unchanged": 200}
    assert requests_count() == 200 and duplicates() == []


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_two_imports_started_at_the_same_moment_create_every_case_once(app_ctx, agency, numbered):
    data = ledger(300, numbered)
    barrier = threading.Barrier(2)
    agency_id = agency.id

    def importer():
        from tracker.accounts.models import Agency

        a = db.session.get(Agency, agency_id)
        db.session.commit()
        barrier.wait(30)
        return import_ledger(None, "台账.csv", data, agency=a, today=TODAY, who="并发")

    threads = [in_thread(app_ctx, importer) for _ in range(2)]
    for t, _ in threads:
        t.join(120)
    outcomes = [out for _, out in threads]
    created = [o["result"].counts["requests"].created for o in outcomes if "result" in o]
    refused = [o["error"] for o in outcomes if "error" in o]
    # one wins and creates every case; the other is refused (it overlapped) or, if it started after the
    # first had committed, finds them all unchanged
    assert sorted(created) in ([300], [0, 300]), outcomes
    assert all(isinstance(e, runs.ImportBusy) and "另一个导入正在进行" in e.message for e in refused), refused
    assert len(created) + len(refused) == 2
    assert requests_count() == 300 and duplicates() == []
    assert db.session.scalar(select(func.count()).select_from(ImportJob).where(ImportJob.state == "importing")) == 0


def test_the_database_refuses_a_second_case_with_the_same_number_in_an_agency(app_ctx, agency, make_user):
    import_ledger(None, "台账.csv", ledger(1), agency=agency, today=TODAY, who="测试")
    row = {
        c.name: getattr(db.session.scalars(select(DisclosureRequest)).one(), c.name)
        for c in DisclosureRequest.__table__.columns
        if c.name != "id"
    }
    with pytest.raises(IntegrityError):
        db.session.execute(insert(DisclosureRequest.__table__).values({**row, "seq": row["seq"] + 1}))
    db.session.rollback()
    assert requests_count() == 1


def test_a_number_taken_between_the_check_and_the_commit_rolls_the_whole_import_back(app_ctx, agency, monkeypatch):
    """Whatever writes the same 编号 meanwhile (a registration in the web form), the unique index refuses
    the import's commit: a clear message and nothing written, the lock released."""
    from tracker.ledger import service

    import_ledger(None, "first.csv", ledger(1), agency=agency, today=TODAY, who="测试")
    existing = db.session.scalars(select(DisclosureRequest)).one()
    row = {c.name: getattr(existing, c.name) for c in DisclosureRequest.__table__.columns if c.name != "id"}
    db.session.commit()
    write = service._write

    def sneak_then_write(*args, **kwargs):  # checked and planned; before the import's first write
        with db.engine.begin() as conn:
            conn.execute(
                insert(DisclosureRequest.__table__).values({**row, "number": "C-5", "seq": 999, "source": "web"})
            )
        return write(*args, **kwargs)

    monkeypatch.setattr(service, "_write", sneak_then_write)
    with pytest.raises(ConflictError) as e:
        import_ledger(None, "t.csv", ledger(10), agency=agency, today=TODAY, who="测试")
    assert e.value.message == TAKEN
    assert requests_count() == 2  # the first import's C-0 and the sneaked C-5; none of the other nine
    assert db.session.scalar(select(func.count()).select_from(ImportJob).where(ImportJob.state == "importing")) == 0


# ------------------------------------------------------------------------------------------ upload page


def _upload(client, data: bytes) -> str:
    page = client.get("/ledger/").get_data(as_text=True)
    resp = client.post(
        "/ledger/",
        data={"csrf_token": csrf_token(page), "kind": "", "file": (io.BytesIO(data), "台账.csv")},
        content_type="multipart/form-data",
    )
    jobs.wait()
    return resp.location


def test_the_upload_page_refuses_a_confirmation_while_another_import_runs(client, login, make_user):
    office = make_user("office")
    login(office)
    first, second = _upload(client, ledger(20)), _upload(client, ledger(20))
    token = first.rsplit("/", 1)[-1]
    job = db.session.scalars(select(ImportJob).where(ImportJob.token == token)).one()
    runs.acquire(job.agency_id, job_id=job.id)  # the first is being imported (its worker holds the lock)
    page = client.get(second).get_data(as_text=True)
    resp = client.post(second + "/confirm", data={"csrf_token": csrf_token(page)})
    jobs.wait()
    assert resp.status_code == 302 and resp.location.endswith(second)
    shown = client.get(resp.location).get_data(as_text=True)
    assert "另一个导入正在进行" in shown and "确认导入" in shown  # still checked: to be confirmed again
    resp = client.post(
        second + "/confirm", data={"csrf_token": csrf_token(page)}, headers={"X-Requested-With": "XMLHttpRequest"}
    )
    assert resp.status_code == 400 and "另一个导入正在进行" in resp.get_json()["error"]
    assert requests_count() == 0
    runs.finish(job.id, "failed", error="test")  # the first ends; the second can go now
    post = client.post(second + "/confirm", data={"csrf_token": csrf_token(page)})
    jobs.wait()
    assert "导入完成" in client.get(post.location).get_data(as_text=True)
    assert requests_count() == 20


def test_the_upload_request_only_stores_the_file_the_check_runs_in_the_background(client, login, make_user):
    office = make_user("office")
    login(office)
    page = client.get("/ledger/").get_data(as_text=True)
    started = threading.Event()
    release = threading.Event()
    original = jobs._run

    def slow_run(app, job_id, dry_run):
        started.set()
        assert release.wait(30)
        original(app, job_id, dry_run)

    jobs._run = slow_run
    try:
        resp = client.post(
            "/ledger/",
            data={"csrf_token": csrf_token(page), "kind": "", "file": (io.BytesIO(ledger(5)), "台账.csv")},
            content_type="multipart/form-data",
        )
        # the request answered while the check had not even started
        assert resp.status_code == 302 and started.wait(10)
        assert client.get(resp.location + "/progress").get_json()["running"] is True
    finally:
        release.set()
        jobs.wait()
        jobs._run = original
    assert client.get(resp.location + "/progress").get_json()["state"] == "checked"


# ---------------------------------------------------------------------------------------- command line


def test_the_command_line_obeys_the_bounds_and_the_lock(app_ctx, agency, tmp_path):
    runner = app_ctx.test_cli_runner()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            for _ in range(300):
                part.write(b"a" * 2**20)
    result = runner.invoke(args=["import-ledger", str(bomb)])
    assert result.exit_code == 1 and "解压后共 300 MB，超过导入上限 200 MB" in result.output
    many = tmp_path / "many.csv"
    many.write_bytes((HEADER + "\n" + "x\n" * 100_100).encode())
    result = runner.invoke(args=["import-ledger", str(many)])
    assert result.exit_code == 1 and "超过导入上限 100000 行数据" in result.output

    good = tmp_path / "good.csv"
    good.write_bytes(ledger(3))
    held = runs.acquire(agency.id, filename="other.xlsx")
    result = runner.invoke(args=["import-ledger", str(good)])
    assert result.exit_code == 2 and "另一个导入正在进行（命令行于" in result.output and "other.xlsx" in result.output
    assert requests_count() == 0
    runs.release(held)
    result = runner.invoke(args=["import-ledger", str(good)])
    assert result.exit_code == 0 and requests_count() == 3
    job = db.session.scalars(select(ImportJob).where(ImportJob.state == "imported")).one()
    assert job.user_id is None and job.file_path is None and job.result["counts"]["requests"]["created"] == 3
    assert job.started_at <= job.heartbeat_at and job.finished_at.tzinfo is not None


def test_a_refused_direct_import_leaves_no_job_row(app_ctx, agency):
    with pytest.raises(LedgerInvalid):
        import_ledger(None, "t.csv", (HEADER + "\nx,,,,,,,,,\n").encode(), agency=agency, today=TODAY)
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


# --------------------------------------------------------------------------------------------- a kill


@pytest.mark.slow
def test_a_killed_import_process_is_interrupted_within_the_stale_time_and_wrote_nothing(
    app_ctx, agency, database_url, tmp_path
):
    """A real kill: `flask import-ledger` of a large file in a process of its own, killed (SIGKILL) while it
    runs. Its job beat while it ran; once the beat is older than the stale time the job is interrupted,
    the lock is free, and not one of its cases is in the database."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    big = tmp_path / "big.csv"
    big.write_bytes(ledger(40_000))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRACKER_ENV": "testing",
        "SECRET_KEY": "x",
        "INSTANCE_PATH": str(tmp_path),
        "LEDGER_HEARTBEAT_SECONDS": "0.2",
    }
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "import-ledger", str(big), "--agency", agency.name],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        beats = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(beats) < 3:
            db.session.expire_all()
            job = db.session.scalars(select(ImportJob)).first()
            db.session.commit()
            if job is not None and job.state == "importing":
                beats.add(job.heartbeat_at)
            assert proc.poll() is None, "the import ended before it could be killed"
            time.sleep(0.1)
        assert len(beats) >= 3  # it beats while it runs (the start, then at least two beats)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    db.session.expire_all()
    job = db.session.scalars(select(ImportJob)).one()
    assert job.state == "importing"  # nobody has noticed yet
    app_ctx.config["LEDGER_JOB_STALE_SECONDS"] = 2
    try:
        with pytest.raises(runs.ImportBusy):  # within the stale time the lock holds
            import_ledger(None, "t.csv", ledger(3), agency=agency, today=TODAY, who="测试")
        time.sleep(2.5)
        assert runs.reap() == 1
    finally:
        app_ctx.config["LEDGER_JOB_STALE_SECONDS"] = 45
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.state == "interrupted" and "处理中断" in job.error and job.finished_at is not None
    assert requests_count() == 0  # its transaction never committed
    import_ledger(None, "t.csv", ledger(3), agency=agency, today=TODAY, who="测试")  # the lock is free
    assert requests_count() == 3


def test_on_sqlite_a_confirmation_while_another_import_writes_is_refused_not_an_error(app_ctx, agency):
    """SQLite lets one connection write at a time: while an import writes, taking the lock waits for the
    busy timeout and is then refused with a message (never "database is locked" as a 500)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes concurrently; the lock there is the index alone (tested above)")
    with db.engine.connect() as writer:
        writer.exec_driver_sql("BEGIN IMMEDIATE")  # what an import holds while it writes
        try:
            with pytest.raises(runs.ImportBusy) as busy:
                runs.acquire(agency.id, filename="t.csv")
        finally:
            writer.exec_driver_sql("ROLLBACK")
    assert busy.value.message == runs.LOCKED
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0
