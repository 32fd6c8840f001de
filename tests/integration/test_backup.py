"""`flask backup` / `flask restore` (tracker.backup) on the engine under test: a database built by the migrations
and filled with the demo data plus attachments is backed up, restored into another empty database and folder,
and every table (full content), the schema's indexes and triggers, and every attachment file compared; then each
refusal: an existing or impossible FILE, a missing pg_dump, a non-empty target, a tampered, truncated or foreign
archive, unsafe member paths, another engine's backup, a schema newer than the code."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[2]


def _pg(url: str) -> bool:
    return url.startswith("postgresql")


class Databases:
    """Throwaway databases on the engine under test: on PostgreSQL each a new database of the test cluster
    (tracker_bk_<uuid>, dropped at the end), on SQLite a file that does not exist yet."""

    def __init__(self, base_url: str, tmp: Path):
        self.base_url, self.tmp, self.created = base_url, tmp, []

    def new(self) -> str:
        if not _pg(self.base_url):
            return f"sqlite:///{self.tmp / f'db_{uuid.uuid4().hex[:8]}.sqlite3'}"
        import psycopg

        name = f"tracker_bk_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self._admin(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"{self.base_url.rpartition('/')[0]}/{name}"

    def _admin(self) -> str:
        return self.base_url.rpartition("/")[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"

    def drop_all(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(self._admin(), autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, folder: Path, **extra):
    from tracker import create_app

    return create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(folder),
            "MAIL_SERVER": "",
            **extra,
        }
    )


def run(app, *args):
    """The command as `flask --app tracker ...` runs it; returns (exit code, its output, stderr included)."""
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def dbs(database_url, tmp_path_factory):
    d = Databases(database_url, tmp_path_factory.mktemp("backup_dbs"))
    yield d
    d.drop_all()


ATTACHMENT_BYTES = [
    ("申请书扫描件.pdf", b"%PDF-1.4\n" + os.urandom(300_000)),
    ("照片.png", b"\x89PNG\r\n\x1a\n" + os.urandom(50_000)),
    ("说明.txt", "依申请公开：请提供2025年预算执行情况。\n".encode()),
    ("答复.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 1000),
]


@pytest.fixture(scope="module")
def source(dbs, tmp_path_factory):
    """A database built by the migrations (alembic_version included) holding the demo data — cases, letters,
    events, proposals, notifications — and attachments on requests and proposals, with their files."""
    import flask_migrate

    from tracker.accounts import models as account_models
    from tracker.attachments import Upload, new_attachment
    from tracker.demo import load_demo
    from tracker.disclosure.models import DisclosureRequest
    from tracker.extensions import db
    from tracker.proposals.models import Proposal

    folder = tmp_path_factory.mktemp("source_uploads")
    app = make_app(dbs.new(), folder)
    with app.app_context(), pytest.MonkeyPatch.context() as mp:
        from werkzeug.security import generate_password_hash

        mp.setattr(account_models, "generate_password_hash", lambda p: generate_password_hash(p, "pbkdf2:sha256:1"))
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        load_demo(seed=7, env_name="testing")
        requests = db.session.scalars(db.select(DisclosureRequest).order_by(DisclosureRequest.id).limit(3)).all()
        proposal = db.session.scalars(db.select(Proposal).order_by(Proposal.id)).first()
        subjects = [("request", r.id, r.agency_id) for r in requests] + [("proposal", proposal.id, proposal.agency_id)]
        for (name, data), (kind, sid, agency_id) in zip(ATTACHMENT_BYTES, subjects, strict=True):
            new_attachment(
                None, Upload(name, data), agency_id=agency_id, subject_type=kind, subject_id=sid, kind="other"
            )
        db.session.commit()  # the migrations created the event table's append-only triggers (issue 14)
        db.session.remove()
    (folder / "pending").mkdir()
    (folder / "pending" / "upload.bin").write_bytes(b"an upload not yet confirmed: no attachment row")
    return app, folder


@pytest.fixture(scope="module")
def archive_path(source, tmp_path_factory):
    app, _ = source
    path = tmp_path_factory.mktemp("archives") / "tracker-备份.tar.gz"
    code, out = run(app, "backup", str(path))
    assert code == 0, out
    assert "备份完成" in out
    return path


def snapshot(url: str) -> dict:
    """Every table's columns and full content (rows sorted), plus the schema's indexes and triggers."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            tables = {}
            for name in names:
                result = conn.execute(text(f'SELECT * FROM "{name}"'))
                tables[name] = (list(result.keys()), sorted(repr(tuple(r)) for r in result))
            if _pg(url):
                schema = sorted(
                    conn.execute(
                        text(
                            "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                            "UNION ALL SELECT 'trigger', tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE NOT t.tgisinternal AND n.nspname = 'public' "
                            "UNION ALL SELECT 'sequence', sequencename, last_value::text FROM pg_sequences "
                            "WHERE schemaname = 'public'"
                        )
                    ).all()
                )
            else:
                schema = sorted(conn.execute(text("SELECT type, name, sql FROM sqlite_master")).all())
    finally:
        engine.dispose()
    return {"tables": tables, "schema": schema}


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def is_empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_backup_then_restore_elsewhere_gives_the_same_tables_and_files(source, archive_path, dbs, tmp_path):
    app, folder = source
    src_url = app.config["SQLALCHEMY_DATABASE_URI"]
    manifest = read_manifest(archive_path)
    assert manifest["engine"] == ("postgresql" if _pg(src_url) else "sqlite")
    assert manifest["alembic_revision"] and manifest["tables"]["alembic_version"] == 1
    assert manifest["tables"]["event"] > 0 and manifest["tables"]["proposal"] > 0
    assert manifest["attachments"] == {
        "count": len(ATTACHMENT_BYTES),
        "bytes": sum(len(d) for _, d in ATTACHMENT_BYTES),
        "problems": [],
    }
    assert oct(archive_path.stat().st_mode & 0o777) == "0o600"  # it holds personal data

    target_url, target_folder = dbs.new(), tmp_path / "restored_uploads"
    target = make_app(target_url, target_folder)
    code, out = run(target, "restore", "--check", str(archive_path))
    assert code == 0, out
    assert is_empty(target_url) and not target_folder.exists()  # a check changes nothing
    code, out = run(target, "restore", str(archive_path))
    assert code == 0, out
    assert "恢复完成" in out and "行数与备份清单一致" in out

    before, after = snapshot(src_url), snapshot(target_url)
    assert before["tables"].keys() == after["tables"].keys()
    for name in before["tables"]:
        assert after["tables"][name] == before["tables"][name], name
    assert after["schema"] == before["schema"]
    assert {n: len(r) for n, (_, r) in after["tables"].items()} == manifest["tables"]
    restored = files_of(target_folder)
    assert sorted(restored.values()) == sorted(d for _, d in ATTACHMENT_BYTES)
    assert restored == {n: d for n, d in files_of(folder).items() if not n.startswith("pending/")}
    assert manifest["unreferenced_files"] == 1  # the unconfirmed upload is not an attachment: not backed up

    engine = create_engine(target_url)  # the append-only triggers came back, after the rows
    from tracker.audit import APPEND_ONLY

    try:
        with pytest.raises(Exception, match=re.escape(APPEND_ONLY)), engine.begin() as conn:
            conn.execute(text("UPDATE event SET note = 'FORGED'"))
    finally:
        engine.dispose()

    # The restored database is in working order: new rows get fresh ids (PostgreSQL sequences restored).
    from tracker.accounts import services
    from tracker.accounts.models import Agency
    from tracker.extensions import db

    with target.app_context():
        agency = db.session.scalars(db.select(Agency).order_by(Agency.id)).first()
        section = services.create_section("恢复后新建的科室", agency=agency)
        assert section.id > max(
            r[0] for r in db.session.execute(text("SELECT id FROM section WHERE id <> :i"), {"i": section.id})
        )
        db.session.remove()


