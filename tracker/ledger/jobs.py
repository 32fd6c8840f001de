"""Upload-page jobs: an uploaded ledger file, its check (dry run) and its import, run in the background.

A job is an `import_job` row (tracker.ledger.models), so the job page of any worker process reads its
state; its file lives in UPLOAD_FOLDER/ledger_jobs/<token>/ while the job needs it. The web request only
stores the file and the row (and, to confirm, takes the import lock: tracker.ledger.runs); the check and
the import run in a background thread of the worker, which beats while it runs, and the browser polls
the progress. A job whose worker died is shown as interrupted once its heartbeat is stale, and its file
is deleted. Both phases call tracker.ledger.service.import_ledger.
"""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..errors import ServiceError
from ..extensions import db
from ..rules.clock import utcnow
from . import runs
from .models import CHECKED, CHECKING, FAILED, IMPORTING, INVALID, RUNNING, ImportJob
from .parse import LedgerInvalid

MAX_AGE = timedelta(hours=24)  # a checked file not confirmed within a day is deleted
MAX_PROBLEMS_SHOWN = 2000
_threads: dict[str, threading.Thread] = {}


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "ledger_jobs"


def _cleanup() -> None:
    """Delete the files of checked jobs left unconfirmed for a day (the row stays, without its file)."""
    old = db.session.scalars(
        select(ImportJob).where(
            ImportJob.state == CHECKED, ImportJob.file_path.is_not(None), ImportJob.created_at < utcnow() - MAX_AGE
        )
    ).all()
    for job in old:
        runs.remove_file(job.file_path)
        job.file_path = None
        job.state, job.error = FAILED, "文件上传超过一天未确认导入，已删除；请重新上传。"
    if old:
        db.session.commit()
    # Folders no job needs any more: state.json folders of the release before import_job, and any left
    # behind by a crash between writing the file and its row.
    root = _root()
    if root.is_dir():
        cutoff = (utcnow() - MAX_AGE).timestamp()
        kept = set(db.session.scalars(select(ImportJob.token).where(ImportJob.file_path.is_not(None))))
        for folder in root.iterdir():
            try:
                if folder.name not in kept and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass


def view(job: ImportJob) -> dict:
    """The job as the page and the progress endpoint show it."""
    return {
        "id": job.token,
        "filename": job.filename,
        "kind": job.ledger_kind,
        "state": job.state,
        "stage": job.progress.get("stage", ""),
        "done": job.progress.get("done", 0),
        "total": job.progress.get("total", 0),
        "error": job.error,
        **job.result,
    }


def load(token: str, user) -> dict | None:
    """The job's state if it is the user's own job; None otherwise (the page answers 404 either way).
    A job whose worker stopped is reaped first, so it shows as interrupted."""
    if not token or len(token) > 40 or not all(c.isalnum() or c in "-_" for c in token):
        return None
    runs.reap()
    db.session.expire_all()
    job = db.session.scalars(select(ImportJob).where(ImportJob.token == token)).first()
    if job is None or job.user_id != user.id:
        return None
    return view(job)


def create(user, filename: str, data: bytes, kind: str | None) -> str:
    """Store the file and its job row (state `checking`); the job's token."""
    _cleanup()
    token = runs.new_token()
    folder = _root() / token
    folder.mkdir(parents=True)
    suffix = ".csv" if filename.lower().endswith(".csv") else ".xlsx"
    path = folder / f"file{suffix}"
    path.write_bytes(data)
    now = utcnow()
    job = ImportJob(
        token=token,
        agency_id=user.agency_id,
        user_id=user.id,
        ledger_kind=kind,
        filename=filename[:255],
        state=CHECKING,
        progress={"stage": "等待开始"},
        file_path=str(path),
        result={},
        created_at=now,
        started_at=now,
        heartbeat_at=now,
    )
    db.session.add(job)
    db.session.commit()
    return token


