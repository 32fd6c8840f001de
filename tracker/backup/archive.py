"""The backup archive: a tar (gzip-compressed unless the name ends in .tar) of members under tracker-backup/ —
the database dump, attachments/<stored name> for each attachment file and, last, manifest.json listing every
other member's size and SHA-256. Reading an archive checks every member (name, type, size, checksum) while it
streams, so a tampered, truncated or foreign archive is refused before anything is restored."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
import tarfile
import time
import zlib
from pathlib import Path
from typing import BinaryIO

PREFIX = "tracker-backup/"
MANIFEST = PREFIX + "manifest.json"
ATTACHMENTS = PREFIX + "attachments/"
DB_MEMBER = {"postgresql": PREFIX + "database.pgdump", "sqlite": PREFIX + "database.sqlite3"}
FORMAT = "tracker-backup"
FORMAT_VERSION = 1
_MANIFEST_LIMIT = 50 * 1024 * 1024
_CHUNK = 1024 * 1024
# A stored attachment name: no directory part, no leading dot, no "..": what attachments.store_bytes writes.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\Z")


class BackupError(Exception):
    """A refusal or failure, with the Chinese message the command prints."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def safe_name(name: str) -> bool:
    return bool(_SAFE_NAME.match(name)) and len(name) <= 120


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def sha256_of(path: Path) -> tuple[int, str]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


class _Hashing:
    """A file object that hashes and counts what tarfile reads from it."""

    def __init__(self, f: BinaryIO):
        self.f, self.h, self.size = f, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.h.update(data)
        self.size += len(data)
        return data