def read_manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("tracker-backup/manifest.json"))


def rewrite(src: Path, dst: Path, edit, *, fix_manifest: bool = True) -> None:
    """Copy the archive with edit(members) applied to its {name: bytes}; with fix_manifest the manifest's
    checksums are recomputed to match (so only the other checks can catch the change)."""
    with tarfile.open(src) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members.pop("tracker-backup/manifest.json"))
    edit(members, manifest)
    if fix_manifest:
        manifest["members"] = [
            {"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in members.items()
        ]
    members["tracker-backup/manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(dst, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.fixture()
def empty_target(dbs, tmp_path):
    folder = tmp_path / "target_uploads"
    return make_app(dbs.new(), folder), folder


def assert_refused_and_unchanged(target, folder: Path, archive: Path, *expected: str) -> str:
    code, out = run(target, "restore", str(archive))
    assert code != 0, out
    for part in expected:
        assert part in out, out
    assert is_empty(target.config["SQLALCHEMY_DATABASE_URI"])
    assert not folder.exists()  # the folder did not exist before: a refused restore leaves none
    return out


def test_backup_refuses_an_existing_file_unless_forced(source, tmp_path):
    app, _ = source
    path = tmp_path / "b.tar.gz"
    path.write_bytes(b"keep me")
    code, out = run(app, "backup", str(path))
    assert code != 0 and "已存在" in out and "--force" in out
    assert path.read_bytes() == b"keep me"
    code, out = run(app, "backup", "--force", str(path))
    assert code == 0, out
    assert read_manifest(path)["format"] == "tracker-backup"
    assert [p.name for p in tmp_path.iterdir()] == ["b.tar.gz"]  # no temporary file left behind


def test_backup_refuses_a_missing_or_unwritable_directory_and_leaves_nothing(source, tmp_path):
    app, _ = source
    code, out = run(app, "backup", str(tmp_path / "no-such-dir" / "b.tar"))
    assert code != 0 and "不存在" in out
    code, out = run(app, "backup", str(tmp_path))
    assert code != 0 and "是一个目录" in out
    assert list(tmp_path.iterdir()) == []
    code, out = run(app, "backup", "/sys/tracker-backup.tar.gz")  # a directory nobody may write, root included
    assert code == 2 and "无法在目录“/sys”中写文件" in out


def test_without_pg_dump_a_postgresql_backup_is_refused(database_url, tmp_path, source):
    from tracker.backup.archive import BackupError
    from tracker.backup.service import pg_tool

    app = make_app("sqlite:///:memory:", tmp_path / "u", PG_BIN_DIR=str(tmp_path))
    with app.app_context(), pytest.raises(BackupError, match="没有可执行的 pg_dump"):
        pg_tool("pg_dump")
    if _pg(database_url):
        src, _ = source
        src.config["PG_BIN_DIR"] = str(tmp_path)
        try:
            code, out = run(src, "backup", str(tmp_path / "b.tar.gz"))
        finally:
            src.config["PG_BIN_DIR"] = ""
        assert code != 0 and "pg_dump" in out and "PG_BIN_DIR" in out
        assert not (tmp_path / "b.tar.gz").exists()


def test_restore_refuses_a_database_that_holds_tables(source, archive_path):
    app, folder = source
    before = snapshot(app.config["SQLALCHEMY_DATABASE_URI"])
    files = files_of(folder)
    code, out = run(app, "restore", str(archive_path))
    assert code != 0 and "不是空的" in out
    assert snapshot(app.config["SQLALCHEMY_DATABASE_URI"]) == before
    assert files_of(folder) == files


def test_restore_refuses_a_folder_that_holds_files(dbs, tmp_path, archive_path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "left-over.pdf").write_bytes(b"%PDF old")
    target = make_app(dbs.new(), folder)
    code, out = run(target, "restore", str(archive_path))
    assert code != 0 and "附件目录" in out and "不是空的" in out
    assert is_empty(target.config["SQLALCHEMY_DATABASE_URI"])
    assert files_of(folder) == {"left-over.pdf": b"%PDF old"}


def test_restore_refuses_a_tampered_attachment(empty_target, archive_path, tmp_path):
    target, folder = empty_target
    bad = tmp_path / "tampered.tar.gz"

    def flip(members, manifest):
        name = next(n for n in members if "/attachments/" in n)
        members[name] = members[name][:-1] + bytes([members[name][-1] ^ 1])

    rewrite(archive_path, bad, flip, fix_manifest=False)
    assert_refused_and_unchanged(target, folder, bad, "校验和与清单不符")
    code, out = run(target, "backup", "--verify", str(bad))
    assert code != 0 and "校验和与清单不符" in out


def test_restore_refuses_a_member_the_manifest_does_not_list(empty_target, archive_path, tmp_path):
    target, folder = empty_target
    bad = tmp_path / "extra.tar.gz"

    def add(members, manifest):
        members["tracker-backup/attachments/extra.pdf"] = b"%PDF smuggled"
        manifest["members"] = manifest["members"]  # listed as before: the new member is not in it

    rewrite(archive_path, bad, add, fix_manifest=False)
    assert_refused_and_unchanged(target, folder, bad, "不在清单中")


def test_restore_refuses_a_truncated_archive(empty_target, archive_path, tmp_path):
    target, folder = empty_target
    cut = tmp_path / "cut.tar.gz"
    data = archive_path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    out = assert_refused_and_unchanged(target, folder, cut)
    assert "不完整" in out or "损坏" in out


def test_restore_and_verify_refuse_files_that_are_not_our_backups(empty_target, tmp_path):
    target, folder = empty_target
    text_file = tmp_path / "notes.tar.gz"
    text_file.write_text("这不是归档", encoding="utf-8")
    assert_refused_and_unchanged(target, folder, text_file, "不是本程序写出的备份")
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"root"))
    assert_refused_and_unchanged(target, folder, foreign, "不是本程序写出的备份")
    code, out = run(target, "backup", "--verify", str(foreign))
    assert code != 0 and "不是本程序写出的备份" in out
    code, out = run(target, "restore", str(tmp_path / "missing.tar.gz"))
    assert code != 0 and "找不到备份文件" in out