def _run(app, job_id: int, dry_run: bool) -> None:
    """Check (dry run) or import the job's file in a background thread, beating while it runs."""
    from ..accounts.models import User
    from .service import SYSTEM_ERROR, import_ledger, job_result

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        if job is None:  # deleted before its thread ran
            db.session.remove()
            return
        user = db.session.get(User, job.user_id)
        path, filename, kind = job.file_path, job.filename, job.ledger_kind
        section_map = job.result.get("section_map") or None
        db.session.commit()  # end the read: nothing of this session stays open while the import runs
        try:
            with runs.heartbeat(job_id) as beat:

                def progress(stage: str, done: int, total: int) -> None:
                    beat.update(stage=stage, done=done, total=max(total, done))

                if path is None or not Path(path).is_file():
                    raise ServiceError("上传的文件已不存在（可能已超过一天或已被删除），请重新上传。")
                summary = import_ledger(
                    user,
                    filename,
                    path,
                    kind=kind,
                    dry_run=dry_run,
                    progress=progress,
                    section_map=section_map,
                    job_id=None if dry_run else job_id,
                )
            if dry_run:
                runs.finish(job_id, CHECKED, result=job_result(summary), progress={"stage": "完成"})
        except LedgerInvalid as e:
            db.session.rollback()
            problems = [str(p) if not p.sheet or p.sheet == filename else f"【{p.sheet}】{p}" for p in e.problems]
            runs.finish(
                job_id,
                INVALID,
                result={"problems": problems[:MAX_PROBLEMS_SHOWN], "problem_count": len(problems)},
                progress={"stage": "完成"},
            )
        except ServiceError as e:
            db.session.rollback()
            runs.finish(job_id, FAILED, error=e.message, progress={"stage": "完成"})
        except Exception:  # noqa: BLE001 - the page must say the import failed instead of waiting forever
            db.session.rollback()
            current_app.logger.exception("ledger job %s failed", job_id)
            runs.finish(job_id, FAILED, error=SYSTEM_ERROR, progress={"stage": "完成"})
        finally:
            db.session.remove()
        job = db.session.get(ImportJob, job_id)
        if job is not None and job.state != CHECKED and job.file_path:
            # The file holds applicants' personal data: keep it only while it waits for confirmation.
            runs.remove_file(job.file_path)
            job.file_path = None
            db.session.commit()
        db.session.remove()


def _submit(job_id: int, token: str, dry_run: bool) -> None:
    app = current_app._get_current_object()
    for done in [t for t, th in _threads.items() if not th.is_alive()]:
        _threads.pop(done, None)
    thread = threading.Thread(target=_run, args=(app, job_id, dry_run), daemon=True, name=f"ledger-{token[:6]}")
    _threads[token] = thread
    thread.start()


def check(token: str) -> None:
    """Start checking an uploaded file (the dry run) in the background."""
    job = db.session.scalars(select(ImportJob).where(ImportJob.token == token)).one()
    _submit(job.id, token, dry_run=True)


def confirm(token: str, user, section_map: dict[str, str] | None = None) -> None:
    """Take the import lock for the user's checked job and import it in the background; ImportBusy while
    another import of the agency runs (the job stays checked, to be confirmed again)."""
    job = db.session.scalars(select(ImportJob).where(ImportJob.token == token, ImportJob.user_id == user.id)).one()
    job_id, agency_id = job.id, job.agency_id
    result = {**job.result, "section_map": section_map or {}}
    db.session.commit()
    runs.acquire(agency_id, job_id=job_id, values={"result": result})
    _submit(job_id, token, dry_run=False)


def wait(timeout: float = 60) -> None:
    """Wait for the background jobs this process started (tests, and a clean shutdown)."""
    for token, thread in list(_threads.items()):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.pop(token, None)


__all__ = ["RUNNING", "IMPORTING", "check", "confirm", "create", "load", "wait"]
