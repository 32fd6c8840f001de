"""Upload-page jobs: an uploaded ledger file, its check (dry run) and its import, with progress.

A job is a folder under UPLOAD_FOLDER/ledger_jobs holding the file and state.json. Its state is written
atomically (write, then rename), so the progress endpoint of any worker process reads a whole state.
Checking and importing run in a background thread when the page asks for it (the browser then polls
the progress), or within the request otherwise; both call tracker.ledger.service.import_ledger.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
from pathlib import Path

from flask import current_app

from ..errors import ServiceError
from ..extensions import db
from .parse import LedgerInvalid

MAX_AGE_SECONDS = 24 * 3600
MAX_PROBLEMS_SHOWN = 2000
STALE_SECONDS = 600
# States: checking -> checked | invalid | failed; importing -> imported | invalid | failed.
RUNNING = ("checking", "importing")


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "ledger_jobs"


def _dir(job_id: str) -> Path | None:
    if not job_id or not all(c.isalnum() or c in "-_" for c in job_id):
        return None
    path = _root() / job_id
    return path if path.is_dir() else None


def _write(path: Path, state: dict) -> None:
    tmp = path / f"state.{threading.get_ident()}.tmp"
    tmp.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path / "state.json")


def load(job_id: str, user) -> dict | None:
    """The job's state if it is the user's own job; None otherwise (the page answers 404 either way)."""
    path = _dir(job_id)
    if path is None:
        return None
    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("user_id") != user.id:
        return None
    # A worker restarted mid-job leaves a running state behind; progress is written at least every few
    # seconds while a job runs, so a long silence means it stopped (its transaction was never committed).
    if state.get("state") in RUNNING and time.time() - (path / "state.json").stat().st_mtime > STALE_SECONDS:
        state.update(state="failed", error="处理中断（服务可能已重启），数据库没有任何改动，请重新上传。")
    return state


def _cleanup(root: Path) -> None:
    now = time.time()
    for child in root.iterdir() if root.is_dir() else ():
        try:
            if now - child.stat().st_mtime > MAX_AGE_SECONDS:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass


def create(user, filename: str, data: bytes, kind: str | None) -> str:
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    _cleanup(root)
    job_id = secrets.token_urlsafe(16)
    path = root / job_id
    path.mkdir()
    suffix = ".csv" if filename.lower().endswith(".csv") else ".xlsx"
    (path / f"file{suffix}").write_bytes(data)
    _write(
        path,
        {
            "id": job_id,
            "user_id": user.id,
            "filename": filename,
            "kind": kind,
            "state": "checking",
            "stage": "等待开始",
            "done": 0,
            "total": 0,
            "created": time.time(),
        },
    )
    return job_id


def _run(app, job_id: str, user_id: int, dry_run: bool) -> None:
    """Check (dry run) or import the job's file, keeping state.json up to date."""
    from ..accounts.models import User
    from .service import import_ledger

    with app.app_context():
        path = _root() / job_id
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < 0.3 and done < total:
                return
            last[0] = now
            _write(path, {**state, "stage": stage, "done": done, "total": max(total, done)})

        file = next(path.glob("file.*"))
        try:
            user = db.session.get(User, user_id)
            summary = import_ledger(
                user,
                state["filename"],
                str(file),
                kind=state.get("kind"),
                dry_run=dry_run,
                progress=progress,
                section_map=state.get("section_map") or None,
            )
            state.update(
                state="checked" if dry_run else "imported",
                summary=summary.lines(),
                counts={k: vars(c) for k, c in summary.counts.items()},
                section_choices=summary.section_choices,
            )
        except LedgerInvalid as e:
            db.session.rollback()
            problems = [
                str(p) if not p.sheet or p.sheet == state["filename"] else f"【{p.sheet}】{p}" for p in e.problems
            ]
            state.update(state="invalid", problems=problems[:MAX_PROBLEMS_SHOWN], problem_count=len(problems))
        except ServiceError as e:
            db.session.rollback()
            state.update(state="failed", error=e.message)
        except Exception:  # noqa: BLE001 - the page must say the import failed instead of waiting forever
            db.session.rollback()
            current_app.logger.exception("ledger job %s failed", job_id)
            state.update(state="failed", error="导入时发生系统错误，数据库没有任何改动。请稍后重试或联系系统管理员。")
        finally:
            db.session.remove()
        state.update(stage="完成", done=1, total=1)
        if state["state"] != "checked":
            # The file holds applicants' personal data: keep it only while it waits for confirmation.
            file.unlink(missing_ok=True)
        _write(path, state)


def start(job_id: str, user, *, dry_run: bool, background: bool, section_map: dict[str, str] | None = None) -> None:
    """Check (dry run) or import the job's file; ``section_map``: the file's section names the user chose
    to read as existing sections (the preview's offer)."""
    path = _root() / job_id
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    state.update(state="checking" if dry_run else "importing", stage="等待开始", done=0, total=0)
    state["section_map"] = section_map or {}
    state.pop("problems", None)
    _write(path, state)
    app = current_app._get_current_object()
    if background:
        threading.Thread(
            target=_run, args=(app, job_id, user.id, dry_run), daemon=True, name=f"ledger-{job_id[:6]}"
        ).start()
    else:
        _run(app, job_id, user.id, dry_run)