@pytest.mark.parametrize(
    "name,kind",
    [
        ("tracker-backup/attachments/../../escaped.pdf", "file"),
        ("/tmp/tracker-backup-escaped.pdf", "file"),
        ("tracker-backup/attachments/link.pdf", "symlink"),
        ("tracker-backup/attachments/hard.pdf", "hardlink"),
        ("tracker-backup/attachments/sub/inner.pdf", "file"),
    ],
)
def test_restore_refuses_unsafe_member_paths(empty_target, archive_path, tmp_path, name, kind):
    target, folder = empty_target
    bad = tmp_path / "unsafe.tar.gz"
    with tarfile.open(archive_path) as src, tarfile.open(bad, "w:gz") as dst:
        for m in src.getmembers():
            if m.name.endswith("manifest.json"):
                evil = tarfile.TarInfo(name)
                if kind == "symlink":
                    evil.type, evil.linkname = tarfile.SYMTYPE, "/etc/passwd"
                elif kind == "hardlink":
                    evil.type, evil.linkname = tarfile.LNKTYPE, "/etc/passwd"
                else:
                    evil.size = 4
                dst.addfile(evil, io.BytesIO(b"evil") if kind == "file" else None)
            dst.addfile(m, src.extractfile(m))
    assert_refused_and_unchanged(target, folder, bad, "拒绝恢复")
    assert not (tmp_path.parent / "escaped.pdf").exists()
    assert not Path("/tmp/tracker-backup-escaped.pdf").exists()


