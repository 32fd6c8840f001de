"""Attachments: stored outside static under a random name, served only through a scoped view."""

from __future__ import annotations

import hashlib
import io
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


# What each extension we accept is served as: our own map, never the type the uploading browser claimed
# (a file named .pdf and sent as text/html would otherwise come back as a page of our origin).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
    "txt": "text/plain; charset=utf-8",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 / Excel 97–2003 (Compound File)
_MAGIC = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "doc": (_OLE,),
    "xls": (_OLE,),
}
# Office Open XML and OFD files are zip packages; the part that makes each what it claims to be.
_ZIP_PART = {"docx": "word/", "xlsx": "xl/", "ofd": "OFD.xml"}
_LABELS = {"pdf": "PDF", "docx": "Word", "doc": "Word", "xlsx": "Excel", "xls": "Excel", "ofd": "OFD", "txt": "文本"}


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _is_zip_with(data: bytes, part: str) -> bool:
    import zipfile

    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()  # the central directory only, nothing unpacked
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return any(n == part or n.startswith(part) for n in names)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            pass
    return False


def content_error(filename: str, data: bytes) -> str | None:
    """The Chinese reason the bytes are not what the extension says (by their first bytes, or for a zip
    package its parts), None when they agree."""
    ext = extension_of(filename)
    if ext == "pdf":
        ok = b"%PDF" in data[:1024]
    elif ext in _ZIP_PART:
        ok = _is_zip_with(data, _ZIP_PART[ext])
    elif ext == "txt":
        ok = _is_text(data)
    elif ext in _MAGIC:
        ok = data.startswith(_MAGIC[ext])
    else:
        ok = True  # an extension we accept but have no signature for (none today)
    if ok:
        return None
    what = _LABELS.get(ext, ext.upper() + " ")
    return (
        f"文件“{filename}”的内容不是{what}文件（扩展名为 .{ext}，但文件内容与之不符）。"
        "请确认文件未损坏、扩展名未被改动，用原来的程序另存为正确的格式后重新上传。"
    )


def served_type(stored_name: str) -> str:
    """The Content-Type a stored file is served with: by our extension map."""
    return CONTENT_TYPES.get(extension_of(stored_name), "application/octet-stream")


def extension_error(filename: str, allowed: tuple[str, ...]) -> str | None:
    ext = extension_of(filename)
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
    return content_error(upload.filename, upload.data)


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
        content_type=served_type(upload.filename),  # our map, not what the browser claimed
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
    resp = send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        att.stored_name,
        as_attachment=True,
        download_name=att.original_name,
        mimetype=served_type(att.stored_name),  # never the stored (uploaded) type
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def of(subject_type: str, subject_id: int) -> list[Attachment]:
    """The attachments of a subject, oldest first."""
    return db.session.scalars(
        db.select(Attachment)
        .where(Attachment.subject_type == subject_type, Attachment.subject_id == subject_id)
        .order_by(Attachment.id)
    ).all()
