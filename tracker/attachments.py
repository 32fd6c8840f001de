"""Attachments: stored outside static under a random name, served only through a scoped view."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_from_directory
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .rules.clock import utcnow
from .types import UTCDateTime, is_id


class Attachment(db.Model):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_subject", "subject_type", "subject_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)  # request | proposal | ...
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # application | letter | reply | other
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


ATTACHMENT_KINDS = {"application": "申请材料扫描件", "letter": "告知书", "reply": "答复文件", "other": "其他"}


def extension_error(filename: str, allowed: tuple[str, ...]) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in allowed:
        return f"不支持的文件类型“.{ext or '无扩展名'}”，请上传以下类型之一：{'、'.join(allowed)}"
    return None


def store_bytes(folder: str, data: bytes, filename: str) -> tuple[str, str]:
    """Write data under a random name in folder; returns (stored_name, sha256)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stored = f"{secrets.token_hex(16)}.{ext}"
    tmp = Path(folder) / (stored + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, Path(folder) / stored)
    return stored, hashlib.sha256(data).hexdigest()


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


def check_upload(upload: Upload | None) -> str | None:
    """The Chinese reason an uploaded file is refused (type, size, empty), None when it is fine or absent."""
    if upload is None:
        return None
    err = extension_error(upload.filename, current_app.config["ALLOWED_UPLOAD_EXTENSIONS"])
    if err:
        return err
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if len(upload.data) > limit:
        return f"文件超过 {limit // (1024 * 1024)} MB 的上限，请压缩或拆分后重新上传。"
    if not upload.data:
        return "上传的文件是空的，请重新选择文件。"
    return None


def new_attachment(
    actor, upload: Upload, *, agency_id: int, subject_type: str, subject_id: int, kind: str
) -> Attachment:
    """Check the file, store it under a random name and link it to its subject; the caller's transaction
    commits it and records the event. ServiceError (field "attachment") for a refused file."""
    from .errors import ServiceError

    if err := check_upload(upload):
        raise ServiceError(err, "attachment")
    stored, digest = store_bytes(current_app.config["UPLOAD_FOLDER"], upload.data, upload.filename)
    att = Attachment(
        agency_id=agency_id,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        original_name=upload.filename[:200],
        stored_name=stored,
        content_type=upload.content_type or "application/octet-stream",
        size=len(upload.data),
        sha256=digest,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(att)
    return att


def download(subject_type: str, subject_id: int, attachment_id: int):
    """The file of one attachment of this subject, as a download; 404 for any other attachment."""
    att = db.session.get(Attachment, attachment_id) if is_id(attachment_id) else None
    if att is None or att.subject_type != subject_type or att.subject_id != subject_id:
        abort(404)
    return send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        att.stored_name,
        as_attachment=True,
        download_name=att.original_name,
        mimetype=att.content_type,
    )


def of(subject_type: str, subject_id: int) -> list[Attachment]:
    """The attachments of a subject, oldest first."""
    return db.session.scalars(
        db.select(Attachment)
        .where(Attachment.subject_type == subject_type, Attachment.subject_id == subject_id)
        .order_by(Attachment.id)
    ).all()