def test_restore_refuses_another_engines_backup(empty_target, archive_path, tmp_path):
    target, folder = empty_target
    other = "sqlite" if _pg(target.config["SQLALCHEMY_DATABASE_URI"]) else "postgresql"
    bad = tmp_path / "other-engine.tar.gz"
    suffix = {"sqlite": "sqlite3", "postgresql": "pgdump"}

    def swap(members, manifest):
        current = next(n for n in members if n.startswith("tracker-backup/database."))
        members[f"tracker-backup/database.{suffix[other]}"] = members.pop(current)
        manifest["engine"] = other

    rewrite(archive_path, bad, swap)
    assert_refused_and_unchanged(target, folder, bad, "备份只能恢复到同一种数据库")
    code, out = run(target, "backup", "--verify", str(bad))
    assert code == 0, out  # the archive itself is sound
    code, out = run(target, "restore", "--check", str(bad))
    assert code != 0 and "备份只能恢复到同一种数据库" in out


def test_restore_refuses_a_schema_newer_than_the_code(empty_target, archive_path, tmp_path):
    target, folder = empty_target
    bad = tmp_path / "newer.tar.gz"
    rewrite(archive_path, bad, lambda members, manifest: manifest.update(alembic_revision="ffffffffffff"))
    assert_refused_and_unchanged(target, folder, bad, "ffffffffffff", "升级")