class Writer:
    """Writes an archive to a temporary name beside ``path``; commit() renames it into place atomically,
    abort() removes it. The file is readable by its owner only (it holds personal data)."""

    def __init__(self, path: Path, *, force: bool = False):
        self.path = path
        if path.is_dir():
            raise BackupError(f"“{path}”是一个目录，请给出备份文件的完整文件名，例如 {path / 'tracker-备份.tar.gz'}")
        if path.exists() and not force:
            raise BackupError(f"文件“{path}”已存在。请换一个文件名，或加 --force 覆盖它。")
        parent = path.parent
        if not parent.is_dir():
            raise BackupError(f"目录“{parent}”不存在，请先创建它，或换一个已存在的目录。")
        self.tmp = parent / f".{path.name}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            raise BackupError(f"无法在目录“{parent}”中写文件（{e.strerror}），请检查目录权限或换一个目录。") from e
        self.raw = os.fdopen(fd, "wb")
        gz = not path.name.endswith(".tar")
        self.tar = (
            tarfile.open(fileobj=self.raw, mode="w:gz", compresslevel=6)
            if gz
            else tarfile.open(fileobj=self.raw, mode="w")
        )
        self.members: list[dict] = []

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        return info

    def add_file(self, name: str, source: Path) -> dict:
        """Add ``source`` as member ``name``; returns its manifest entry (hashed as it is written)."""
        with open(source, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            reader = _Hashing(f)
            self.tar.addfile(self._info(name, size), reader)
        if reader.size != size:
            raise BackupError(f"文件“{source}”在备份过程中被改动，请重新运行备份。")
        entry = {"name": name, "size": size, "sha256": reader.h.hexdigest()}
        self.members.append(entry)
        return entry

    def add_manifest(self, manifest: dict) -> None:
        import io

        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        self.tar.addfile(self._info(MANIFEST, len(data)), io.BytesIO(data))

    def close(self) -> None:
        self.tar.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()

    def commit(self) -> None:
        os.replace(self.tmp, self.path)
        try:
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    def abort(self) -> None:
        for closer in (self.tar.close, self.raw.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - cleaning up after a failure already being reported
                pass
        self.tmp.unlink(missing_ok=True)


def _member_error(member: tarfile.TarInfo, engine_members: set[str]) -> str | None:
    name = member.name
    if not member.isreg():
        what = "符号链接" if member.issym() else "硬链接" if member.islnk() else "目录或特殊文件"
        return f"归档中的成员“{name}”是{what}，本程序写出的备份只含普通文件"
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        return f"归档中的成员“{name}”的路径不安全（绝对路径或含 ..）"
    if name == MANIFEST or name in engine_members:
        return None
    if name.startswith(ATTACHMENTS) and safe_name(name[len(ATTACHMENTS) :]):
        return None
    return f"归档中的成员“{name}”不是本程序写出的"


def require_file(path: Path) -> None:
    try:
        ok = path.is_file()
    except OSError as e:  # a name too long for the file system, ...
        raise BackupError(f"无法打开备份文件“{str(path)[:80]}”（{e.strerror}）。") from e
    if not ok:
        raise BackupError(f"找不到备份文件“{str(path)[:200]}”（或它不是普通文件）。")


def read(
    path: Path, *, stage_db: Path | None = None, stage_attachments: Path | None = None, expect: dict | None = None
) -> dict:
    """Check the archive at ``path`` member by member and return its manifest. With stage_db /
    stage_attachments, the database member and the attachment files are written there as they are read
    (the caller removes them when the check fails). With ``expect`` (the manifest of an earlier pass that wrote
    nothing), a member it does not list with that size is refused before a byte of it is written, so an
    archive can never fill the disk with what its manifest does not account for. BackupError names the first
    problem found."""
    require_file(path)
    expected = {m["name"]: m.get("size") for m in expect["members"]} if expect else None
    engine_members = set(DB_MEMBER.values())
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes = None
    filt = getattr(tarfile, "data_filter", None)  # Python ≥ 3.11.4 / 3.12: refuses links, absolute paths, ..
    dest = str(stage_attachments or stage_db or path.parent)
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                if not seen and manifest_bytes is None and not member.name.startswith(PREFIX):
                    raise BackupError(f"“{path}”不是本程序写出的备份（其中没有 {PREFIX} 目录）。")
                if why := _member_error(member, engine_members):
                    raise BackupError(why + "，拒绝恢复。该文件可能被篡改，请使用原始备份文件。")
                if filt is not None:
                    try:
                        filt(member, dest)
                    except tarfile.FilterError as e:
                        raise BackupError(f"归档中的成员“{member.name}”不安全（{e}），拒绝恢复。") from e
                if member.name in seen or (member.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"归档中的成员“{member.name}”出现了两次，该文件可能被篡改。")
                if expected is not None and member.name != MANIFEST and expected.get(member.name) != member.size:
                    raise BackupError(f"备份文件在校验之后被改动（成员“{member.name}”），拒绝恢复。请重新运行。")
                src = tar.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > _MANIFEST_LIMIT:
                        raise BackupError("归档中的清单文件过大，不是本程序写出的备份。")
                    manifest_bytes = src.read()
                    continue
                target = None
                if member.name in engine_members and stage_db is not None:
                    target = stage_db
                elif member.name.startswith(ATTACHMENTS) and stage_attachments is not None:
                    target = stage_attachments / member.name[len(ATTACHMENTS) :]
                seen[member.name] = _copy(src, target)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as e:
        if not seen and manifest_bytes is None:
            raise BackupError(f"“{path}”不是本程序写出的备份（无法作为 tar 归档读取：{e}）。") from e
        raise BackupError(f"备份文件“{path}”不完整或已损坏（{e}）。请使用完整的备份文件。") from e
    manifest = _checked_manifest(path, manifest_bytes, seen)
    if expect is not None and manifest != expect:
        raise BackupError("备份文件在校验之后被改动（清单不同），拒绝恢复。请重新运行。")
    return manifest


def _copy(src: BinaryIO, target: Path | None) -> tuple[int, str]:
    """(size, SHA-256) of what src holds, written to target when given. A failure to write (disk full) is said
    as such, not taken for a damaged archive."""
    h, size = hashlib.sha256(), 0
    try:
        out = open(target, "xb") if target is not None else None
    except OSError as e:
        raise BackupError(f"无法写入暂存文件“{target}”（{e.strerror}），请检查磁盘空间和权限。") from e
    try:
        while chunk := src.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
            if out is not None:
                try:
                    out.write(chunk)
                except OSError as e:
                    raise BackupError(f"无法写入暂存文件“{target}”（{e.strerror}），请检查磁盘空间和权限。") from e
    finally:
        if out is not None:
            out.close()
    return size, h.hexdigest()


def _checked_manifest(path: Path, manifest_bytes: bytes | None, seen: dict[str, tuple[int, str]]) -> dict:
    if manifest_bytes is None:
        raise BackupError(f"备份文件“{path}”中没有清单 {MANIFEST}：文件不完整（被截断）或不是本程序写出的备份。")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BackupError(f"备份文件“{path}”的清单无法解析（{e}），该文件可能被篡改。") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"“{path}”不是本程序写出的备份（清单格式不符）。")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {version} 比本程序支持的 {FORMAT_VERSION} 新，请用更新版本的程序恢复。")
    listed = {}
    for entry in manifest.get("members") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise BackupError("清单中的成员列表格式不符，该文件可能被篡改。")
        listed[entry["name"]] = entry
    for name, (size, digest) in seen.items():
        entry = listed.get(name)
        if entry is None:
            raise BackupError(f"归档中的成员“{name}”不在清单中，该文件可能被篡改，拒绝恢复。")
        if entry.get("size") != size or entry.get("sha256") != digest:
            raise BackupError(
                f"成员“{name}”的校验和与清单不符（清单：{entry.get('size')} 字节，SHA-256 {entry.get('sha256')}；"
                f"实际：{size} 字节，SHA-256 {digest}）。备份文件已损坏或被篡改，拒绝恢复。"
            )
    missing = [n for n in listed if n not in seen]
    if missing:
        raise BackupError(f"清单列出的成员“{missing[0]}”等 {len(missing)} 个不在归档中：备份文件不完整，拒绝恢复。")
    engine = manifest.get("engine")
    if engine not in DB_MEMBER or DB_MEMBER[engine] not in seen:
        raise BackupError("备份中没有数据库转储，或清单中的数据库类型无法识别，拒绝恢复。")
    return manifest
