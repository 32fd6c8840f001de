"""A file chosen on a form that is refused for another reason is kept for that form, not silently dropped.

Browsers never send a chosen file again, so after a validation error the page would ask the user to
pick it once more, or lose it unnoticed. Instead the file is stored as a pending upload under a random
token bound to the user (UPLOAD_FOLDER/pending/<token>.bin and .json); the re-shown form carries the
token and says next to the field which file is kept. When the form is sent again the kept file is used
(unless another file is chosen, or "不使用此文件" is ticked), and it is removed once used. A pending
upload never used is removed after MAX_AGE, swept whenever another one is stored or read.

Pending uploads are not records of the database: nothing refers to them until the form succeeds and the
service stores the file as an Attachment like any other.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, request

from .attachments import Upload, check_upload
from .rules.clock import utcnow

MAX_AGE = timedelta(hours=24)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Pending:
    token: str
    filename: str
    size: int

    @property
    def size_text(self) -> str:
        return f"{self.size / 1024:.0f} KB" if self.size >= 1024 else f"{self.size} 字节"


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "pending"


def _paths(token: str) -> tuple[Path, Path]:
    folder = _folder()
    return folder / f"{token}.bin", folder / f"{token}.json"


def keep(upload: Upload, user) -> Pending:
    """Store an acceptable upload for the user's next submission of the same form."""
    sweep()
    token = secrets.token_urlsafe(24)  # 32 characters
    data_path, meta_path = _paths(token)
    data_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = data_path.with_suffix(".part")
    tmp.write_bytes(upload.data)
    os.replace(tmp, data_path)
    meta = {
        "user_id": user.id,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "created_at": utcnow().isoformat(),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return Pending(token, upload.filename, len(upload.data))


def _meta(token: str | None, user) -> dict | None:
    if not token or not _TOKEN.fullmatch(token):
        return None
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != getattr(user, "id", None) or not data_path.is_file():
        return None  # another user's token is no token
    if utcnow() - datetime.fromisoformat(meta["created_at"]) > MAX_AGE:
        discard(token)
        return None
    return meta


def describe(token: str | None, user) -> Pending | None:
    meta = _meta(token, user)
    if meta is None:
        return None
    return Pending(token, meta["filename"], _paths(token)[0].stat().st_size)  # type: ignore[arg-type]


def take(token: str | None, user) -> Upload | None:
    """The kept file as an Upload (still kept until discard), None when unknown, foreign or expired."""
    meta = _meta(token, user)
    if meta is None:
        return None
    return Upload(meta["filename"], _paths(token)[0].read_bytes(), meta["content_type"])  # type: ignore[arg-type]


def discard(token: str | None) -> None:
    if not token or not _TOKEN.fullmatch(token):
        return
    for path in _paths(token):
        path.unlink(missing_ok=True)


def sweep(now: datetime | None = None) -> int:
    """Remove pending uploads older than MAX_AGE (and half-written ones); returns how many."""
    folder = _folder()
    if not folder.is_dir():
        return 0
    limit = (now or utcnow()) - MAX_AGE
    removed = 0
    for path in folder.iterdir():
        try:
            mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=limit.tzinfo)
        except OSError:
            continue
        if mtime < limit:
            path.unlink(missing_ok=True)
            removed += path.suffix == ".bin"
    return removed


class FormFile:
    """The file of one file field of a posted form, across refused submissions.

    ``upload``: the file to use — a newly chosen one, else the kept one (unless dropped); ``kept``: what
    the re-shown form says is kept; ``error``: why a kept file is gone (expired). Hidden inputs:
    ``<name>_kept`` (the token) and ``<name>_drop`` (不使用此文件).
    """

    def __init__(self, name: str, user):
        self.name, self.user = name, user
        self.kept: Pending | None = None
        self.error: str | None = None
        f = request.files.get(name)
        token = request.form.get(f"{name}_kept") or None
        if f is not None and f.filename:
            discard(token)  # a new choice replaces the kept file
            self.token = None
            self.upload: Upload | None = Upload(f.filename, f.read(), f.mimetype or "application/octet-stream")
        elif token and request.form.get(f"{name}_drop"):
            discard(token)
            self.token, self.upload = None, None
        elif token:
            self.token, self.upload = token, take(token, user)
            if self.upload is None:
                self.token = None
                self.error = "之前选择的文件已过期或已失效（保留24小时），请重新选择文件。"
        else:
            self.token, self.upload = None, None

    def keep_for_retry(self) -> None:
        """The form was refused: keep an acceptable file so the re-shown form can say so."""
        if self.upload is None or check_upload(self.upload):
            return  # nothing chosen, or the file itself was refused (its message is shown)
        if self.token:
            self.kept = describe(self.token, self.user)
        else:
            self.kept = keep(self.upload, self.user)
            self.token = self.kept.token

    def done(self) -> None:
        """The form succeeded (the service stored the file as an attachment): the kept copy goes."""
        discard(self.token)