def test_a_missing_attachment_file_is_reported_and_the_backup_still_written(app_ctx, agency, tmp_path):
    """The database lists a file the folder no longer has: the archive holds everything else, its manifest
    names the missing file, and the command exits non-zero so a scheduled backup raises the alarm."""
    from tracker.attachments import Upload, new_attachment
    from tracker.extensions import db

    kept = new_attachment(
        None, Upload("a.txt", b"kept"), agency_id=agency.id, subject_type="request", subject_id=1, kind="other"
    )
    lost = new_attachment(
        None, Upload("b.txt", b"lost"), agency_id=agency.id, subject_type="request", subject_id=1, kind="other"
    )
    db.session.commit()
    folder = Path(app_ctx.config["UPLOAD_FOLDER"])
    (folder / lost.stored_name).unlink()
    try:
        path = tmp_path / "partial.tar"
        code, out = run(app_ctx, "backup", str(path))
        assert code == 1, out
        assert lost.stored_name in out and "没有这个文件" in out
        manifest = read_manifest(path)
        assert manifest["attachments"]["count"] == 1
        assert [p["stored_name"] for p in manifest["attachments"]["problems"]] == [lost.stored_name]
        assert f"tracker-backup/attachments/{kept.stored_name}" in {m["name"] for m in manifest["members"]}
        code, out = run(app_ctx, "backup", "--verify", str(path))
        assert code == 0 and "没有这个文件" in out
    finally:
        (folder / kept.stored_name).unlink(missing_ok=True)


@pytest.mark.parametrize(
    "arg", ["科\x00室.tar.gz", "备\x01份", "../../../etc/passwd", "' OR 1=1 --", "x" * 5000, "/", ".", "-", "/dev/null"]
)
@pytest.mark.parametrize("command", [["backup", "--verify"], ["restore", "--check"], ["restore"]])
def test_hostile_file_arguments_get_a_chinese_message_and_change_nothing(empty_target, command, arg):
    target, folder = empty_target
    code, out = run(target, *command, arg)
    assert code == 2, out
    assert "错误：" in out and "Traceback" not in out, out
    assert is_empty(target.config["SQLALCHEMY_DATABASE_URI"])
    assert not folder.exists() or files_of(folder) == {}


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(
    database_url, source, tmp_path, monkeypatch
):
    import subprocess

    from sqlalchemy.engine import make_url

    from tracker.backup import service

    env = service.pg_env("postgresql+psycopg://clerk:s3cret%40x@db.intranet:5433/tracker?sslmode=require")
    assert (env["PGUSER"], env["PGPASSWORD"], env["PGHOST"], env["PGPORT"]) == (
        "clerk",
        "s3cret@x",
        "db.intranet",
        "5433",
    )
    assert (env["PGDATABASE"], env["PGSSLMODE"]) == ("tracker", "require")
    if not _pg(database_url):
        return
    app, _ = source
    password = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).password
    calls, real = [], subprocess.run

    def spy(args, **kw):
        calls.append((list(map(str, args)), kw.get("env") or {}))
        return real(args, **kw)

    monkeypatch.setattr(service.subprocess, "run", spy)
    code, out = run(app, "backup", str(tmp_path / "b.tar.gz"))
    assert code == 0, out
    dumps = [env for args, env in calls if "--format=custom" in args]
    assert len(dumps) == 1 and dumps[0]["PGPASSWORD"] == password
    for args, _ in calls:  # (the test cluster's password "tracker" is also part of the temporary paths)
        assert password not in args and not any(f":{password}@" in a or f"password={password}" in a for a in args)


