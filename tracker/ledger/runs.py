"""The import lock, the heartbeat and the reaper of `import_job` rows (tracker.ledger.models).

- ``acquire``: a job becomes `importing` (a new row for the command line and direct calls, the checked
  job of the upload page); the partial unique index admits one per agency and kind, so a second import
  is refused with "另一个导入正在进行…" until the first has committed or stopped. The import's own
  transaction ends the job (``finish_in``), so the data and the job's `imported` commit together.
- ``heartbeat``: while a job runs, a thread writes its heartbeat and progress every
  LEDGER_HEARTBEAT_SECONDS on a connection of its own (a failed write, e.g. SQLite busy while the import
  writes, is tried again at the next beat).
- ``reap``: a running job whose heartbeat is older than LEDGER_JOB_STALE_SECONDS lost its process (a
  killed or restarted worker): it is marked `interrupted` and its uploaded file deleted. Its transaction
  never committed, so nothing of it is in the database. On SQLite a writing import holds the database's
  write lock, so the reaper cannot mark it while it writes; on PostgreSQL it keeps beating.

Lock, heartbeat and reaper write on their own connections, never in the caller's session, so that they
neither commit nor roll back anything of the caller's.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..errors import ConflictError
from ..extensions import db
from ..rules.clock import utcnow
from .models import CHECKED, IMPORTED, IMPORTING, INTERRUPTED, LEDGER, RUNNING, ImportJob

BUSY = (
    "另一个导入正在进行（{who}于{when}开始导入“{name}”），同一机关的台账一次只能导入一个文件；请等它完成后再确认导入。"
)
LOCKED = "另一个导入正在写入数据库，请等它完成（通常不超过一分钟）后再确认导入。"
INTERRUPTED_MESSAGE = (
    "处理中断：处理该文件的服务进程已停止（可能被重启或终止），数据库没有任何改动，上传的文件已删除；请重新上传。"
)
T = ImportJob.__table__


class ImportBusy(ConflictError):
    """Another import of the same agency and kind is running."""


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _stale_seconds() -> float:
    return float(current_app.config.get("LEDGER_JOB_STALE_SECONDS", 45))


def _busy(conn, agency_id: int, kind: str) -> ImportBusy:
    from ..accounts.models import User
    from ..rules.clock import to_cn

    row = conn.execute(
        select(T.c.filename, T.c.started_at, User.display_name)
        .select_from(T.outerjoin(User, User.id == T.c.user_id))
        .where(T.c.agency_id == agency_id, T.c.kind == kind, T.c.state == IMPORTING)
    ).first()
    if row is None:  # it finished in between: the caller may try again
        return ImportBusy(BUSY.format(who="他人", when="刚才", name="另一个文件"))
    when = to_cn(row.started_at).strftime("%H:%M:%S") if row.started_at else "刚才"
    return ImportBusy(BUSY.format(who=row.display_name or "命令行", when=when, name=row.filename))


def acquire(
    agency_id: int,
    *,
    user_id: int | None = None,
    filename: str = "",
    ledger_kind: str | None = None,
    job_id: int | None = None,
    kind: str = LEDGER,
    values: dict | None = None,
) -> int:
    """Make a job `importing` (``job_id``: the upload page's checked job; else a new row); its id.

    Raises ImportBusy while another import of the agency and kind runs. Stale jobs are reaped first, so
    a killed import never blocks the next one for longer than LEDGER_JOB_STALE_SECONDS.
    """
    reap()
    now = utcnow()
    running = {"state": IMPORTING, "started_at": now, "heartbeat_at": now, "progress": {"stage": "等待开始"}}
    try:
        with db.engine.begin() as conn:
            if job_id is None:
                job_id = conn.execute(
                    insert(T)
                    .values(
                        token=new_token(),
                        agency_id=agency_id,
                        user_id=user_id,
                        kind=kind,
                        ledger_kind=ledger_kind,
                        filename=filename[:255],
                        result={},
                        created_at=now,
                        **running,
                    )
                    .returning(T.c.id)
                ).scalar_one()
            else:
                done = conn.execute(
                    update(T).where(T.c.id == job_id, T.c.state == CHECKED).values(**running, **(values or {}))
                ).rowcount
                if not done:
                    raise ConflictError("该文件尚未通过检查或已经导入，请重新上传。")
    except IntegrityError:
        with db.engine.connect() as conn:
            raise _busy(conn, agency_id, kind) from None
    except OperationalError:  # SQLite: another import is writing and holds the database's write lock
        raise ImportBusy(LOCKED) from None
    return job_id


def finish_in(session, job_id: int, result: dict) -> None:
    """End the job as `imported` in the import's own transaction (committed with the data). A job the
    reaper marked interrupted meanwhile refuses: the import is rolled back, never half-recorded."""
    now = utcnow()
    done = session.execute(
        update(T)
        .where(T.c.id == job_id, T.c.state == IMPORTING)
        .values(state=IMPORTED, finished_at=now, heartbeat_at=now, result=result, progress={"stage": "完成"})
    ).rowcount
    if not done:
        raise ConflictError(INTERRUPTED_MESSAGE)


def finish(job_id: int, state: str, *, error: str | None = None, result: dict | None = None, **values) -> bool:
    """End (or move on) a running job on a connection of its own; False if it was no longer running."""
    now = utcnow()
    changes = {"state": state, "error": error, "heartbeat_at": now, **values}
    if state not in RUNNING and state != CHECKED:
        changes["finished_at"] = now
    if result is not None:
        changes["result"] = result
    with db.engine.begin() as conn:
        return bool(conn.execute(update(T).where(T.c.id == job_id, T.c.state.in_(RUNNING)).values(**changes)).rowcount)


def release(job_id: int) -> None:
    """Delete a job row that only served as the lock of a refused import (command line, direct calls)."""
    with db.engine.begin() as conn:
        conn.execute(delete(T).where(T.c.id == job_id, T.c.state.in_(RUNNING)))


def remove_file(path: str | None) -> None:
    """Delete a job's uploaded file and its folder (the file holds applicants' personal data)."""
    if not path:
        return
    p = Path(path)
    root = Path(current_app.config["UPLOAD_FOLDER"]) / "ledger_jobs"
    if p.parent.parent == root:  # only our own job folders, never an operator's file
        shutil.rmtree(p.parent, ignore_errors=True)


def reap() -> int:
    """Mark running jobs whose heartbeat stopped as interrupted and delete their files; how many."""
    cutoff = utcnow() - timedelta(seconds=_stale_seconds())
    stale = and_(
        T.c.state.in_(RUNNING),
        or_(T.c.heartbeat_at < cutoff, and_(T.c.heartbeat_at.is_(None), T.c.created_at < cutoff)),
    )
    reaped = 0
    try:
        with db.engine.begin() as conn:
            rows = conn.execute(select(T.c.id, T.c.file_path).where(stale)).all()
            for job_id, path in rows:
                if conn.execute(
                    update(T)
                    .where(T.c.id == job_id, stale)
                    .values(state=INTERRUPTED, error=INTERRUPTED_MESSAGE, finished_at=utcnow(), file_path=None)
                ).rowcount:
                    reaped += 1
                    remove_file(path)
    except OperationalError:  # SQLite: an import is writing (it holds the lock, so it is alive); next time
        return 0
    return reaped


class _Beat:
    def __init__(self, app, job_id: int):
        self.app, self.job_id = app, job_id
        self.progress: dict = {}
        self.stop = threading.Event()
        self.interval = float(app.config.get("LEDGER_HEARTBEAT_SECONDS", 2))
        self.thread = threading.Thread(target=self.run, daemon=True, name=f"ledger-beat-{job_id}")

    def beat(self) -> None:
        values = {"heartbeat_at": utcnow()}
        if self.progress:
            values["progress"] = dict(self.progress)
        try:
            with db.engine.begin() as conn:
                conn.execute(update(T).where(T.c.id == self.job_id, T.c.state.in_(RUNNING)).values(**values))
        except OperationalError:
            pass  # SQLite busy while the import writes; the next beat tries again

    def run(self) -> None:
        with self.app.app_context():
            while not self.stop.wait(self.interval):
                self.beat()
            db.session.remove()


@contextmanager
def heartbeat(job_id: int) -> Iterator[dict]:
    """Beat for the job while the block runs; the block may update the yielded dict with its progress
    (stage, done, total), which each beat writes too."""
    beat = _Beat(current_app._get_current_object(), job_id)
    beat.thread.start()
    try:
        yield beat.progress
    finally:
        beat.stop.set()
        beat.thread.join()