def test_a_damaged_dump_that_matches_its_manifest_is_refused_and_changes_nothing(empty_target, archive_path, tmp_path):
    """The checksums only say the dump is what was written; a dump damaged before it was hashed (or a forged
    manifest) is caught by the restore itself: SQLite's integrity check, or pg_restore in one transaction."""
    target, folder = empty_target
    bad = tmp_path / "damaged.tar.gz"

    def damage(members, manifest):
        name = next(n for n in members if n.startswith("tracker-backup/database."))
        data = members[name]
        members[name] = data[: len(data) // 2] + bytes(len(data) - len(data) // 2)

    rewrite(archive_path, bad, damage)
    code, out = run(target, "backup", "--verify", str(bad))
    assert code == 0, out  # consistent with its manifest
    assert_refused_and_unchanged(target, folder, bad, "目标数据库未作任何改动")


def test_the_command_line_entry_point_reads_its_settings_from_the_environment(archive_path, tmp_path):
    """`flask --app tracker …` as an operator runs it, configured by DATABASE_URL and UPLOAD_FOLDER."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "INSTANCE_PATH": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", "backup", "--verify", str(archive_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "备份校验通过" in done.stdout and "结构版本" in done.stdout
    assert not (tmp_path / "fresh.db").exists() and not (tmp_path / "uploads").exists()  # verify touches neither


def test_a_restore_without_the_disk_space_it_needs_is_refused_before_writing(empty_target, archive_path, monkeypatch):
    from collections import namedtuple

    from tracker.backup import service

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(service.shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 10**6, 10**6))
    target, folder = empty_target
    assert_refused_and_unchanged(target, folder, archive_path, "所在的磁盘只剩", "请先腾出空间")


def test_an_archive_changed_between_the_check_and_the_unpacking_is_refused(
    empty_target, archive_path, tmp_path, monkeypatch
):
    """The restore checks the whole archive without writing, then unpacks it checking again: a file replaced
    in between (by a consistent forgery) is refused and what was unpacked is removed."""
    import shutil

    from tracker.backup import archive, service

    target, folder = empty_target
    path, forged = tmp_path / "swapped.tar.gz", tmp_path / "forged.tar.gz"
    shutil.copy(archive_path, path)

    def flip(members, manifest):
        name = next(n for n in members if "/attachments/" in n)
        members[name] = members[name][:-1] + bytes([members[name][-1] ^ 1])

    rewrite(archive_path, forged, flip)  # consistent with its own manifest, same sizes
    real, calls = archive.read, []

    def read_then_swap(*args, **kwargs):
        calls.append(kwargs)
        result = real(*args, **kwargs)
        if len(calls) == 1:
            shutil.copy(forged, path)
        return result

    monkeypatch.setattr(service.archive, "read", read_then_swap)
    assert_refused_and_unchanged(target, folder, path, "在校验之后被改动")
    assert len(calls) == 2 and calls[1].get("expect")
